"""Record and handshake framing: whole input, byte by byte, and with trailing bytes."""

from __future__ import annotations

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
        (hello, *_) = HandshakeReassembler().feed(first.fragment)
        assert hello.name == "ServerHello"
        facts = server_hello_facts(decode_handshake(hello))
        assert facts is not None and facts.version == version
    short = HandshakeMessage(msg_type=2, body=b"\x03\x03")
    assert server_hello_facts(decode_handshake(short)) is None  # too short: no exception
