"""The step vocabulary: every operation a user can ask for, and its one parser.

A step is written the same way everywhere (DESIGN.md, "the one idea"):

* in a scenario file, as a TOML table: ``{op = "deliver", side = "client", records = 1}``
* in the shell, as a line: ``deliver client records=1``

Both become the same mapping and go through :func:`parse_step`. Shell words are
strings, so values are converted by the field's kind; TOML values already have a
type and must match it. Every problem raises :class:`StepError` naming the key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from tlsstep import limits, shell_words
from tlsstep.errors import StepError as StepError  # raised here; its users import it from here
from tlsstep.errors import UsageProblem
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.repeated import Repeated
from tlsstep.spelling import suggest

if TYPE_CHECKING:
    from tlsstep.faults import Fault
    from tlsstep.pair import Pair


# -- how each step is written -----------------------------------------------------

Kind = Callable[[Any, str], Any]


def _side(value: Any, key: str) -> Side:
    if isinstance(value, str) and value in Side.__members__:
        return Side(value)
    raise StepError(f"{key} must be client or server, not {limits.quote(value)}", key=key)


def _side_or_both(value: Any, key: str) -> Side | None:
    if value in ("both", None):
        return None
    return _side(value, key)


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise StepError(f"{key} must be a whole number, not {limits.quote(value)}", key=key)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
    raise StepError(f"{key} must be a whole number, not {limits.quote(value)}", key=key)


def _text(value: Any, key: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    raise StepError(f"{key} must be a string, not {limits.quote(value)}", key=key)


def _hex(value: Any, key: str) -> bytes:
    if isinstance(value, str):
        try:
            return bytes.fromhex(value.replace(":", " "))
        except ValueError:
            pass
    raise StepError(f'{key} must be hex digits like "16 03 01", not {limits.quote(value)}', key=key)


def _seconds(value: Any, key: str) -> float:
    if not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if 0 <= seconds <= MAX_TIMEOUT:
            return seconds
    raise StepError(
        f"{key} must be 0 to {MAX_TIMEOUT:g} seconds, not {limits.quote(value)}", key=key
    )


def _pair(value: Any, key: str) -> tuple[int, int]:
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple) and len(value) == 2:
        return _int(value[0], key), _int(value[1], key)
    raise StepError(
        f"{key} must be two record numbers like [0, 1], not {limits.quote(value)}", key=key
    )


@frozen(kw_only=False)
class OpSpec:
    positional: tuple[str, ...]
    keys: Mapping[str, Kind]
    summary: str


# Every numeric key is bounded by tlsstep.limits (one table for options, files and shell).
MAX_REPEAT: Final = limits.MAX_REPEAT
MAX_READ: Final = limits.MAX_READ
MAX_TIMEOUT: Final = limits.MAX_RECEIVE_SECONDS

FAULT_KEYS: Final = ("flip", "overwrite", "truncate", "insert", "drop", "duplicate", "swap")

# -- the steps: each with its spec, its builder, its encoder and what it does -----------

Values = Mapping[str, Any]
Common = dict[str, Any]  # the keys every step shares (line; expect is added after build)


@frozen
class Step:
    """Base of every step. ``expect`` holds checks a scenario runs after the step.

    A new operation is one subclass: its ``op`` name and ``spec`` (how it is
    written), ``build`` (values already converted by the spec's kinds -> the step),
    ``table`` (the step -> the keys ``build`` reads back) and ``perform`` (one call
    on the pair), plus one method on the endpoint that does the work.
    """

    op: ClassVar[str]
    spec: ClassVar[OpSpec]

    expect: tuple[tuple[str, Any], ...] = ()
    line: int | None = None  # where a scenario wrote it, for FILE:LINE messages

    @classmethod
    def build(cls, v: Values, common: Common) -> Step:
        """The step from its converted values (``StepError`` for a bad combination)."""
        raise NotImplementedError

    def table(self) -> dict[str, Any]:
        """The keys (besides ``op`` and ``expect``) that :meth:`build` reads back."""
        return {}

    def perform(self, pair: Pair) -> None:
        """Run the step as one operation on ``pair`` (the session records its events)."""
        raise UsageProblem(f"{self.op} is not one operation on the pair")

    def checked_side(self) -> Side | None:
        """The side the top-level checks of ``expect`` are about; None: no side (the
        whole handshake, resume), whose checks name their side (``expect.client``)."""
        side = getattr(self, "side", None)
        return side if isinstance(side, Side) else None


@frozen
class Handshake(Step):
    """One ``do_handshake()`` on a side; without a side, the whole handshake (the driver)."""

    op: ClassVar[str] = "handshake"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side",),
        {"side": _side_or_both},
        "one do_handshake() on a side; without a side, the whole handshake",
    )
    side: Side | None = None  # None: the whole handshake (plan.handshake_turns)

    @classmethod
    def build(cls, v: Values, common: Common) -> Handshake:
        return cls(side=v.get("side"), **common)

    def table(self) -> dict[str, Any]:
        return {"side": str(self.side)} if self.side else {}

    def perform(self, pair: Pair) -> None:
        if self.side is None:
            raise UsageProblem("a whole handshake is many operations: Session.run drives it")
        pair.handshake(self.side)


@frozen
class Deliver(Step):
    op: ClassVar[str] = "deliver"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side",),
        {"side": _side, "bytes": _int, "records": _int},
        "move a side's queued bytes to its peer: all, bytes=N, or records=N",
    )
    side: Side
    nbytes: int | None = None
    nrecords: int | None = None

    @classmethod
    def build(cls, v: Values, common: Common) -> Deliver:
        if "bytes" in v and "records" in v:
            raise StepError("deliver takes bytes or records, not both", key="records")
        side = _need(v, cls.op, "side")
        return cls(side=side, nbytes=v.get("bytes"), nrecords=v.get("records"), **common)

    def table(self) -> dict[str, Any]:
        t: dict[str, Any] = {"side": str(self.side)}
        if self.nbytes is not None:
            t["bytes"] = self.nbytes
        if self.nrecords is not None:
            t["records"] = self.nrecords
        return t

    def perform(self, pair: Pair) -> None:
        pair.deliver(self.side, nbytes=self.nbytes, nrecords=self.nrecords)


@frozen
class Write(Step):
    op: ClassVar[str] = "write"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side", "data"),
        {"side": _side, "data": _text, "hex": _hex, "repeat": _int},
        'write application data: text, or hex="..", repeated repeat=N times',
    )
    side: Side
    # What is written: with repeat=N, the unit and N (a 10 MB write is not held whole
    # by the step, its event and the recorder: issue 14).
    data: bytes | Repeated

    @classmethod
    def build(cls, v: Values, common: Common) -> Write:
        if ("data" in v) == ("hex" in v):
            raise StepError("write needs data (text) or hex, exactly one", key="data")
        repeat = v.get("repeat", 1)
        unit = v.get("data", v.get("hex", b""))
        if problem := limits.write_problem(len(unit), repeat):
            raise StepError(problem, key="repeat" if repeat > 1 else "data")
        data = Repeated(unit, repeat) if repeat > 1 else unit
        return cls(side=_need(v, cls.op, "side"), data=data, **common)

    def table(self) -> dict[str, Any]:
        unit, repeat = _period(self.data)
        text = _printable(unit)
        t: dict[str, Any] = {"side": str(self.side)}
        t |= {"data": text} if text is not None else {"hex": unit.hex()}
        return t | ({"repeat": repeat} if repeat > 1 else {})

    def perform(self, pair: Pair) -> None:
        pair.write(self.side, self.data)


@frozen
class Read(Step):
    op: ClassVar[str] = "read"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side", "size"), {"side": _side, "size": _int}, "read up to size bytes"
    )
    side: Side
    size: int = 16384

    @classmethod
    def build(cls, v: Values, common: Common) -> Read:
        return cls(side=_need(v, cls.op, "side"), size=v.get("size", 16384), **common)

    def table(self) -> dict[str, Any]:
        return {"side": str(self.side), "size": self.size}

    def perform(self, pair: Pair) -> None:
        pair.read(self.side, self.size)


@frozen
class Unwrap(Step):
    op: ClassVar[str] = "unwrap"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side",), {"side": _side}, "send close_notify; done once the peer's arrived"
    )
    side: Side

    @classmethod
    def build(cls, v: Values, common: Common) -> Unwrap:
        return cls(side=_need(v, cls.op, "side"), **common)

    def table(self) -> dict[str, Any]:
        return {"side": str(self.side)}

    def perform(self, pair: Pair) -> None:
        pair.unwrap(self.side)


@frozen
class VerifyClientPostHandshake(Step):
    op: ClassVar[str] = "verify_client_post_handshake"
    spec: ClassVar[OpSpec] = OpSpec(
        (), {}, "server asks for a client certificate after the handshake (TLS 1.3)"
    )

    @classmethod
    def build(cls, v: Values, common: Common) -> VerifyClientPostHandshake:
        return cls(**common)

    def perform(self, pair: Pair) -> None:
        pair.verify_client_post_handshake()

    def checked_side(self) -> Side:
        return Side.server  # the server asks; the client's part shows in expect.client


@frozen
class Resume(Step):
    """Close this pair's bookkeeping and start a new pair resuming the client's session.

    Not an operation on the pair: the session makes the new pair (``Session.run``).
    """

    op: ClassVar[str] = "resume"
    spec: ClassVar[OpSpec] = OpSpec((), {}, "a new pair that resumes the client's session")

    @classmethod
    def build(cls, v: Values, common: Common) -> Resume:
        return cls(**common)


@frozen
class Eof(Step):
    """Cut the transport after what ``side`` has delivered: its peer sees end of stream."""

    op: ClassVar[str] = "eof"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side",),
        {"side": _side},
        "cut the connection: the peer of side sees end of stream (nothing from side is "
        "delivered after it)",
    )
    side: Side

    @classmethod
    def build(cls, v: Values, common: Common) -> Eof:
        return cls(side=_need(v, cls.op, "side"), **common)

    def table(self) -> dict[str, Any]:
        return {"side": str(self.side)}

    def perform(self, pair: Pair) -> None:
        pair.eof(self.side)


@frozen
class Receive(Step):
    """Wait up to ``timeout`` seconds for bytes a remote ``side`` sent (its "call")."""

    op: ClassVar[str] = "receive"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side", "timeout"),
        {"side": _side, "timeout": _seconds},
        "wait up to timeout seconds (default 5) for what a remote peer sends",
    )
    side: Side
    timeout: float = 5.0

    @classmethod
    def build(cls, v: Values, common: Common) -> Receive:
        return cls(side=_need(v, cls.op, "side"), timeout=v.get("timeout", 5.0), **common)

    def table(self) -> dict[str, Any]:
        return {"side": str(self.side), "timeout": self.timeout}

    def perform(self, pair: Pair) -> None:
        pair.receive(self.side, self.timeout)


@frozen
class Tamper(Step):
    op: ClassVar[str] = "tamper"
    spec: ClassVar[OpSpec] = OpSpec(
        ("side",),
        {
            "side": _side,
            "flip": _int,
            "bit": _int,
            "overwrite": _int,
            "hex": _hex,
            "truncate": _int,
            "insert": _int,
            "drop": _int,
            "duplicate": _int,
            "swap": _pair,
        },
        "change a side's queued bytes: flip=OFFSET [bit=B], overwrite=OFFSET hex=.., "
        "truncate=KEEP, insert=OFFSET hex=.., drop=N, duplicate=N, swap=I,J",
    )
    side: Side
    fault: Fault

    @classmethod
    def build(cls, v: Values, common: Common) -> Tamper:
        return cls(side=_need(v, cls.op, "side"), fault=_fault(v), **common)

    def table(self) -> dict[str, Any]:
        return {"side": str(self.side)} | _fault_table(self.fault)

    def perform(self, pair: Pair) -> None:
        pair.tamper(self.side, self.fault)


# Every step, by the op that names it: the shell's words, the scenario's ``op`` values.
STEPS: Final[dict[str, type[Step]]] = {
    cls.op: cls
    for cls in (
        Handshake,
        Deliver,
        Write,
        Read,
        Unwrap,
        VerifyClientPostHandshake,
        Resume,
        Eof,
        Receive,
        Tamper,
    )
}
OPS: Final[dict[str, OpSpec]] = {op: cls.spec for op, cls in STEPS.items()}


def parse_step(table: Mapping[str, Any], *, line: int | None = None) -> Step:
    """Turn one step's mapping into a step value.

    Raises:
        StepError: unknown op or key, a missing or wrongly typed value.
    """
    op = table.get("op")
    if op is None:
        raise StepError("a step needs op = one of " + ", ".join(OPS), key="op")
    if not isinstance(op, str) or op not in OPS:
        raise StepError(f"unknown step {limits.quote(op)}{suggest(str(op), OPS)}", key="op")
    spec = OPS[op]
    values: dict[str, Any] = {}
    expect_raw: Any = None
    for key, raw in table.items():
        if key == "op":
            continue
        if key == "expect":
            expect_raw = raw
            continue
        kind = spec.keys.get(key)
        if kind is None:
            known = [*spec.keys, "expect"]
            raise StepError(
                f"{op} takes no {limits.quote(key)}{suggest(key, known)}; it takes {', '.join(known)}",
                key=key,
            )
        values[key] = kind(raw, key)
        _check_range(op, key, values[key])
    step = STEPS[op].build(values, {"line": line})
    if expect_raw is None:
        return step
    from tlsstep.checks import parse_expect  # only scenario files carry checks

    expect = parse_expect(expect_raw, sided=step.checked_side() is not None)
    return dataclasses.replace(step, expect=expect)


def _check_range(op: str, key: str, value: Any) -> None:
    for number in value if isinstance(value, tuple) else (value,):
        if isinstance(number, int) and (
            problem := limits.range_problem(f"{op}.{key}", number, f"{op} {key}")
        ):
            raise StepError(problem, key=key)


def _need(values: Mapping[str, Any], op: str, key: str) -> Any:
    if key not in values:
        raise StepError(f"{op} needs {key}", key=key)
    return values[key]


def _fault(v: Mapping[str, Any]) -> Fault:
    from tlsstep.faults import Drop, Duplicate, Flip, Insert, Overwrite, Swap, Truncate

    kinds = [k for k in FAULT_KEYS if k in v]
    if len(kinds) != 1:
        raise StepError("tamper needs exactly one of " + ", ".join(FAULT_KEYS), key="tamper")
    kind = kinds[0]
    if kind == "flip":
        return Flip(offset=v["flip"], bit=v.get("bit", 0))
    if kind in ("overwrite", "insert"):
        data = _need(v, f"tamper {kind}", "hex")
        return (Overwrite if kind == "overwrite" else Insert)(offset=v[kind], data=data)
    if kind == "truncate":
        return Truncate(keep=v["truncate"])
    if kind == "drop":
        return Drop(record=v["drop"])
    if kind == "duplicate":
        return Duplicate(record=v["duplicate"])
    first, second = v["swap"]
    return Swap(first=first, second=second)


def parse_line(text: str) -> Step:
    """Parse a shell line (``deliver client records=1``) with the same rules.

    Raises:
        StepError: as :func:`parse_step`, or for unbalanced quotes.
    """
    try:
        words = shell_words.split(text)  # linear, unlike shlex.split; bounds the length
    except shell_words.SplitError as exc:
        raise StepError(f"cannot split the line: {exc}") from None
    if not words:
        raise StepError("empty step")
    op, rest = words[0], words[1:]
    spec = OPS.get(op)
    if spec is None:
        raise StepError(f"unknown step {limits.quote(op)}{suggest(op, OPS)}", key="op")
    table: dict[str, Any] = {"op": op}
    positional = list(spec.positional)
    for word in rest:
        key, eq, value = word.partition("=")
        if eq and key in spec.keys:
            table[key] = value
        elif positional:
            table[positional.pop(0)] = word
        else:
            raise StepError(
                f"{op}: unexpected {limits.quote(word)}; it takes {', '.join(spec.keys) or 'nothing'}",
                key=key,
            )
    return parse_step(table)


# -- the encoder beside the parser (for ``save``) ---------------------------------


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def _period(data: bytes | Repeated) -> tuple[bytes, int]:
    """``(unit, n)`` with ``unit * n == data``, for long data made of one repeated unit."""
    if len(data) <= 64:
        return bytes(data), 1
    if isinstance(data, Repeated):
        # unit * count has the shortest period of unit (a word's primitive root is
        # unique), so only the unit is searched, not the whole data.
        root, times = _root(data.unit)
        if times * data.count <= MAX_REPEAT:
            return root, times * data.count
        return bytes(data), 1
    root, times = _root(data)
    return (root, times) if times <= MAX_REPEAT else (data, 1)


def _root(data: bytes) -> tuple[bytes, int]:
    """The shortest ``(unit, n)`` with ``unit * n == data`` (``(data, 1)`` if none)."""
    # The shortest period of s is the first place s occurs in s+s after 0.
    period = (data + data).find(data, 1)
    if 0 < period < len(data) and len(data) % period == 0:
        return data[:period], len(data) // period
    return data, 1


def step_table(step: Step) -> dict[str, Any]:
    """The mapping :func:`parse_step` reads back as ``step`` (expectations included)."""
    out: dict[str, Any] = {"op": step.op, **step.table()}
    if step.expect:
        from tlsstep.checks import expect_table

        out["expect"] = expect_table(step.expect)
    return out


def step_line(step: Step) -> str:
    """The one step-to-text encoder: ``deliver client records=1``, ``read server size=10``.

    :func:`parse_line` reads it back as ``step`` (without expectations). The side is
    written bare, every other value as ``key=value``; a value with spaces, quotes
    or nothing in it is quoted as a POSIX shell would (``data='GET /'``).
    """
    import shlex  # only to write a step as text: a run that writes none skips the import

    table = step_table(step)
    table.pop("expect", None)
    words = [str(table.pop("op"))]
    if "side" in table:
        words.append(str(table.pop("side")))
    for key, value in table.items():
        shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        words.append(f"{key}={shlex.quote(shown)}")
    return " ".join(words)


def _fault_table(fault: Fault) -> dict[str, Any]:
    from tlsstep.faults import Drop, Duplicate, Flip, Insert, Overwrite, Swap, Truncate

    match fault:
        case Flip(offset=o, bit=b):
            return {"flip": o, "bit": b}
        case Overwrite(offset=o, data=d):
            return {"overwrite": o, "hex": d.hex()}
        case Insert(offset=o, data=d):
            return {"insert": o, "hex": d.hex()}
        case Truncate(keep=k):
            return {"truncate": k}
        case Drop(record=r):
            return {"drop": r}
        case Duplicate(record=r):
            return {"duplicate": r}
        case Swap(first=a, second=b):
            return {"swap": [a, b]}
    raise TypeError(f"not a fault: {fault!r}")
