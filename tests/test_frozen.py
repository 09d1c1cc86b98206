"""``@frozen`` makes the same values as ``@dataclass(frozen=True, slots=True, kw_only=True)``.

Each class is defined both ways and the two are compared on what callers see: repr text,
equality, hashes, errors, ``dataclasses`` helpers, copy and pickle.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from tlsstep import frozen as frozen_module
from tlsstep.frozen import frozen


@dataclass(frozen=True, slots=True, kw_only=True)
class StdRecord:
    kind: str
    body: bytes
    offset: int = 0
    pieces: tuple[int, ...] = field(default=(), compare=False)
    notes: tuple[str, ...] = field(default_factory=tuple)
    secret: bytes = field(default=b"", repr=False)


@frozen
class Record:
    kind: str
    body: bytes
    offset: int = 0
    pieces: tuple[int, ...] = field(default=(), compare=False)
    notes: tuple[str, ...] = field(default_factory=tuple)
    secret: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class StdPoint:
    x: int
    y: int = 0


@frozen(kw_only=False)
class Point:
    x: int
    y: int = 0


@frozen
class Base:
    kinds: ClassVar[tuple[str, ...]] = ("a",)
    line: int | None = None


@frozen
class Child(Base):
    name: str = "child"


@frozen
class Empty:
    pass


@frozen
class Listed:
    items: list[Any] = field(default_factory=list)


# dataclasses' own __repr__ names its class; compare the text after the class name
def _after_name(value: object) -> str:
    return repr(value).split("(", 1)[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class StdListed:
    items: list[Any] = field(default_factory=list)


def test_a_value_that_holds_itself_reprs_as_dataclasses_do() -> None:
    ours, std = Listed(), StdListed()
    ours.items.extend([ours, Listed(items=[1])])
    std.items.extend([std, StdListed(items=[1])])
    assert repr(ours) == "Listed(items=[..., Listed(items=[1])])"
    assert _after_name(ours) == _after_name(std).replace("StdListed", "Listed")


def test_repr_eq_and_hash_match_dataclasses() -> None:
    args: dict[str, Any] = {"kind": "handshake", "body": b"\x16\x03", "offset": 5}
    ours, std = (
        Record(**args, pieces=(1,), secret=b"k"),
        StdRecord(**args, pieces=(1,), secret=b"k"),
    )
    assert (
        repr(ours)
        == "Record(kind='handshake', body=b'\\x16\\x03', offset=5, pieces=(1,), notes=())"
    )
    assert _after_name(ours) == _after_name(std)
    assert hash(ours) == hash(std)  # the same tuple is hashed
    assert ours == Record(**args, secret=b"k")  # pieces does not compare
    assert ours != Record(**{**args, "offset": 6})
    assert ours != std  # type: ignore[comparison-overlap]  # never equal, as with dataclasses
    assert len({ours, Record(**args, secret=b"k"), Record(**{**args, "kind": "alert"})}) == 2
    assert hash(Point(1, 2)) == hash(StdPoint(1, 2))
    assert repr(Point(1)) == "Point(x=1, y=0)"
    assert Empty() == Empty() and hash(Empty()) == hash(())
    assert repr(Child(line=3)) == "Child(line=3, name='child')"
    assert Child(line=3) != Base(line=3)


def test_constructor_is_keyword_only_with_defaults_and_factories() -> None:
    first, second = Listed(), Listed()
    assert first.items == [] and first.items is not second.items
    assert Record(kind="a", body=b"").notes == ()
    given = Listed(items=[1])
    assert given.items == [1]
    with pytest.raises(TypeError, match="positional"):
        Record("a", b"")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="kind"):
        Record(body=b"")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="colour"):
        Record(kind="a", body=b"", colour=1)  # type: ignore[call-arg]
    assert Point(3, y=4) == Point(x=3, y=4)
    assert Child(name="x").kinds == ("a",)


def test_frozen_and_slotted() -> None:
    value = Record(kind="a", body=b"")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'kind'"):
        value.kind = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'kind'"):
        del value.kind
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.other = 1  # type: ignore[attr-defined]
    assert not hasattr(value, "__dict__")
    assert Record.__slots__ == StdRecord.__slots__  # type: ignore[attr-defined]
    assert Point.__match_args__ == ("x", "y")


def test_dataclasses_helpers_copy_and_pickle() -> None:
    value = Record(kind="a", body=b"x", pieces=(2,))
    assert dataclasses.is_dataclass(value)
    assert [f.name for f in dataclasses.fields(value)] == [
        f.name for f in dataclasses.fields(StdRecord)
    ]
    changed = dataclasses.replace(value, offset=9)
    assert (changed.offset, changed.kind, changed.pieces) == (9, "a", (2,))
    assert dataclasses.asdict(Point(1, 2)) == {"x": 1, "y": 2}
    for clone in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert clone == value and clone.pieces == (2,) and clone is not value


def test_unsupported_forms_fail_when_defined() -> None:
    with pytest.raises(TypeError, match="__post_init__"):

        @frozen
        class Checked:
            x: int

            def __post_init__(self) -> None:
                pass

    with pytest.raises(TypeError, match="InitVar"):

        @frozen
        class WithInitVar:
            x: dataclasses.InitVar[int]


def test_positional_order_checked_when_defined() -> None:
    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

        @frozen(kw_only=False)
        class Bad:
            x: int = 0
            y: int  # type: ignore[misc]


def test_errors_read_as_dataclasses_word_them() -> None:
    for ours, std in ((Record, StdRecord), (Point, StdPoint)):
        for kwargs in ({"body": b""}, {"kind": "a", "body": b"", "colour": 1}, {"x": 1, "z": 2}):
            with pytest.raises(TypeError) as theirs:
                std(**kwargs)
            with pytest.raises(TypeError) as mine:
                ours(**kwargs)
            assert str(mine.value) == str(theirs.value).replace("Std", "")


def test_shared_then_compiled_init_make_the_same_values() -> None:
    @frozen
    class Counted:
        name: str
        items: list[int] = field(default_factory=list)
        flag: bool = False

    assert "__init__" in Counted.__dict__
    shared = Counted.__dict__["__init__"]
    made = [Counted(name=str(i), flag=i % 2 == 0) for i in range(frozen_module.COMPILE_AFTER + 5)]
    assert Counted.__dict__["__init__"] is not shared  # compiled after COMPILE_AFTER
    assert made[0] == Counted(name="0", flag=True) and made[1].items == []
    assert made[-1] == Counted(name=str(len(made) - 1), flag=(len(made) - 1) % 2 == 0)
    assert made[0].items is not made[2].items


def test_positional_arguments_through_the_shared_init_match_dataclasses() -> None:
    @frozen(kw_only=False)
    class Pos:
        x: int
        y: int = 0

    shared = Pos.__dict__["__init__"]
    assert Pos(1, 2) == Pos(1, y=2) == Pos(x=1, y=2)
    assert Pos.__dict__["__init__"] is shared  # positional calls need no compiled __init__
    for args, kwargs in (((1, 2, 3), {}), ((1,), {"x": 2}), ((), {}), ((1,), {"z": 1})):
        with pytest.raises(TypeError) as theirs:
            StdPoint(*args, **kwargs)
        with pytest.raises(TypeError) as mine:
            Pos(*args, **kwargs)
        assert str(mine.value) == str(theirs.value).replace("StdPoint", "Pos")


@dataclass(frozen=True, slots=True)
class StdMixed:
    a: int
    _: dataclasses.KW_ONLY
    b: int = 1
    tag: typing.ClassVar[str] = "t"


@frozen(kw_only=False)
class Mixed:
    a: int
    _: dataclasses.KW_ONLY
    b: int = 1
    tag: typing.ClassVar[str] = "t"


def test_fields_are_read_as_dataclasses_reads_them() -> None:
    """KW_ONLY and ClassVar spelled with their module; inherited slots; the errors
    dataclasses raises when a class is defined."""
    assert [(f.name, f.kw_only) for f in dataclasses.fields(Mixed)] == [
        (f.name, f.kw_only) for f in dataclasses.fields(StdMixed)
    ]
    assert Mixed.__match_args__ == StdMixed.__match_args__ == ("a",)
    assert Mixed(1, b=2) == Mixed(a=1, b=2) and Mixed.tag == "t"
    assert Mixed.__slots__ == StdMixed.__slots__  # type: ignore[attr-defined]
    assert Child.__slots__ == ("name",)  # type: ignore[attr-defined]  # line is Base's
    with pytest.raises(ValueError, match="mutable default"):

        @frozen
        class Mutable:
            items: list[int] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="is a field but has no type annotation"):

        @frozen
        class Unannotated:
            x = field(default=1)

    with pytest.raises(TypeError, match="already specifies __slots__"):

        @frozen
        class Slotted:
            __slots__ = ("x",)
