"""``CheapEnumType`` makes the same enum classes as ``EnumType`` (issue 14).

Every enum in tlsstep is made again from its own source by the standard ``EnumType``
and compared with the one tlsstep made: members, their attributes, the class's
namespace, lookups, text. Bodies that use more of ``enum`` than plain members (which
``CheapEnumType`` hands to ``EnumType`` whole) are compared the same way.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pickle
import pkgutil
import sys
import textwrap
import warnings
from enum import Enum, EnumType, IntEnum, StrEnum
from typing import Any

import pytest

import tlsstep
from tlsstep.cheap_enum import CheapEnumType

# What EnumType sets on every class from its bases: the same objects both ways.
_SHARED = (
    "__new__",
    "_new_member_",
    "_use_args_",
    "_member_type_",
    "_value_repr_",
    "_generate_next_value_",
    "__str__",
    "__format__",
    "__repr__",
    "__reduce_ex__",
)


def _tlsstep_enums() -> list[Any]:
    found: list[Any] = []
    for info in pkgutil.walk_packages(tlsstep.__path__, "tlsstep."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and type(value) is CheapEnumType
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def _standard(cls: Any) -> Any:
    """``cls`` made again from its source by the standard EnumType."""
    source = textwrap.dedent(inspect.getsource(cls)).replace(", metaclass=CheapEnumType", "", 1)
    namespace = dict(vars(sys.modules[cls.__module__]))
    exec(compile(source, f"<{cls.__qualname__}>", "exec"), namespace)
    made = namespace[cls.__name__]
    assert type(made) is EnumType
    return made


def assert_same(cheap: Any, standard: Any) -> None:
    ours: Any
    assert isinstance(cheap, EnumType)
    assert cheap.__mro__[1:] == standard.__mro__[1:]
    assert cheap._member_names_ == standard._member_names_
    assert list(cheap.__members__) == list(standard.__members__)
    assert [m.value for m in cheap] == [m.value for m in standard]
    assert list(cheap._value2member_map_) == list(standard._value2member_map_)
    assert [m.name for m in cheap._value2member_map_.values()] == [
        m.name for m in standard._value2member_map_.values()
    ]
    assert cheap._unhashable_values_ == standard._unhashable_values_
    assert sorted(vars(cheap)) == sorted(vars(standard))
    assert dir(cheap) == dir(standard)
    for name in _SHARED:
        value = vars(standard).get(name)
        if getattr(value, "__qualname__", "").startswith(f"{standard.__qualname__}."):
            continue  # the body's own (each class made from its own copy of the body)
        assert vars(cheap).get(name) is value, name
    for name, value in vars(standard).items():
        if name not in standard.__members__ and name not in ("__doc__", "__module__"):
            assert type(vars(cheap)[name]) is type(value), name
    for name, member in standard.__members__.items():
        ours = cheap.__members__[name]
        assert type(ours) is cheap
        assert ours is getattr(cheap, name) is cheap[name]
        assert ours is cheap(member.value)
        assert ours.__objclass__ is cheap
        assert vars(ours).keys() == vars(member).keys()
        for attribute in ("_name_", "_value_", "_sort_order_"):
            assert getattr(ours, attribute) == getattr(member, attribute), (name, attribute)
        assert type(ours._value_) is type(member._value_)
        assert (ours == member.value) is (member == member.value)
        assert hash(ours) == hash(member) or standard._member_type_ is object
        assert ours.name == member.name and ours.value == member.value
        assert repr(ours).replace("cheap", "") == repr(member).replace("cheap", "")
        assert str(ours) == str(member)
        assert f"{ours}" == f"{member}" and format(ours, "") == format(member, "")
        assert dir(ours) == dir(member)
        if cheap.__module__ == "tlsstep" or cheap.__module__.startswith("tlsstep."):
            assert pickle.loads(pickle.dumps(ours)) is ours


@pytest.mark.parametrize("cls", _tlsstep_enums(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_tlsstep_enum_is_what_enumtype_makes(cls: Any) -> None:
    assert_same(cls, _standard(cls))


def test_tlsstep_enums_are_found() -> None:
    names = {c.__name__ for c in _tlsstep_enums()}
    assert {"HandshakeType", "AlertDescription", "ProtocolVersion", "Side", "Op", "State"} <= names


def _both(source: str) -> tuple[Any, Any]:
    """The class ``E`` of ``source`` made with ``META`` as ``CheapEnumType``, and without."""
    made = []
    for meta in (", metaclass=CheapEnumType", ""):
        namespace: dict[str, Any] = {"enum": enum, "CheapEnumType": CheapEnumType}
        namespace.update(IntEnum=IntEnum, StrEnum=StrEnum, Enum=Enum)
        exec(source.replace(", META", meta, 1), namespace)
        made.append(namespace["E"])
    return made[0], made[1]


@pytest.mark.parametrize(
    "body",
    [
        # plain members (the cheap way), with a method, a property and a docstring
        "class E(IntEnum, META):\n  '''doc'''\n  a = 1\n  b = 2\n"
        "  @property\n  def twice(self): return self.value * 2\n"
        "  def f(self): return 1\n",
        "class E(StrEnum, META):\n  a = 'x'\n  b = 'y'\n",
        # dunders of its own: the class is EnumType's, the members made the cheap way
        "class E(StrEnum, META):\n  a = 'x'\n  def __str__(self): return 'S'\n",
        "class E(Enum, META):\n  a = 1\n  def __init__(self, value): self.twice = value * 2\n",
        "class E(Enum, META):\n  a = (1, 2)\n  b = [3]\n  c = 'c'\n",
        # an alias, an unhashable value repeated
        "class E(IntEnum, META):\n  a = 1\n  b = 1\n  c = 2\n",
        "class E(Enum, META):\n  a = [1]\n  b = [1]\n",
        # what EnumType makes whole: auto(), _missing_, a member a base defines, Flag
        "class E(IntEnum, META):\n  a = enum.auto()\n  b = enum.auto()\n",
        "class E(StrEnum, META):\n  a = 'a'\n  @classmethod\n"
        "  def _missing_(cls, value): return cls.a\n",
        "class E(Enum, META):\n  name = 1\n  value = 2\n",
        "class E(IntEnum, META):\n  real = 1\n",
        "class E(enum.IntFlag, META):\n  a = 1\n  b = 2\n  ab = 3\n",
        "class E(Enum, META):\n  _ignore_ = ['x']\n  x = 1\n  a = 2\n",
        "class E(Enum, META):\n  a = enum.nonmember(1)\n  b = enum.member(2)\n  c = 3\n",
        "class E(Enum, META):\n  _private = 1\n  a = 2\n",
        "class E(Enum, META):\n  __order__ = 'a b'\n  a = 1\n  b = 2\n",
    ],
)
def test_bodies_give_what_enumtype_gives(body: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cheap, standard = _both(body)
    assert_same(cheap, standard)
    first = next(iter(cheap))
    assert cheap(first.value) is first


def test_errors_are_enumtype_s() -> None:
    with pytest.raises(ValueError, match="invalid enum member name"):
        _both("class E(Enum, META):\n  mro = 1\n")
    with pytest.raises(TypeError, match="cannot extend"):
        cheap, _ = _both("class E(Enum, META):\n  a = 1\n")

        class F(cheap):  # type: ignore[misc,valid-type]
            b = 2
