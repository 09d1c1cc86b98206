"""Faults on queued bytes: each one exactly, and a clear error when it does not fit."""

from __future__ import annotations

import pytest

from tlsstep.errors import UsageProblem
from tlsstep.faults import Drop, Duplicate, Flip, Insert, Overwrite, Swap, Truncate
from tlsstep.wire.records import encode_record

A = encode_record(22, 0x0303, b"aaaa")
B = encode_record(23, 0x0303, b"bb")
C = encode_record(21, 0x0303, b"\x02\x28")
QUEUE = A + B + C + b"\x17\x03"  # a partial record at the end stays where it is


def test_flip() -> None:
    out = Flip(offset=5, bit=1).apply(QUEUE)
    assert out[5] == ord("a") ^ 2 and out[:5] == QUEUE[:5] and out[6:] == QUEUE[6:]


def test_overwrite_and_insert_and_truncate() -> None:
    assert Overwrite(offset=0, data=b"\x17").apply(QUEUE)[0] == 0x17
    assert Insert(offset=len(QUEUE), data=b"xy").apply(QUEUE) == QUEUE + b"xy"
    assert Insert(offset=0, data=b"z").apply(QUEUE) == b"z" + QUEUE
    assert Truncate(keep=3).apply(QUEUE) == QUEUE[:3]


def test_record_faults() -> None:
    tail = b"\x17\x03"
    assert Drop(record=1).apply(QUEUE) == A + C + tail
    assert Duplicate(record=0).apply(QUEUE) == A + A + B + C + tail
    assert Swap(first=0, second=2).apply(QUEUE) == C + B + A + tail


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Flip(offset=99, bit=0), "offset 99 is outside"),
        (Flip(offset=0, bit=8), "bit must be 0 to 7"),
        (Overwrite(offset=len(QUEUE) - 1, data=b"xx"), "run past"),
        (Truncate(keep=999), "cannot keep"),
        (Drop(record=3), "no record 3 in the queue: 3 whole record(s)"),
        (Swap(first=0, second=5), "no record 5"),
    ],
)
def test_faults_that_do_not_fit(fault: object, message: str) -> None:
    with pytest.raises(UsageProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        fault.apply(QUEUE)  # type: ignore[attr-defined]
