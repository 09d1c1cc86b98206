"""--explain notes: short, present for what the issue names, attached to real records."""

from __future__ import annotations

import re

import pytest

from tlsstep.config import PairConfig, SideConfig
from tlsstep.decode import RecordView
from tlsstep.notes import NOTES, event_keys, for_event, for_record, note, record_keys
from tlsstep.session import Session
from tlsstep.steps import parse_line


@pytest.mark.parametrize("key", sorted(NOTES))
def test_each_note_is_at_most_two_sentences(key: str) -> None:
    text = NOTES[key]
    # A sentence ends with . ! or ? followed by a space or the end; "1.3" does not end one.
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    assert 1 <= len(sentences) <= 2, text
    assert text.strip()[-1] in ".!?"


def test_the_issue_s_topics_have_notes() -> None:
    for key in [
        "ServerHello.key_share",
        "ChangeCipherSpec@TLS 1.3",
        "legacy_record_version",
        "want read",
        "read: want read",
        "ticket after handshake",
        "close_notify",
        "HelloRetryRequest",
    ]:
        assert key in NOTES
    assert note("ChangeCipherSpec", "TLS 1.3") != note("ChangeCipherSpec", "TLS 1.2")
    assert note("no such thing") is None


def _all_records(session: Session) -> list[RecordView]:
    return [r for e in session.entries for r in e.records]


def test_notes_attach_to_a_real_tls13_run() -> None:
    session = Session(PairConfig())
    for line in ["handshake", "read client", "unwrap client", "deliver client"]:
        session.run(parse_line(line))
    keys = {k for r in _all_records(session) for k in record_keys(r, "TLS 1.3")}
    assert {"ClientHello", "ServerHello", "ServerHello.key_share", "ChangeCipherSpec"} <= keys
    assert {"legacy_record_version", "encrypted"} <= keys
    # Field notes follow the extensions the wire decoder found.
    assert {"server_name", "supported_versions", "signature_algorithms"} <= keys
    seen: set[str] = set()
    first = [n.key for r in _all_records(session) for n in for_record(r, "TLS 1.3", seen)]
    assert len(first) == len(set(first))  # each note once
    ccs = [n for n in first if n == "ChangeCipherSpec"]
    assert ccs and note("ChangeCipherSpec", "TLS 1.3") in NOTES.values()
    reads = [e.event for e in session.entries if e.event.op == "read"]
    assert event_keys(reads[0]) == ["read: want read"]
    assert [n.key for n in for_event(reads[0])] == ["read: want read"]


def test_tls12_notes_do_not_talk_about_key_share() -> None:
    session = Session(PairConfig(client=SideConfig(max_version="1.2")))
    session.run(parse_line("handshake"))
    keys = {k for r in _all_records(session) for k in record_keys(r, "TLS 1.2")}
    assert "ServerKeyExchange" in keys and "ClientKeyExchange" in keys
    assert not any("key_share" in k for k in keys)
    assert "legacy_record_version" not in keys


@pytest.mark.parametrize(
    ("config", "lines", "keys"),
    [
        (
            PairConfig(server_name="wrong.test"),
            ["handshake"],
            ["certificate_verify_failed", "alert received"],
        ),
        (
            PairConfig(client=SideConfig(max_version="1.2"), server=SideConfig(min_version="1.3")),
            ["handshake"],
            ["unsupported_protocol", "unsupported_protocol"],
        ),
        (
            PairConfig(),
            [
                "handshake client",
                "deliver client",
                "handshake server",
                "deliver server",
                "eof client",
                "handshake server",
            ],
            ["unexpected_eof"],
        ),
    ],
)
def test_failures_get_their_own_note(config: PairConfig, lines: list[str], keys: list[str]) -> None:
    session = Session(config)
    for line in lines:
        session.run(parse_line(line))
    got = [k for e in session.entries if e.event.error for k in event_keys(e.event)]
    assert got == keys
    assert all(note(k) for k in got)


def test_states_and_explain_import_neither_rich_nor_click() -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    code = "import sys, tlsstep.states.tracker, tlsstep.notes; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = out.stdout.split()
    assert not [m for m in loaded if m.split(".")[0] in ("rich", "click")]
