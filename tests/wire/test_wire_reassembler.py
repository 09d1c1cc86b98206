"""HandshakeReassembler: linear work (issue 17 item 3) and capture gaps (issue 18).

Work is counted (``HandshakeReassembler.work``: fragments visited and message
headers read), never timed: the quadratic version read every pending fragment
again for each message a fragment completed.
"""

from __future__ import annotations

from tlsstep.wire.handshake import HandshakeReassembler, encode_handshake, plausible_messages

SMALL = 10_000  # tiny messages completed by the same fragment as the big one


def test_a_1_mb_message_fed_byte_by_byte_is_linear_work() -> None:
    message = encode_handshake(11, bytes(range(256)) * 4096)  # 1 MB body
    reassembler = HandshakeReassembler()
    feed = reassembler.feed
    for i in range(len(message) - 1):
        feed(message[i : i + 1])
    assert len(reassembler.pending) == len(message) - 1
    tail = message[-1:] + encode_handshake(20, b"") * SMALL
    out = feed(tail)
    assert [m.msg_type for m in out] == [11] + [20] * SMALL
    assert out[0].raw == message
    # One header read per message, one for the big message's first look: not one per byte.
    assert reassembler.work <= SMALL + 10


def test_fragments_with_stream_origins_are_visited_a_bounded_number_of_times() -> None:
    # Each byte its own record (5-byte header between): 64 K pieces that do not merge,
    # then one record completes the message and holds 10,000 more.
    message = encode_handshake(11, bytes(range(256)) * 256)
    reassembler = HandshakeReassembler()
    for i in range(len(message) - 1):
        reassembler.feed(message[i : i + 1], origin=6 * i + 5)
    tail = message[-1:] + encode_handshake(20, b"") * SMALL
    out = reassembler.feed(tail, origin=6 * len(message))
    assert len(out) == SMALL + 1
    pieces = out[0].pieces
    assert len(pieces) == len(message)
    assert all(p.stream_offset == 6 * p.message_offset + 5 for p in pieces[:-1])
    assert pieces[-1].stream_offset == 6 * len(message)
    assert all(m.pieces[0].stream_offset == 6 * len(message) + 1 + 4 * i for i, m in
               enumerate(out[1:]))  # fmt: skip
    # The quadratic version visited 64 K fragments for each of the 10,001 messages.
    fragments = len(message)
    assert reassembler.work <= 2 * (fragments + SMALL)


def test_contiguous_origins_make_one_piece() -> None:
    message = encode_handshake(1, b"x" * 100)
    reassembler = HandshakeReassembler()
    out = [m for i in range(0, len(message), 10)
           for m in reassembler.feed(message[i : i + 10], origin=1000 + i)]  # fmt: skip
    assert len(out) == 1 and len(out[0].pieces) == 1
    assert out[0].stream_offset(50) == 1050


def test_a_gap_of_known_size_inside_a_message_is_listed_and_framing_goes_on() -> None:
    first = encode_handshake(11, bytes(range(200)))
    second = encode_handshake(14, b"")
    reassembler = HandshakeReassembler()
    assert not reassembler.feed(first[:50])
    assert not reassembler.gap(30)  # bytes 50..80 of the message never arrived
    out = reassembler.feed(first[80:] + second)
    assert [m.msg_type for m in out] == [11, 14]
    damaged, whole = out
    assert damaged.missing == ((50, 80),)
    assert len(damaged.raw) == len(first)
    assert damaged.raw[:50] == first[:50] and damaged.raw[80:] == first[80:]
    assert whole.missing == ()


def test_a_gap_that_ends_a_message_returns_it_cut_short() -> None:
    first = encode_handshake(11, bytes(100))
    second = encode_handshake(14, b"")
    reassembler = HandshakeReassembler()
    reassembler.feed(first[:40])
    (cut,) = reassembler.gap(len(first) - 40)  # exactly the rest: the next starts a message
    assert cut.msg_type == 11 and cut.missing == ((40, len(first)),)
    assert not reassembler.resyncing
    assert [m.msg_type for m in reassembler.feed(second)] == [14]


def test_after_a_gap_of_unknown_size_framing_resumes_at_a_plausible_message() -> None:
    reassembler = HandshakeReassembler()
    reassembler.feed(encode_handshake(11, bytes(100))[:40])
    (cut,) = reassembler.gap(None)
    assert cut.missing == ((40, 104),)
    assert reassembler.resyncing
    assert not reassembler.feed(b"\xee" * 30)  # the tail of the cut message: skipped
    assert reassembler.skipped == 30
    out = reassembler.feed(encode_handshake(15, b"abc") + encode_handshake(20, b"x" * 5))
    assert [m.msg_type for m in out] == [15, 20]
    assert not reassembler.resyncing


def test_plausible_messages() -> None:
    assert plausible_messages(encode_handshake(4, b"ticket") + encode_handshake(4, b"t"))
    assert plausible_messages(encode_handshake(11, b"x" * 100)[:50])  # runs past the end
    assert plausible_messages(b"\x0b\x00")  # a header cut by the record's end
    assert not plausible_messages(b"\xee" + encode_handshake(4, b""))
    assert not plausible_messages(encode_handshake(4, b"") + b"\xee\x00\x00\x00")
    assert not plausible_messages(b"")
