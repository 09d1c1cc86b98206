"""Shared fixtures for the pcap tests: real runs with a key log, and what OpenSSL wrote.

The key log comes from OpenSSL itself (``keylog_filename`` via a small crypto-hooks
object), and the handshake messages each side wrote come from OpenSSL's message
callback, so tshark's and tlsstep's views are both checked against the endpoints,
not only against each other.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tlsstep import msg_callback
from tlsstep.cli import main
from tlsstep.config import PairConfig, SideConfig, build_contexts
from tlsstep.decode import HandshakeMessage, Record, Unprotected
from tlsstep.events import Side
from tlsstep.session import Session
from tlsstep.steps import parse_line

HANDSHAKE = 22  # ssl._TLSContentType.HANDSHAKE


class NoKeys:
    """An unprotector that opens nothing: the session still decodes plaintext."""

    def observe(self, sender: Side, view: object) -> None:
        pass

    def change_cipher_spec(self, sender: Side) -> None:
        pass

    def unprotect(self, sender: Side, record: Record) -> Unprotected:
        return Unprotected(ok=False, reason="test hooks have no decryptor")

    def check_finished(self, sender: Side, message: HandshakeMessage) -> bool | None:
        return None


@dataclass
class KeylogHooks:
    """Just enough of the crypto hooks for OpenSSL to write its key log."""

    keylog_path: str | None

    def unprotector(self, connection: int) -> NoKeys:
        return NoKeys()


@dataclass
class Run:
    session: Session
    keylog: bytes
    written: dict[Side, list[int]] = field(default_factory=dict)  # handshake types, in order


def make_run(tmp_path: Path, version: str, *, data: bytes = b"ping", resume: bool = False) -> Run:
    keylog = tmp_path / f"keys-{version}.txt"
    config = PairConfig(
        client=SideConfig(min_version=version, max_version=version),
        server=SideConfig(min_version=version, max_version=version),
    )
    hooks = KeylogHooks(str(keylog))
    contexts = build_contexts(config, None, hooks.keylog_path)
    session = Session(config, crypto=hooks, contexts=contexts)
    for line in [
        "handshake",
        f'write client "{data.decode()}"',
        "deliver client",
        "read server",
        f'write server "{data.decode()}"',
        "deliver server",
        "read client",
    ]:
        outcome = session.run(parse_line(line))
        assert outcome.problem is None, outcome.problem
    if resume:
        session.run(parse_line("resume"))
        session.run(parse_line("handshake"))
    assert session.handshake_ok()
    # OpenSSL's own record of what each side wrote (Python's private message callback,
    # which every call's event carries as ``processed``).
    written: dict[Side, list[int]] = {Side.client: [], Side.server: []}
    for entry in session.entries:
        for item in entry.event.processed or ():
            if item.sent and item.content_type == HANDSHAKE and item.msg_type is not None:
                written[entry.event.side].append(item.msg_type)
    assert msg_callback.AVAILABLE and any(written.values())
    return Run(session=session, keylog=keylog.read_bytes(), written=written)


def tlsstep_cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def decode_json(*args: str) -> dict[str, Any]:
    """``decode --json``'s streamed items, grouped by stream (and checked against
    ``--jsonl``, which must carry the same objects)."""
    result = tlsstep_cli("decode", "--json", *args)
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    lines = tlsstep_cli("decode", "--jsonl", *args)
    assert [json.loads(line) for line in lines.stdout.splitlines()] == items
    return grouped(items)


def grouped(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The streamed objects of ``decode --json`` as one document: the capture (its header
    and summary) and each stream with its records, notes and end."""
    assert items[0]["type"] == "capture" and items[-1]["type"] == "summary"
    capture = {k: v for k, v in {**items[0], **items[-1]}.items() if k != "type"}
    streams: dict[int, dict[str, Any]] = {}
    for item in items[1:-1]:
        kind, number = item["type"], item["stream"]
        body = {k: v for k, v in item.items() if k not in ("type", "stream")}
        if kind == "stream":
            streams[number] = {"stream": number, **body, "records": [], "notes": []}
        elif kind in ("record", "gap"):  # a gap stands where it happened (issue 18)
            streams[number]["records"].append(body)
        elif kind == "note":
            streams[number]["notes"].append(body)
        elif kind == "end":
            streams[number]["end"] = body["reason"]
            streams[number]["messages"] = body["messages"]
        else:
            raise AssertionError(f"unknown item type {kind!r}")
    return {"capture": capture, "streams": list(streams.values())}


def transcript(doc: dict[str, Any]) -> list[Any]:
    """What must not change between two files of the same run: streams and records."""
    return [
        (s["client"], s["server"], s["tls"], s["records"], s.get("messages"))
        for s in doc["streams"]
    ]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # .ci/run installs tshark; a missing peer is a failure, not a skip
        pytest.fail(f"{name} is not installed (it comes with tshark)")
    return path


def run_tool(*args: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
