"""GapSplitter: record framing across bytes a capture lost (issue 18).

Every case compares against the framing of the whole stream: after a gap, each
record that the gap did not touch is framed at exactly its offset, the record the
gap cut is shown damaged (when its header arrived) and nothing else is made up.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsstep.wire.records import Record, RecordSplitter, encode_record
from tlsstep.wire.resync import DamagedRecord, GapSplitter


def _stream(seed: int, count: int = 60) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        encode_record(23, 0x0303, rng.randbytes(rng.choice([40, 300, 1400, 16401])))
        for _ in range(count)
    )


def _feed(stream: bytes, holes: list[tuple[int, int]], chunk: int = 1000) -> list:
    splitter = GapSplitter()
    splitter.versions.add(0x0303)
    out: list = []
    pos = 0
    for start, size in [*holes, (len(stream), 0)]:
        for i in range(pos, start, chunk):
            out += splitter.feed(stream[i : min(i + chunk, start)])
        if size:
            _hit, framed = splitter.gap(size)
            out += framed
        pos = start + size
    out += splitter.finish()
    return out


def _whole(stream: bytes) -> list[Record]:
    return RecordSplitter().feed(stream)


@pytest.mark.parametrize("seed", range(8))
def test_records_after_a_gap_are_framed_as_in_the_whole_stream(seed: int) -> None:
    stream = _stream(seed)
    whole = _whole(stream)
    rng = random.Random(seed)
    start = rng.randrange(len(stream) // 4, len(stream) // 2)
    size = rng.choice([1, 5, 1448, 20000, 65000])
    got = _feed(stream, [(start, size)])
    records = [r for r in got if isinstance(r, Record)]
    damaged = [r for r in got if isinstance(r, DamagedRecord)]
    touched = [r for r in whole if r.stream_offset < start + size and
               r.stream_offset + 5 + r.length > start]  # fmt: skip
    untouched = [r for r in whole if r not in touched]
    assert records == untouched  # every record the gap did not touch, exactly
    assert len(damaged) <= 1
    if damaged:
        (d,) = damaged
        assert d.record.stream_offset == touched[0].stream_offset
        assert d.record.length == touched[0].length
        lo, _hi = d.missing[0]
        assert lo == start - d.record.stream_offset - 5


def test_the_gap_report_says_where_it_fell() -> None:
    stream = _stream(1)
    whole = _whole(stream)
    splitter = GapSplitter()
    splitter.versions.add(0x0303)
    third = whole[2]
    splitter.feed(stream[: third.stream_offset + 10])
    hit, framed = splitter.gap(20)
    assert (hit.offset, hit.size, hit.record_offset, hit.record_length) == (
        third.stream_offset + 10, 20, third.stream_offset, third.length
    )  # fmt: skip
    assert framed == []
    rest = splitter.feed(stream[third.stream_offset + 30 :])
    assert isinstance(rest[0], DamagedRecord) and rest[0].missing == ((5, 25),)
    assert rest[1:] == whole[3:]
    mark = splitter.marks[whole[3].stream_offset]
    assert mark.found_by == "length" and mark.region == 5 + third.length


def test_a_gap_that_swallows_whole_records_is_searched_past() -> None:
    stream = _stream(2)
    whole = _whole(stream)
    start = whole[3].stream_offset  # exactly at a boundary: no header of the next seen
    end = whole[6].stream_offset + 7
    got = _feed(stream, [(start, end - start)])
    assert got[:3] == whole[:3]
    assert got[3:] == whole[7:]
    # 10 holes, all inside one stream
    holes = [(whole[i].stream_offset + 3, 2000) for i in range(5, 55, 5)]
    got = _feed(stream, holes)
    kept = [r for r in whole if not any(r.stream_offset < s + n and r.stream_offset + 5 + r.length
            > s for s, n in holes)]  # fmt: skip
    assert [r for r in got if isinstance(r, Record)] == kept


def test_a_candidate_that_does_not_chain_is_not_a_record() -> None:
    fake = b"\x17\x03\x03\x00\x10"  # a plausible header whose length leads nowhere
    records = b"".join(encode_record(23, 0x0303, bytes([i]) * 50) for i in range(5))
    stream = encode_record(23, 0x0303, b"a" * 100) + b"\xaa" * 30 + fake + b"\xbb" * 40 + records
    got = _feed(stream, [(3, 100)])
    start = 105 + 30 + 5 + 40
    assert [(r.stream_offset, r.fragment) for r in got] == [
        (r.stream_offset + start, r.fragment) for r in _whole(records)
    ]


def test_at_the_end_of_the_stream_a_chain_up_to_its_end_counts() -> None:
    one = encode_record(23, 0x0303, b"x" * 60)
    stream = one + b"\x01\x02\x03" + one
    splitter = GapSplitter()
    splitter.versions.add(0x0303)
    splitter.feed(stream[:10])
    splitter.gap(len(one) - 10 + 3)
    assert splitter.feed(stream[len(one) + 3 :]) == []  # one record: not enough to tell
    (last,) = splitter.finish()
    assert isinstance(last, Record) and last.stream_offset == len(one) + 3


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    holes=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 40000)), max_size=6),
    chunk=st.integers(200, 5000),
)
def test_any_holes_any_chunking_nothing_invented(
    seed: int, holes: list[tuple[float, int]], chunk: int
) -> None:
    # Record bodies are random (as ciphertext is), the holes and chunking anything:
    # every record framed is one of the stream's own, at its own offset, and every
    # record no hole touched is framed.
    stream = _stream(seed, count=20)
    whole = {r.stream_offset: r for r in _whole(stream)}
    cuts: list[tuple[int, int]] = []
    pos = 0
    for where, size in sorted(holes):
        start = max(pos, int(where * len(stream)))
        size = min(size, len(stream) - start)
        if size > 0:
            cuts.append((start, size))
            pos = start + size + 1
    got = _feed(stream, cuts, chunk=chunk)
    for item in got:
        if isinstance(item, Record):
            assert whole[item.stream_offset] == item
        else:
            assert whole[item.record.stream_offset].length == item.record.length
    framed = {r.stream_offset for r in got if isinstance(r, Record)}
    for r in whole.values():
        touched = any(r.stream_offset < s + n and s < r.stream_offset + 5 + r.length
                      for s, n in cuts)  # fmt: skip
        if not touched:
            assert r.stream_offset in framed
