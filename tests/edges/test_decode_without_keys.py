"""Issue 16 items 3 and 4: decode without a key log says so once, and infers the keys'
epochs; records show their outer (wire) type and inner type."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tlsstep.cli import main
from tlsstep.config import PairConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.pcap.writer import write_session_pcapng
from tlsstep.session import Session
from tlsstep.steps import parse_line


def _capture(tmp_path: Path, *, secrets: bool) -> Path:
    path = tmp_path / ("keys.pcapng" if secrets else "nokeys.pcapng")
    with KeyLogCrypto() as crypto:
        session = Session(PairConfig(), crypto=crypto)
        for line in ("handshake", 'write client "hi"', "deliver client", "read server"):
            session.run(parse_line(line))
        session.run(parse_line('write server "yo"'))
        session.run(parse_line("deliver server"))
        write_session_pcapng(path, session, None if secrets else b"")
    return path


def _decode(*args: str) -> str:
    result = CliRunner().invoke(main, ["decode", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_no_keylog_is_said_once_and_epochs_are_inferred(tmp_path: Path) -> None:
    nokeys = _capture(tmp_path, secrets=False)
    text = _decode(str(nokeys))
    assert text.count("no key log") == 1
    assert "--keylog FILE" in text
    assert "failed handshake" not in text
    plain = json.loads(_decode("--json", str(nokeys)))
    keyed = json.loads(_decode("--json", str(_capture(tmp_path, secrets=True))))

    def notes(doc: list[dict[str, object]]) -> list[object]:
        return [o["text"] for o in doc if o["type"] == "note"]

    assert len(notes(plain)) == 1 and "no key log" in str(notes(plain)[0])
    assert notes(keyed) == []

    def epochs(doc: list[dict[str, object]]) -> list[object]:
        return [(o["from"], o.get("epoch")) for o in doc if o["type"] == "record"]

    # Without keys, each record is put in the epoch the decrypted run shows:
    # the tickets and the data are application-key records, not handshake ones.
    assert epochs(plain) == epochs(keyed)
    assert ("server", "application") in epochs(plain)


def test_decode_shows_outer_then_inner_type(tmp_path: Path) -> None:
    text = _decode(str(_capture(tmp_path, secrets=True)))
    tickets = [line for line in text.splitlines() if "NewSessionTicket" in line]
    assert tickets and all("application_data → handshake" in line for line in tickets)
    doc = json.loads(_decode("--json", str(_capture(tmp_path, secrets=True))))
    ticket = next(
        r
        for r in doc
        if r["type"] == "record" and r.get("messages") and r.get("epoch") == "application"
    )
    assert (ticket["record_content_type"], ticket["content_type"]) == (
        "application_data",
        "handshake",
    )
