"""What a long shell session keeps, and that keeping it does not cost each command more."""

from __future__ import annotations

import io
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tlsstep.config import PairConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.decode import Decoder, Delivered
from tlsstep.events import Side
from tlsstep.pcap.capture import StreamRecord, decode_capture
from tlsstep.render.terminal import make_console
from tlsstep.scenario import expect
from tlsstep.scenario.expect import Actual
from tlsstep.session import Session, StepOutcome
from tlsstep.shell import Shell
from tlsstep.steps import parse_line

# The client refuses a tampered ServerHello and sends an alert for it.
REFUSED = (
    "handshake client",
    "deliver client",
    "handshake server",
    "tamper server flip=40",
    "deliver server",
    "handshake client",
    "deliver client",
)


def _run(session: Session, lines: tuple[str, ...]) -> StepOutcome:
    return [session.run(parse_line(line)) for line in lines][-1]


def test_alert_index_is_kept_per_connection_when_sessions_alternate() -> None:
    # Two sessions asked in turn (two shells, a replay's scenarios) must each keep their
    # connection's index: a single shared one was rebuilt from the first entry on every
    # switch, so a long session's every step rescanned its whole history (issue 14).
    refused, clean = Session(PairConfig()), Session(PairConfig())
    last = _run(refused, REFUSED)
    assert Actual(refused, last).alerts(Side.client, sent=True) == ["bad_record_mac"]
    index = expect._index[refused.current]
    for _ in range(3):
        other = _run(clean, ("handshake",))
        assert Actual(clean, other).alerts(Side.client, sent=True) == []
        again = refused.run(parse_line("handshake server"))
        assert Actual(refused, again).alerts(Side.server, sent=False) == ["bad_record_mac"]
        assert expect._index[refused.current] is index  # the same index, scanned onwards
        assert index.scanned == len(refused.current.entries)


# A bulk transfer the shell keeps once: records are views into the bytes that crossed,
# a read's check text is made at save. Every view must still see all of it.
UNIT = b"0123456789abcdef"
REPEAT = 65536  # 1 MiB: 64 records and 64 reads of 16 KiB
BULK = (
    "handshake",
    f'write client data="{UNIT.decode()}" repeat={REPEAT}',
    "deliver client",
    *["read server size=16384"] * 64,
)


def test_a_large_transfer_is_all_there_for_every_view(tmp_path: Path) -> None:
    out = io.StringIO()
    shell = Shell(
        PairConfig(), None, make_console(file=io.StringIO()), crypto=KeyLogCrypto, json_out=out
    )
    try:
        for line in BULK:
            shell.execute(line)
        shell.execute("show records")
        shell.execute(f"save {tmp_path / 'bulk.toml'}")
        shell.execute(f"pcap {tmp_path / 'bulk.pcapng'}")
        delivered = b"".join(
            e.delivered for e in shell.session.pair.events if e.side is Side.client
        )
    finally:
        shell.close()
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert all(r["ok"] for r in replies), [r for r in replies if not r["ok"]]
    data = UNIT * REPEAT
    # Each read's JSON has its data in full; so has show records, record by record.
    reads = replies[3 : 3 + 64]
    assert "".join(r["events"][0]["data"]["text"] for r in reads).encode() == data
    shown = [r["application_data"] for r in replies[-3]["records"] if "application_data" in r]
    assert "".join(a["text"] for a in shown).encode() == data
    assert all(a["length"] == 16384 for a in shown)
    # save: every read's expected data, made from the bytes kept.
    steps = tomllib.loads((tmp_path / "bulk.toml").read_text())["step"]
    assert steps[1]["data"] == UNIT.decode() and steps[1]["repeat"] == REPEAT
    saved = [s["expect"]["data"] for s in steps if s["op"] == "read"]
    assert "".join(saved).encode() == data
    # pcap: every byte the client's deliveries carried, as the records of the capture.
    with open(tmp_path / "bulk.pcapng", "rb") as file:
        captured = b"".join(
            item.view.record.raw
            for item in decode_capture(file)
            if isinstance(item, StreamRecord) and item.view.sender is Side.client
        )
    assert len(delivered) > len(data) and captured == delivered


def test_records_framed_as_views_show_as_copies_do(monkeypatch: pytest.MonkeyPatch) -> None:
    # The general path: what crossed handed to the decoder as a bytearray is copied
    # into records; every view of the same session must read the same either way.
    out = io.StringIO()
    shell = Shell(PairConfig(), None, make_console(file=out), crypto=KeyLogCrypto)
    shows = ("show records", "show ladder", "show messages")
    try:
        for line in (*BULK[:3], "read server size=100"):
            shell.execute(line)
        start = out.tell()
        for line in shows:
            shell.execute(line)
        fast = out.getvalue()[start:]
        feed = Decoder.feed
        monkeypatch.setattr(Decoder, "feed", lambda s, side, data: feed(s, side, bytearray(data)))
        shell.session.redecode()
        start = out.tell()
        for line in shows:
            shell.execute(line)
        general = out.getvalue()[start:]
    finally:
        shell.close()
    assert "application_data" in fast and "ClientHello" in fast
    assert fast == general


def _plaintexts(session: Session) -> list[bytes]:
    return [
        data
        for e in session.current.entries
        for view in e.records
        if (data := view.application_data) is not None
    ]


@pytest.fixture
def crypto() -> Iterator[KeyLogCrypto]:
    hooks = KeyLogCrypto()  # decrypts what crossed with the session's own key log
    try:
        yield hooks
    finally:
        hooks.close()


def test_reads_of_whole_records_are_logged_with_the_records_bytes(crypto: KeyLogCrypto) -> None:
    session = Session(PairConfig(), crypto=crypto)
    lines = ("handshake", 'write client data="0123456789abcdef" repeat=4096', "deliver client")
    _run(session, lines)
    _plaintexts(session)  # a view decodes what crossed (the shell's does at once)
    sizes = (16384, 100, 16284, 16384, 5000, 30000, 16384)
    events = [_run(session, (f"read server size={n}",)).entries[0].event for n in sizes]
    data = b"0123456789abcdef" * 4096
    assert b"".join(e.data or b"" for e in events) == data  # every read as it returned
    records = _plaintexts(session)
    assert len(records) == 4 and all(len(r) == 16384 for r in records)
    # 16 KB reads of 16 KB records share the record's bytes; reads that start or end
    # inside a record keep their own (the second record is read as 100 + 16284 bytes).
    shared = [any(e.data is r for r in records) for e in events]
    assert shared == [True, False, False, True, False, False, False]


def test_reads_do_not_decode_what_crossed(crypto: KeyLogCrypto) -> None:
    # Decoding waits until a view asks (replay -q never does): sharing must not ask.
    session = Session(PairConfig(), crypto=crypto)
    lines = ("handshake", 'write client data="ping"', "deliver client", "read server")
    last = _run(session, lines)
    assert last.entries[0].event.data == b"ping"
    delivered = session.current.entries[-2].records
    assert isinstance(delivered, Delivered) and not delivered.decoded
    assert [view.application_data for view in delivered] == [b"ping"]
