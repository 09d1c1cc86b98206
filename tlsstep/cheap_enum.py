"""``CheapEnumType``: enum classes whose members cost about a third as much to make (issue 14).

Python 3.11's ``EnumType`` runs Python code for every name in a class body
(``_EnumDict.__setitem__``: its checks of dunder, sunder, private and descriptor names)
and again for every member it makes (``_proto_member.__set_name__``: a ``delattr``, the
member, its attributes, a look for an alias, a walk of the bases for a descriptor of the
same name, a ``setattr`` through ``EnumType.__setattr__``): about 0.1 million
instructions a member (callgrind). A ``tlsstep handshake`` makes some 140 members of
protocol values and states before it does any TLS.

``class Name(IntEnum, metaclass=CheapEnumType)`` gives the same class: ``EnumType``
itself makes it from the body without its members (its ``__new__``, ``_member_type_``,
``_value_repr_``, ``__str__``/``__format__`` choices and checks are the standard ones),
then each member is made as ``_proto_member.__set_name__`` makes it (the same value,
``_name_``, ``__objclass__`` and ``_sort_order_``, the same ``_member_names_``,
``_member_map_`` and ``_value2member_map_``, an alias for a repeated value) and set on
the class directly. ``tests/test_cheap_enum.py`` compares both ways on every enum here.

A body that uses anything else of ``enum`` - ``auto()``, ``member()``/``nonmember()``,
a sunder name (``_order_``, ``_ignore_``, ``_missing_``), a nested class, a member
whose name a base defines (``name``, ``value``), or a ``Flag`` - is made entirely by
``EnumType``, as is any class on a Python whose ``enum`` is not 3.11's. Differences: ``type(cls)`` is
``CheapEnumType`` (a subclass of ``EnumType``), and a name defined twice in the body keeps
its last value instead of raising ``TypeError``.
"""

from __future__ import annotations

import sys
from enum import Enum, EnumType, Flag, auto, member, nonmember
from typing import Any

# The member-making steps below are 3.11's ``_proto_member.__set_name__``; other
# versions make members their own way, so they get EnumType's.
_FAST: bool = sys.version_info[:2] == (3, 11)
_SPECIAL = (auto, member, nonmember, type)


def _sort(classdict: dict[str, Any]) -> dict[str, Any] | None:
    """The members of a class body as ``EnumType`` would find them, or None when it
    would do more than make plain members (see the module's docstring)."""
    members: dict[str, Any] = {}
    for name, value in classdict.items():
        if name == "__order__":
            return None
        if name.startswith("__") and name.endswith("__"):
            continue
        if (
            name.startswith("_")
            or name == "mro"
            or isinstance(value, _SPECIAL)
            or (type(value) is tuple and any(isinstance(v, auto) for v in value))
        ):
            return None
        if hasattr(value, "__get__") or hasattr(value, "__set__") or hasattr(value, "__delete__"):
            continue  # a method, property, classmethod: not a member
        members[name] = value
    return members


class CheapEnumType(EnumType):
    """``EnumType`` with its members made in one loop (see the module's docstring)."""

    @classmethod
    def __prepare__(metacls, cls: str, bases: tuple[type, ...], **kwds: Any) -> Any:  # type: ignore[override]
        if not _FAST:
            return super().__prepare__(cls, bases, **kwds)
        return {}  # a plain namespace: sorted into members and the rest in __new__

    def __new__(
        metacls,
        cls: str,
        bases: tuple[type, ...],
        classdict: Any,
        **kwds: Any,
    ) -> Any:
        if not _FAST:
            return super().__new__(metacls, cls, bases, classdict, **kwds)
        members = _sort(classdict)
        if any(issubclass(base, Flag) for base in bases):
            members = None  # a Flag's masks are kept as its members are made
        if members and not members.keys().isdisjoint(_base_names(bases)):
            members = None  # a base's attribute of the same name: EnumType redirects it
        body = super().__prepare__(cls, bases, **kwds)  # EnumType's namespace, its checks on
        for name, value in classdict.items():
            if members is None or name not in members:
                body[name] = value
        enum_class = super().__new__(metacls, cls, bases, body, **kwds)
        if members:
            _add_members(enum_class, members)
        return enum_class


_BASE_NAMES: dict[tuple[type, ...], frozenset[str]] = {}


def _base_names(bases: tuple[type, ...]) -> frozenset[str]:
    """Every attribute name the bases and their bases define (IntEnum's, StrEnum's, ...)."""
    names = _BASE_NAMES.get(bases)
    if names is None:
        names = _BASE_NAMES[bases] = frozenset(
            name for base in bases for klass in base.__mro__ for name in vars(klass)
        )
    return names


def _add_members(enum_class: Any, members: dict[str, Any]) -> None:
    """Each member as 3.11's ``_proto_member.__set_name__`` makes it (none of the names
    is a descriptor of a base: those are made by EnumType)."""
    new = enum_class._new_member_
    use_args = enum_class._use_args_
    member_type = enum_class._member_type_
    names = enum_class._member_names_
    by_name = enum_class._member_map_
    by_value = enum_class._value2member_map_
    init = enum_class.__init__
    call_init = init is not Enum.__init__  # Enum's does nothing
    for name, value in members.items():
        args = value if isinstance(value, tuple) else (value,)
        if member_type is tuple:
            args = (args,)
        made = new(enum_class, *args) if use_args else new(enum_class)
        if not hasattr(made, "_value_"):
            made._value_ = value if member_type is object else member_type(*args)
        value = made._value_
        made._name_ = name
        made.__objclass__ = enum_class
        if call_init:
            made.__init__(*args)
        made._sort_order_ = len(names)
        try:
            made = by_value[value]  # a repeated value: an alias of the first
        except KeyError:
            names.append(name)
        except TypeError:  # an unhashable value
            for canonical in by_name.values():
                if canonical._value_ == value:
                    made = canonical
                    break
            else:
                names.append(name)
        type.__setattr__(enum_class, name, made)
        by_name[name] = made
        try:
            by_value.setdefault(value, made)
        except TypeError:
            enum_class._unhashable_values_.append(value)
