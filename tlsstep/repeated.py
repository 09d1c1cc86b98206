"""Bytes that are one unit repeated, kept as the unit and the count (issue 14).

``write client data="0123456789" repeat=1048576`` is 10 MB of data that the step, its
event and the recorder would each hold as one bytes object. A :class:`Repeated` keeps
the ten bytes and the count, and gives the data a piece at a time
(:meth:`Repeated.pieces`: the endpoint writes it so) or whole when a view asks for all
of it (``bytes(value)``: JSON, ``--full-data``). It compares and hashes as the bytes it
stands for, and its ``repr`` is theirs, so a step or an event that holds one shows and
compares as it did with the bytes.
"""

from __future__ import annotations

from collections.abc import Iterator


class Repeated:
    """``unit * count``, without making it until asked (``bytes(value)``)."""

    __slots__ = ("count", "unit")

    def __init__(self, unit: bytes, count: int) -> None:
        if count < 0:
            raise ValueError(f"a count of repeats is not negative: {count}")
        self.unit = unit
        self.count = count

    def __len__(self) -> int:
        return len(self.unit) * self.count

    def __bytes__(self) -> bytes:
        return self.unit * self.count

    def __repr__(self) -> str:
        return repr(bytes(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Repeated):
            if other.unit == self.unit and other.count == self.count:
                return True
            return len(other) == len(self) and bytes(other) == bytes(self)
        if isinstance(other, bytes | bytearray | memoryview):
            return len(other) == len(self) and bytes(other) == bytes(self)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(bytes(self))

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (all of them when there are fewer)."""
        size = min(max(size, 0), len(self))
        if not size:
            return b""
        return (self.unit * -(-size // len(self.unit)))[:size]

    def pieces(self, size: int) -> Iterator[memoryview]:
        """The data in order, ``size`` bytes a piece (the last may be shorter)."""
        return pieces(self, size)


def pieces(data: bytes | Repeated, size: int) -> Iterator[memoryview]:
    """``data`` in order, ``size`` bytes a piece (the last may be shorter); views into
    ``data`` itself, or for a :class:`Repeated` into one block of its unit repeated."""
    if size < 1:
        raise ValueError(f"a piece has at least one byte, not {size}")
    total = len(data)
    if isinstance(data, Repeated):
        unit = len(data.unit)
        # Every piece starts somewhere in the first unit: a block of size + unit bytes
        # holds each of them whole.
        block = memoryview(data.unit * -(-(size + unit) // unit)) if unit else memoryview(b"")
        for pos in range(0, total, size):
            start = pos % unit
            yield block[start : start + min(size, total - pos)]
        return
    view = memoryview(data)
    for pos in range(0, total, size):
        yield view[pos : pos + size]
