"""tlsstep shell driven by piped input, and the pieces it is made of."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers import tlsstep
from tlsstep.config import PairConfig, SideConfig
from tlsstep.events import Side
from tlsstep.faults import Drop, Flip, Insert, Overwrite, Swap, Truncate
from tlsstep.session import Session
from tlsstep.shell import completions, scenario_text
from tlsstep.steps import (
    Deliver,
    Eof,
    Handshake,
    Read,
    Resume,
    Step,
    Tamper,
    Unwrap,
    VerifyClientPostHandshake,
    Write,
    parse_line,
    parse_step,
    step_line,
)

SCRIPT = """\
handshake client
deliver client
handshake server
tamper server flip=40
deliver server
handshake client
show state
show queue
deliver server bytes=notanumber
save {path}
quit
"""


def test_piped_shell_handshake_tamper_save(tmp_path: Path) -> None:
    saved = tmp_path / "tampered.toml"
    proc = tlsstep("shell", input=SCRIPT.format(path=saved))
    out = proc.stdout
    assert "client.do_handshake() → want read" in out
    assert "tamper server queue: Flip(offset=40, bit=0)" in out
    assert "DECRYPTION_FAILED_OR_BAD_RECORD_MAC" in out  # the tampered ServerHello
    assert "failed" in out  # Python-level state in show state
    assert "error: bytes must be a whole number" in out  # an error, and the shell went on
    assert "saved 6 steps" in out
    assert "tlsstep>" not in out  # no prompts when piped
    assert proc.returncode == 1  # one command failed
    assert "Traceback" not in proc.stderr

    doc = tomllib.loads(saved.read_text())
    steps = [parse_step(t) for t in doc["step"]]
    assert [step_line(s) for s in steps] == [
        "handshake client", "deliver client", "handshake server",
        "tamper server flip=40 bit=0", "deliver server", "handshake client",
    ]  # fmt: skip
    # The saved file replays: through `tlsstep replay` once it exists, else step by step.
    if tlsstep("replay", "--help", input="").returncode == 0:
        replay = tlsstep("replay", str(saved), input="")
        assert replay.returncode == 0, replay.stdout + replay.stderr
        return
    session = Session(PairConfig())
    outcomes = [session.run(s) for s in steps]
    last = outcomes[-1].entries[0].event
    assert last.error is not None and last.error.reason == "DECRYPTION_FAILED_OR_BAD_RECORD_MAC"


def test_piped_shell_whole_handshake_and_show(tmp_path: Path) -> None:
    script = (
        "handshake\nshow messages\nshow certs\nshow records\nshow keys\nshow ladder\n"
        "help deliver\nreset\nshow state\n"
    )
    proc = tlsstep("shell", "--tls-version", "1.2", input=script)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "server sent: ServerHello, Certificate, ServerKeyExchange" in out
    assert "Chain sent by server" in out and "CN=example.test" in out  # show certs
    assert "ServerHelloDone  from server" in out  # show records
    assert "CLIENT_RANDOM" in out  # show keys: the session decrypts with its own key log
    assert "──▶ │  flight 1" in out  # show ladder
    assert "deliver side" in out and "keys: bytes=, records=" in out  # side is required
    assert "a new pair; nothing done yet" in out
    assert out.rstrip().count("START") >= 2  # after reset both sides are back at START


@pytest.mark.parametrize(
    "step",
    [
        Handshake(),
        Handshake(side=Side.server),
        Deliver(side=Side.client, nrecords=2),
        Deliver(side=Side.server, nbytes=7),
        Write(side=Side.client, data=b"GET / with spaces"),
        Write(side=Side.client, data=b"\x00\xff"),
        Read(side=Side.server, size=10),
        Unwrap(side=Side.client),
        VerifyClientPostHandshake(),
        Resume(),
        Eof(side=Side.server),
        Tamper(side=Side.client, fault=Flip(offset=3, bit=7)),
        Tamper(side=Side.client, fault=Overwrite(offset=1, data=b"\x01\x02")),
        Tamper(side=Side.client, fault=Insert(offset=0, data=b"\x16")),
        Tamper(side=Side.client, fault=Truncate(keep=5)),
        Tamper(side=Side.client, fault=Drop(record=0)),
        Tamper(side=Side.client, fault=Swap(first=0, second=1)),
    ],
)
def test_step_line_round_trips(step: Step) -> None:
    assert parse_line(step_line(step)) == step


def test_scenario_text_keeps_config_and_steps() -> None:
    config = PairConfig(client=SideConfig(max_version="1.2", alpn=("h2",)), server_name="x.test")
    steps = [Handshake(), Write(side=Side.client, data=b'say "hi"')]
    doc = tomllib.loads(scenario_text(config, steps, name="demo"))
    assert doc["server_name"] == "x.test"
    assert doc["client"] == {"max_version": "1.2", "alpn": ["h2"]}
    assert [parse_step(t) for t in doc["step"]] == steps


def test_completions() -> None:
    assert completions("del", []) == ["deliver"]
    assert completions("", ["deliver"]) == ["client", "server"]
    assert completions("rec", ["deliver", "client"]) == ["records="]
    assert completions("q", ["show"]) == ["queue"]
    assert "both" in completions("", ["handshake"])


def test_piped_shell_json_lines() -> None:
    script = (
        "handshake client\ndeliver client\nshow queue\ntamper client drop=9\nbogus\nhelp deliver\n"
    )
    proc = tlsstep("shell", "--json", input=script)
    assert proc.returncode == 1  # two commands failed: a script must see it
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["command"] for r in replies] == script.strip().splitlines()
    hello, delivered, queue, drop, bogus, help_ = replies
    assert hello["ok"] and hello["result"] == "want read"
    assert hello["events"][0]["produced"] > 0
    assert hello["states"]["client"]["state"] == "WAIT_SH"
    (record,) = delivered["events"][0]["records"]
    assert record["messages"][0]["type"] == "ClientHello"
    # the ClientHello sits in the server's incoming BIO, unread until it is called
    assert queue["queue"]["client"]["unread_by_peer"] == hello["events"][0]["produced"]
    assert not drop["ok"] and "no record 9" in drop["error"]
    assert not bogus["ok"] and "unknown command 'bogus'" in bogus["error"]
    assert help_["help"]["keys"] == ["side", "bytes", "records"]


def test_piped_shell_explain_json_puts_notes_where_handshake_vv_does() -> None:
    """--explain notes sit on the record and the operation they explain, as in
    `handshake --json -vv`, and are the text view's notes in the same order."""
    script = "explain on\nhandshake\nwrite client hi\ndeliver client\nread server\n"
    text = tlsstep("shell", input=script).stdout
    shown = [line.split("ℹ ", 1)[1].split(":", 1)[0] for line in text.splitlines() if "ℹ " in line]
    replies = [
        json.loads(line) for line in tlsstep("shell", "--json", input=script).stdout.splitlines()
    ]
    keys: list[str] = []
    for reply in replies:
        assert "notes" not in reply  # the top level holds only the settings' notes
        for event in reply.get("events", ()):
            for record in event.get("records", ()):
                keys += [n["key"] for n in record.get("notes", ())]
                if any(m["type"] == "ClientHello" for m in record.get("messages", ())):
                    assert "ClientHello" in [n["key"] for n in record["notes"]]
            keys += [n["key"] for n in event.get("notes", ())]
            assert all(set(n) == {"key", "text"} for n in event.get("notes", ()))
    assert keys == shown
    assert {"want read", "ClientHello", "Finished"} <= set(keys)
