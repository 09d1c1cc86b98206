"""Changes to bytes in flight: pure functions on a queue of not-yet-delivered bytes.

Each fault is a frozen value with ``apply(queue) -> queue``. Record-level faults
count whole records from the start of the queue (index 0 is the next record to be
delivered); a fault that does not fit the queue raises :class:`UsageProblem`,
which the pair reports as the step's error instead of guessing.
"""

from __future__ import annotations

from tlsstep.errors import UsageProblem
from tlsstep.frozen import frozen
from tlsstep.wire.records import record_lengths


def _records(queue: bytes) -> tuple[list[bytes], bytes]:
    """Split a queue into whole records and the partial tail."""
    out: list[bytes] = []
    pos = 0
    for size in record_lengths(queue):
        out.append(queue[pos : pos + size])
        pos += size
    return out, queue[pos:]


def _check_record(index: int, records: list[bytes]) -> None:
    if not 0 <= index < len(records):
        raise UsageProblem(f"no record {index} in the queue: {len(records)} whole record(s) queued")


def _check_offset(offset: int, queue: bytes, *, end_ok: bool = False) -> None:
    limit = len(queue) + (1 if end_ok else 0)
    if not 0 <= offset < limit:
        raise UsageProblem(f"offset {offset} is outside the {len(queue)} queued byte(s)")


@frozen
class Flip:
    """Flip one bit: ``offset`` into the queue, ``bit`` 0 (least significant) to 7."""

    offset: int
    bit: int = 0

    def apply(self, queue: bytes) -> bytes:
        _check_offset(self.offset, queue)
        if not 0 <= self.bit <= 7:
            raise UsageProblem(f"bit must be 0 to 7, not {self.bit}")
        out = bytearray(queue)
        out[self.offset] ^= 1 << self.bit
        return bytes(out)


@frozen
class Overwrite:
    """Replace bytes starting at ``offset`` with ``data`` (the queue keeps its length)."""

    offset: int
    data: bytes

    def apply(self, queue: bytes) -> bytes:
        _check_offset(self.offset, queue)
        if self.offset + len(self.data) > len(queue):
            raise UsageProblem(
                f"{len(self.data)} byte(s) at offset {self.offset} run past the "
                f"{len(queue)} queued byte(s)"
            )
        return queue[: self.offset] + self.data + queue[self.offset + len(self.data) :]


@frozen
class Truncate:
    """Keep only the first ``keep`` bytes of the queue; the rest is lost."""

    keep: int

    def apply(self, queue: bytes) -> bytes:
        if not 0 <= self.keep <= len(queue):
            raise UsageProblem(f"cannot keep {self.keep} of {len(queue)} queued byte(s)")
        return queue[: self.keep]


@frozen
class Insert:
    """Insert raw ``data`` at ``offset`` (``offset`` may equal the queue length)."""

    offset: int
    data: bytes

    def apply(self, queue: bytes) -> bytes:
        _check_offset(self.offset, queue, end_ok=True)
        return queue[: self.offset] + self.data + queue[self.offset :]


@frozen
class Drop:
    """Remove whole record ``record``."""

    record: int

    def apply(self, queue: bytes) -> bytes:
        records, tail = _records(queue)
        _check_record(self.record, records)
        del records[self.record]
        return b"".join(records) + tail


@frozen
class Duplicate:
    """Send whole record ``record`` twice in a row."""

    record: int

    def apply(self, queue: bytes) -> bytes:
        records, tail = _records(queue)
        _check_record(self.record, records)
        records.insert(self.record, records[self.record])
        return b"".join(records) + tail


@frozen
class Swap:
    """Exchange whole records ``first`` and ``second``."""

    first: int
    second: int

    def apply(self, queue: bytes) -> bytes:
        records, tail = _records(queue)
        _check_record(self.first, records)
        _check_record(self.second, records)
        records[self.first], records[self.second] = records[self.second], records[self.first]
        return b"".join(records) + tail


Fault = Flip | Overwrite | Truncate | Insert | Drop | Duplicate | Swap
