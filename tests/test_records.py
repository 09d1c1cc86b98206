"""Record and handshake framing: whole input, byte by byte, and with trailing bytes."""

from __future__ import annotations

import random

from tests.helpers import make_pair
from tlsstep.config import PairConfig, SideConfig
from tlsstep.events import Side
from tlsstep.wire.handshake import HandshakeMessage, HandshakeReassembler, encode_handshake
from tlsstep.wire.hello import server_hello_facts
from tlsstep.wire.messages import decode_handshake
from tlsstep.wire.records import RecordSplitter, encode_record, record_lengths

RECORDS = [
    encode_record(22, 0x0301, b"x" * 10),
    encode_record(23, 0x0303, b""),
    encode_record(21, 0x0303, b"\x01\x00"),
]
STREAM = b"".join(RECORDS)


def _split(chunks: list[bytes]) -> list[bytes]:
    splitter = RecordSplitter()
    return [r.raw for chunk in chunks for r in splitter.feed(chunk)]


def test_whole_bytewise_and_trailing() -> None:
    assert _split([STREAM]) == RECORDS
    assert _split([STREAM[i : i + 1] for i in range(len(STREAM))]) == RECORDS
    splitter = RecordSplitter()
    assert [r.raw for r in splitter.feed(STREAM + b"\x16\x03")] == RECORDS
    assert splitter.pending == b"\x16\x03"
    offsets = [r.stream_offset for r in RecordSplitter().feed(STREAM)]
    assert offsets == [0, 15, 20]


def _records(chunks: list[bytes | bytearray]) -> list[tuple[int, int, int, int, bytes, str]]:
    splitter = RecordSplitter()
    return [
        (r.stream_offset, r.content_type, r.legacy_record_version, r.length, bytes(r.fragment),
         type(r.fragment).__name__)
        for chunk in chunks
        for r in splitter.feed(chunk)
    ] + [(-1, 0, 0, 0, splitter.pending, "pending")]  # fmt: skip


def test_views_into_whole_bytes_frame_as_copies_do() -> None:
    # Application data framed from bytes is a view into them (no copy); the general
    # path (a bytearray is copied into the buffer) must frame the same records from
    # every chunking: cut in headers, in fragments, empty chunks, odd lengths, a tail.
    rng = random.Random(14)
    stream = (
        STREAM
        + b"".join(
            encode_record(rng.choice((20, 21, 22, 23, 23, 99)), 0x0303, rng.randbytes(n))
            for n in (0, 1, 4, 5, 300, 16384, 16640, 70000 % 65536, 7)
        )
        + b"\x17\x03\x03\xff"
    )  # a partial header and length at the end
    for _ in range(40):
        cuts = sorted(rng.sample(range(len(stream)), rng.randint(0, 12)))
        chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        fast, general = _records(list(chunks)), _records([bytearray(c) for c in chunks])
        assert [r[:5] for r in fast] == [r[:5] for r in general]
        assert {r[5] for r in general} == {"bytes", "pending"}
    views = [r for r in RecordSplitter().feed(stream) if isinstance(r.fragment, memoryview)]
    assert views and all(r.content_type == 23 and memoryview(r.fragment).readonly for r in views)
    assert all(r.fragment_bytes == bytes(r.fragment) for r in views)


def test_record_lengths_ignores_partial_tail() -> None:
    assert record_lengths(STREAM + b"\x17\x03\x03\x00\x05ab") == [15, 5, 7]


def test_handshake_reassembly_across_and_within_records() -> None:
    one = encode_handshake(1, b"a" * 30)
    two = encode_handshake(2, b"b" * 3)
    joined = one + two
    reassembler = HandshakeReassembler()
    got = []
    for i in range(0, len(joined), 7):  # a message spans fragments; two end in one
        got += reassembler.feed(joined[i : i + 7])
    assert [m.raw for m in got] == [one, two]
    assert reassembler.pending == b""


def test_negotiated_version_from_real_server_hellos() -> None:
    for pin, version in (("1.3", 0x0304), ("1.2", 0x0303)):
        pair = make_pair(PairConfig(client=SideConfig(max_version=pin)))
        pair.handshake(Side.client)
        pair.deliver(Side.client)
        pair.handshake(Side.server)
        (first, *_) = RecordSplitter().feed(pair.queue(Side.server))
        (hello, *_) = HandshakeReassembler().feed(first.fragment_bytes)
        assert hello.name == "ServerHello"
        facts = server_hello_facts(decode_handshake(hello))
        assert facts is not None and facts.version == version
    short = HandshakeMessage(msg_type=2, body=b"\x03\x03")
    assert server_hello_facts(decode_handshake(short)) is None  # too short: no exception
