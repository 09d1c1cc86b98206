"""Bulk data through the endpoint a piece at a time (issue 14) gives what it gave at once.

The local endpoint hands delivered bytes to OpenSSL only ``FEED`` bytes ahead of what it
has read, and writes more than ``WRITE_PIECE`` bytes one ``SSL_write`` a piece. Each
run here is made twice or more on real OpenSSL, the general way (everything delivered
written to the BIO at once, every write one call) and piecewise with small and odd
sizes, and every fact a view can show must be the same: each event's result, error,
data, sizes and OpenSSL's message reports, what each side has not read, and every
record that crossed (type, length, plaintext).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from tlsstep import endpoint
from tlsstep.config import KeyType, PairConfig, SideConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.events import Side
from tlsstep.limits import MAX_REPEAT
from tlsstep.repeated import Repeated, pieces
from tlsstep.session import Session
from tlsstep.steps import Write, _period, parse_line, step_table

GENERAL = 1 << 40  # bigger than anything: all at once, as before issue 14

# Ed25519 signatures have one length (ECDSA's vary): every run's flights are alike.
TLS13 = PairConfig(key_type=KeyType.ed25519)
TLS12 = PairConfig(client=SideConfig(max_version="1.2"), key_type=KeyType.ed25519)
_10 = SideConfig(min_version="1.0", max_version="1.0")
TLS10 = PairConfig(client=_10, server=_10, key_type=KeyType.rsa)  # signatures of one length

SCRIPTS: dict[str, tuple[PairConfig, list[str]]] = {
    # A bulk transfer each way, read in odd sizes; tickets, close_notify both ways.
    "tls13 transfer": (
        TLS13,
        [
            "handshake",
            'write client data="0123456789" repeat=40000',
            "deliver client",
            *["read server size=5000"] * 90,
            "write server hex=00ff01 repeat=100000",
            "write server 'and then some'",
            "deliver server bytes=70001",
            "read client size=16384",
            "read client size=16384",
            "deliver server",
            *["read client size=16384"] * 22,
            "unwrap client",
            "deliver client",
            "read server",
            "unwrap server",
            "deliver server",
            "unwrap client",
        ],
    ),
    "tls12 transfer": (
        TLS12,
        [
            "handshake",
            'write client data="abc" repeat=100001',
            "deliver client records=3",
            "read server size=20000",
            "read server size=20000",
            "deliver client",
            *["read server size=16384"] * 20,
            "eof client",
            "read server",
        ],
    ),
    # TLS 1.0 with a CBC suite sends an empty record before each SSL_write's data: its
    # writes are never split (the records would change).
    "tls10 transfer": (
        TLS10,
        [
            "handshake",
            "write client data=ab repeat=200000",
            "deliver client",
            *["read server"] * 26,
        ],
    ),
    # A record damaged in the middle of a bulk delivery: the read that reaches it fails
    # there, and the bytes after it stay unread.
    "tampered": (
        TLS13,
        [
            "handshake",
            "read client size=1",
            'write client data="x" repeat=300000',
            "tamper client flip=200000",
            "deliver client",
            *["read server size=16384"] * 14,
        ],
    ),
    # Byte by byte (with FEED 1): a handshake, tickets, a little data each way.
    "byte by byte": (
        TLS13,
        [
            "handshake",
            "write client 'GET / HTTP/1.0'",
            "deliver client",
            "read server",
            "write server hex=00ff repeat=3000",
            "deliver server",
            "read client size=1000",
            "read client",
            "unwrap server",
            "deliver server",
            "read client",
        ],
    ),
    # A handshake whose flights go over in pieces of a few bytes, then a transfer.
    "dribbled handshake": (
        TLS13,
        [
            "handshake client",
            "deliver client bytes=7",
            "handshake server",
            "deliver client",
            "handshake server",
            "deliver server bytes=100",
            "handshake client",
            "deliver server",
            "handshake client",
            "deliver client",
            "handshake server",
            "deliver server",
            "read client",
            'write server data="hello" repeat=70000',
            "deliver server",
            "read client size=400000",
        ],
    ),
}


def facts(config: PairConfig, lines: list[str]) -> list[Any]:
    """Everything a view could show of running ``lines``, but the random bytes."""
    crypto = KeyLogCrypto()
    session = Session(config, crypto=crypto)
    out: list[Any] = []
    try:
        for line in lines:
            outcome = session.run(parse_line(line))
            out.append((line, outcome.problem, [w.unread for w in outcome.stalled]))
            for entry in outcome.entries:
                e = entry.event
                out.append(
                    (
                        e.call,
                        e.result,
                        e.error and (e.error.exception, e.error.reason),
                        e.data,
                        e.written,
                        len(e.produced),
                        len(e.delivered),
                        e.queued_to_server,
                        e.queued_to_client,
                        e.note,
                        [(p.sent, p.content_type, p.msg_type) for p in e.processed or ()],
                        [
                            (r.record.content_type, r.record.length, r.content_type, r.plaintext)
                            for r in entry.records
                            if r.content_type != 22  # handshake bodies hold randoms
                        ],
                        [len(r.record.raw) for r in entry.records],
                    )
                )
            out.append({side: session.pair.unread(side) for side in Side})
    finally:
        crypto.close()
    return out


@pytest.mark.parametrize("name", SCRIPTS)
def test_piecewise_feeding_and_writing_change_nothing(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, lines = SCRIPTS[name]
    monkeypatch.setattr(endpoint, "FEED", GENERAL)
    monkeypatch.setattr(endpoint, "WRITE_PIECE", GENERAL)
    general = facts(config, lines)
    assert any(e[3] for e in general if isinstance(e, tuple) and len(e) > 4)  # data was read
    sizes = [(64 * 1024, 16 * 16384), (4099, 3 * 16384), (501, 16384)]
    for feed, piece in [(1, 16384)] if name == "byte by byte" else sizes:
        monkeypatch.setattr(endpoint, "FEED", feed)
        monkeypatch.setattr(endpoint, "WRITE_PIECE", piece)
        assert facts(config, lines) == general, (feed, piece)


def test_a_big_delivery_waits_outside_the_bio() -> None:
    """What a BIO holds is what it keeps (it never shrinks): a 1 MB delivery is not
    written into it at once, and what the side has not read is still all counted."""
    crypto = KeyLogCrypto()
    session = Session(PairConfig(), crypto=crypto)
    try:
        for line in ("handshake", 'write client data="0123456789" repeat=100000'):
            session.run(parse_line(line))
        queued = len(session.pair.queue(Side.client))
        session.run(parse_line("deliver client"))
        server = session.pair.local(Side.server)
        assert server.incoming.pending == 0  # nothing given to OpenSSL until it is called
        assert session.pair.unread(Side.server) == queued
        session.run(parse_line("read server size=16384"))
        assert server.incoming.pending <= 2 * endpoint.FEED
        assert session.pair.unread(Side.server) == queued - 16384 - 22  # one record read
    finally:
        crypto.close()


def test_nothing_is_delivered_after_eof() -> None:
    """``deliver`` after ``eof`` is refused as a step problem (it was a traceback)."""
    session = Session(PairConfig())
    outcomes = [session.run(parse_line(line)) for line in ("handshake client", "eof client")]
    refused = session.run(parse_line("deliver client"))
    assert not any(o.problem for o in outcomes)
    assert refused.problem is not None and "has ended (eof client)" in refused.problem
    assert len(session.pair.queue(Side.client)) > 0  # the ClientHello is still queued
    assert session.run(parse_line("deliver server")).problem is None  # nothing to move


# -- Repeated: the bytes it stands for --------------------------------------------------


def _cases() -> Iterator[tuple[bytes, int]]:
    rng = random.Random(14)
    yield from [(b"", 3), (b"a", 2), (b"ab", 32), (b"ab", 33), (b"abab", 40), (b"\x00", 65)]
    yield from [(b"xyz", MAX_REPEAT), (b"ab" * 3, MAX_REPEAT // 2), (b"ab" * 2, MAX_REPEAT)]
    for _ in range(200):
        root = bytes(rng.choice(b"ab") for _ in range(rng.randint(1, 5)))
        unit = root * rng.randint(1, 4) + (
            bytes([rng.choice(b"ab")]) if rng.random() < 0.3 else b""
        )
        yield unit, rng.randint(2, 90)


@pytest.mark.parametrize(("unit", "count"), [c for c in list(_cases())[:16] if c[1] < 1000])
def test_repeated_is_its_bytes(unit: bytes, count: int) -> None:
    value, whole = Repeated(unit, count), unit * count
    assert len(value) == len(whole) and bytes(value) == whole
    assert value == whole and whole == value and hash(value) == hash(whole)
    assert value == Repeated(whole, 1) and value != whole + b"!"
    assert repr(value) == repr(whole)
    for size in (0, 1, 3, 64, len(whole), len(whole) + 5):
        assert value.head(size) == whole[:size]
    for size in (1, 2, 7, 16384):
        assert b"".join(pieces(value, size)) == whole == b"".join(pieces(whole, size))
        assert all(len(p) == size for p in list(pieces(value, size))[:-1])


def _period_of_bytes(data: bytes) -> tuple[bytes, int]:
    """``steps._period`` as it was, on the whole data (the reference)."""
    if len(data) <= 64:
        return data, 1
    period = (data + data).find(data, 1)
    if period < len(data) and len(data) % period == 0 and len(data) // period <= MAX_REPEAT:
        return data[:period], len(data) // period
    return data, 1


def test_save_writes_a_repeated_write_as_it_wrote_the_whole_data() -> None:
    for unit, count in _cases():
        whole = unit * count
        assert _period(Repeated(unit, count)) == _period_of_bytes(whole), (unit, count)
        assert _period(whole) == _period_of_bytes(whole), (unit, count)


def test_a_repeated_write_step_keeps_the_unit() -> None:
    step = parse_line('write client data="0123456789" repeat=1048576')
    assert isinstance(step, Write) and isinstance(step.data, Repeated)
    assert step.data.unit == b"0123456789" and len(step.data) == 10 * 1048576
    assert step == Write(side=Side.client, data=b"0123456789" * 1048576)
    assert step_table(step) == {
        "op": "write",
        "side": "client",
        "data": "0123456789",
        "repeat": 1048576,
    }
