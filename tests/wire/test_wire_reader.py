"""The bounded reader: fields with offsets, vectors bounded, problems as values."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.wire.helpers import u16, vec
from tlsstep.wire.handshake import HandshakeReassembler, encode_handshake
from tlsstep.wire.reader import Field, ProblemKind, Reader, decode, encode
from tlsstep.wire.records import RecordSplitter, encode_record


def _suites(r: Reader) -> None:
    r.uint_vector("cipher_suites", 2, "cipher_suite", 2, lambda v: f"s{v}")
    r.opaque_vector("legacy_session_id", 1)


DATA = vec(2, u16(0x1301) + u16(0x1302)) + vec(1, b"\xaa\xbb")


def test_fields_know_offsets_lengths_and_tile_the_input() -> None:
    fields, problems = decode(DATA, _suites)
    assert problems == ()
    suites, session_id = fields
    assert (suites.name, suites.offset, suites.length, suites.is_list) == (
        "cipher_suites",
        0,
        6,
        True,
    )
    assert [(f.value, f.text, f.offset, f.length) for f in suites.find_all("cipher_suite")] == [
        (0x1301, "s4865", 2, 2),
        (0x1302, "s4866", 4, 2),
    ]
    assert session_id.find("legacy_session_id") == Field(
        name="legacy_session_id", offset=7, length=2, value=b"\xaa\xbb"
    )
    assert encode(fields) == DATA


def test_encode_follows_a_changed_value() -> None:
    fields, _ = decode(DATA, _suites)
    suites = fields[0]
    first = suites.children[1]
    changed = dataclasses.replace(
        suites,
        children=(suites.children[0], dataclasses.replace(first, value=0xC02F), suites.children[2]),
    )
    assert encode((changed, fields[1])) == vec(2, u16(0xC02F) + u16(0x1302)) + vec(1, b"\xaa\xbb")


def test_every_prefix_is_a_truncated_problem_never_an_exception() -> None:
    # STYLE rule 6: whole, byte by byte (each prefix), and with trailing bytes.
    for n in range(len(DATA)):
        fields, problems = decode(DATA[:n], _suites)
        assert problems, n
        assert problems[0].kind is ProblemKind.truncated
        assert encode(fields) == DATA[:n]  # what decoded plus "undecoded" covers every byte
    fields, problems = decode(DATA + b"\x01\x02", _suites)
    assert [(p.kind, p.offset, p.available) for p in problems] == [(ProblemKind.trailing, 9, 2)]
    assert fields[-1].name == "trailing" and fields[-1].value == b"\x01\x02"


def test_a_vector_longer_than_the_input_says_what_and_where() -> None:
    data = vec(1, b"") + b"\x00\x10\x13\x01"  # cipher_suites claims 16 bytes, has 2
    fields, problems = decode(data, lambda r: (r.opaque_vector("legacy_session_id", 1), _suites(r)))
    (p,) = problems
    assert (p.kind, p.offset, p.available) == (ProblemKind.truncated, 3, 2)
    assert str(p) == "expected 16 byte(s) of cipher_suites at offset 3, only 2 byte(s) left"
    # What decoded before the problem is kept, and the rest is kept raw.
    assert fields[0].name == "legacy_session_id"
    assert fields[1].name == "cipher_suites" and fields[1].find("length").value == 16
    assert fields[-1].name == "undecoded" and fields[-1].value == b"\x13\x01"


def test_a_problem_inside_a_vector_stays_inside_it() -> None:
    # An element that overruns its vector: the vector ends where its length says,
    # and the field after it still decodes.
    data = vec(2, b"\x00\x09abc") + vec(1, b"\x07")  # the item claims 9 bytes of 3

    def body(r: Reader) -> None:
        r.vector("list", 2, lambda: r.items(lambda: r.opaque_vector("item", 2)))
        r.opaque_vector("after", 1)

    fields, problems = decode(data, body)
    assert [p.kind for p in problems] == [ProblemKind.truncated]
    assert fields[1].find("after").value == b"\x07"
    assert encode(fields) == data


def test_peek_and_remaining_do_not_consume() -> None:
    r = Reader(b"\x01\x02")
    assert (r.peek(), r.peek(1), r.peek(2), r.remaining) == (1, 2, None, 2)
    assert r.peek_bytes(5) == b"\x01\x02"


@settings(max_examples=200, deadline=None)
@given(
    bodies=st.lists(st.binary(max_size=40), min_size=1, max_size=4),
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=20),
)
def test_message_pieces_point_at_their_bytes_in_the_stream(
    bodies: list[bytes], sizes: list[int]
) -> None:
    # Messages cut into records of arbitrary sizes: each message byte maps back to
    # the same byte in the wire stream (header bytes of records skipped).
    handshake_bytes = b"".join(encode_handshake(1 + i, b) for i, b in enumerate(bodies))
    chunks, pos, i = [], 0, 0
    while pos < len(handshake_bytes):
        n = sizes[i % len(sizes)]
        chunks.append(handshake_bytes[pos : pos + n])
        pos, i = pos + n, i + 1
    stream = b"".join(encode_record(22, 0x0303, c) for c in chunks)
    reassembler = HandshakeReassembler()
    messages = []
    for record in RecordSplitter().feed(stream):
        messages += reassembler.feed(record.fragment, origin=record.stream_offset + 5)
    assert [m.body for m in messages] == bodies
    for m in messages:
        assert sum(p.length for p in m.pieces) == len(m.raw)
        for offset in range(len(m.raw)):
            at = m.stream_offset(offset)
            assert at is not None and stream[at] == m.raw[offset]
    assert HandshakeReassembler().feed(encode_handshake(1, b"x"))[0].pieces == ()
