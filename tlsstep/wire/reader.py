"""The one bounded reader every decoder goes through (STYLE.md rule 5).

A :class:`Reader` walks a ``memoryview`` and turns each thing it reads into a
:class:`Field` that knows its offset and length, so a view can always show the
bytes behind a decoded value. Vectors are bounded by their length prefix
(RFC 8446 §3.4): a decoder inside a vector cannot read past it, and bytes it
leaves unread are kept as a ``trailing`` field with a :class:`Problem`.

Nothing here raises out of :func:`decode`: a read past the end becomes a
``truncated`` problem ("need more": expected N bytes of X at offset O, only M
left), the unread rest becomes an ``undecoded`` field, and every field decoded
before it is kept. Inside a vector, a problem is local: decoding resumes after
the vector, because its length prefix says where the next field starts.

The leaves of a decoded tree tile the input exactly, in order: :func:`encode`
joins them back into the same bytes (STYLE.md rule 6), and a changed leaf value
(``dataclasses.replace``) re-encodes into changed bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen


class ProblemKind(StrEnum, metaclass=CheapEnumType):
    truncated = "truncated"  # the structure needs more bytes than there are ("need more")
    trailing = "trailing"  # bytes left inside a bound after its structure ended
    invalid = "invalid"  # a value the RFC forbids here (kept; decoding goes on)


@frozen
class Problem:
    """What was expected, at which offset, and how many bytes were there."""

    kind: ProblemKind
    expected: str
    offset: int
    available: int | None = None

    def __str__(self) -> str:
        if self.kind is ProblemKind.truncated:
            return (
                f"expected {self.expected} at offset {self.offset}, "
                f"only {self.available} byte(s) left"
            )
        if self.kind is ProblemKind.trailing:
            return (
                f"{self.available} unexpected byte(s) after {self.expected} at offset {self.offset}"
            )
        return f"invalid {self.expected} at offset {self.offset}"


@frozen
class Field:
    """One decoded field: a leaf with a value, or a node with children.

    ``value`` is the raw value (an int of ``length`` bytes, or the bytes
    themselves); ``text`` is its name when it has one (a cipher suite's IANA name,
    a host name). ``offset`` counts from the start of what was decoded.
    """

    name: str
    offset: int
    length: int
    value: int | bytes | None = None
    text: str | None = None
    children: tuple[Field, ...] = ()
    is_list: bool = False  # a vector of like elements (cipher_suites), not a struct

    @property
    def is_leaf(self) -> bool:
        return self.value is not None

    def find(self, name: str) -> Field | None:
        """The first field called ``name`` below this one (depth first), or None."""
        for child in self.children:
            if child.name == name:
                return child
            found = child.find(name)
            if found is not None:
                return found
        return None

    def find_all(self, name: str) -> list[Field]:
        """Every field called ``name`` below this one, in wire order."""
        out: list[Field] = []
        for child in self.children:
            if child.name == name:
                out.append(child)
            out.extend(child.find_all(name))
        return out

    def leaf(self, name: str) -> Field | None:
        """The first leaf called ``name`` here or below: the value of an opaque
        vector rather than the node that holds its length."""
        for f in self.leaves():
            if f.name == name:
                return f
        return None

    def leaves(self) -> Iterator[Field]:
        if self.is_leaf:
            yield self
        for child in self.children:
            yield from child.leaves()


class _Short(Exception):
    """Internal: a read past the bound. Caught inside this module, never escapes."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Reader:
    """A bounded cursor that records every field it reads.

    Decoders call ``uint``/``opaque``/``vector``/``node``; the fields land in the
    current node. Use :func:`decode` to run a decoder: it is the boundary where a
    short read becomes a :class:`Problem` value.
    """

    __slots__ = ("_buf", "_lists", "_stack", "end", "pos", "problems")

    def __init__(self, data: bytes | memoryview) -> None:
        self._buf = memoryview(data)
        self.pos = 0
        self.end = len(self._buf)
        self._stack: list[list[Field]] = [[]]
        self._lists: list[bool] = [False]  # whether each open node is a list vector
        self.problems: list[Problem] = []

    # -- position ---------------------------------------------------------------

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def peek(self, offset: int = 0) -> int | None:
        """The byte ``offset`` ahead, or None past the bound (does not consume)."""
        i = self.pos + offset
        return self._buf[i] if i < self.end else None

    def peek_bytes(self, n: int) -> bytes:
        return bytes(self._buf[self.pos : min(self.end, self.pos + n)])

    def _take(self, n: int, what: str) -> tuple[int, bytes]:
        if n > self.end - self.pos:
            raise _Short(
                Problem(
                    kind=ProblemKind.truncated,
                    expected=f"{n} byte(s) of {what}",
                    offset=self.pos,
                    available=self.end - self.pos,
                )
            )
        start = self.pos
        self.pos += n
        return start, bytes(self._buf[start : self.pos])

    def _emit(self, f: Field) -> Field:
        self._stack[-1].append(f)
        return f

    # -- leaves -----------------------------------------------------------------

    def uint(self, name: str, width: int, namer: Callable[[int], str] | None = None) -> int:
        """A big-endian unsigned integer of ``width`` bytes (RFC 8446 §3.3)."""
        start, raw = self._take(width, name)
        value = int.from_bytes(raw, "big")
        self._emit(
            Field(
                name=name,
                offset=start,
                length=width,
                value=value,
                text=namer(value) if namer else None,
            )
        )
        return value

    def opaque(self, name: str, n: int, text: Callable[[bytes], str] | None = None) -> bytes:
        """``n`` bytes as one field."""
        start, raw = self._take(n, name)
        self._emit(
            Field(name=name, offset=start, length=n, value=raw, text=text(raw) if text else None)
        )
        return raw

    def rest(self, name: str, text: Callable[[bytes], str] | None = None) -> bytes:
        """Everything left inside the current bound."""
        return self.opaque(name, self.remaining, text)

    def invalid(self, expected: str, offset: int) -> None:
        """Note a value the RFC forbids; decoding goes on."""
        self.problems.append(Problem(kind=ProblemKind.invalid, expected=expected, offset=offset))

    # -- structure --------------------------------------------------------------

    @contextmanager
    def node(self, name: str, text: str | None = None) -> Iterator[None]:
        """Group the fields read inside the ``with`` under one node.

        On a short read the partial node is still kept (with what it decoded).
        """
        start = self.pos
        self._stack.append([])
        self._lists.append(False)
        try:
            yield
        finally:
            children = tuple(self._stack.pop())
            self._emit(
                Field(
                    name=name,
                    offset=start,
                    length=self.pos - start,
                    text=text,
                    children=children,
                    is_list=self._lists.pop(),
                )
            )

    @contextmanager
    def bounded(self, n: int, what: str) -> Iterator[None]:
        """Limit reads inside the ``with`` to the next ``n`` bytes.

        A short read inside becomes a problem plus an ``undecoded`` field, and
        bytes left unread become a ``trailing`` field: either way the reader ends
        exactly at the bound, so the caller's next field is decoded where it is.
        """
        if n > self.remaining:
            raise _Short(
                Problem(
                    kind=ProblemKind.truncated,
                    expected=f"{n} byte(s) of {what}",
                    offset=self.pos,
                    available=self.remaining,
                )
            )
        outer_end = self.end
        self.end = self.pos + n
        try:
            yield
        except _Short as short:
            self.problems.append(short.problem)
            self.rest("undecoded")
        if self.remaining:
            self.problems.append(
                Problem(
                    kind=ProblemKind.trailing,
                    expected=what,
                    offset=self.pos,
                    available=self.remaining,
                )
            )
            self.rest("trailing")
        self.end = outer_end

    def vector(
        self,
        name: str,
        len_width: int,
        body: Callable[[], object],
        *,
        text: str | None = None,
    ) -> None:
        """A length-prefixed vector (RFC 8446 §3.4) whose contents ``body`` reads."""
        with self.node(name, text):
            n = self.uint("length", len_width)
            with self.bounded(n, name):
                body()

    def items(self, body: Callable[[], object]) -> None:
        """Call ``body`` until the current bound is used up (a vector's elements)."""
        self._lists[-1] = True
        while self.remaining:
            before = self.pos
            body()
            if self.pos == before:  # a body that reads nothing would loop forever
                self.rest("undecoded")

    def opaque_vector(
        self, name: str, len_width: int, text: Callable[[bytes], str] | None = None
    ) -> bytes:
        """``opaque name<..2^(8*len_width)-1>``: a node holding the length and the bytes."""
        out = b""
        with self.node(name):
            n = self.uint("length", len_width)
            with self.bounded(n, name):
                out = self.opaque(name, n, text)
        return out

    def uint_vector(
        self, name: str, len_width: int, item: str, width: int, namer: Callable[[int], str]
    ) -> list[int]:
        """A vector of fixed-width numbers, each named by ``namer``."""
        values: list[int] = []
        self.vector(
            name,
            len_width,
            lambda: self.items(lambda: values.append(self.uint(item, width, namer))),
        )
        return values

    def fields(self) -> tuple[Field, ...]:
        return tuple(self._stack[0])


def decode(
    data: bytes | memoryview, body: Callable[[Reader], object]
) -> tuple[tuple[Field, ...], tuple[Problem, ...]]:
    """Run ``body`` over ``data``: the fields it read and the problems it met.

    Never raises for any input: a short read ends decoding with a ``truncated``
    problem and an ``undecoded`` field holding the rest; bytes after the
    structure become a ``trailing`` field.
    """
    reader = Reader(data)
    try:
        body(reader)
    except _Short as short:
        reader.problems.append(short.problem)
        reader.end = len(reader._buf)
        reader.rest("undecoded")
    if reader.remaining:
        reader.problems.append(
            Problem(
                kind=ProblemKind.trailing,
                expected="the structure",
                offset=reader.pos,
                available=reader.remaining,
            )
        )
        reader.rest("trailing")
    return reader.fields(), tuple(reader.problems)


def encode(fields: tuple[Field, ...] | list[Field]) -> bytes:
    """The bytes a field tree stands for: its leaves, joined in order."""
    out = bytearray()
    for top in fields:
        for leaf in top.leaves():
            if isinstance(leaf.value, int):
                out += leaf.value.to_bytes(leaf.length, "big")
            elif isinstance(leaf.value, bytes):
                out += leaf.value
    return bytes(out)
