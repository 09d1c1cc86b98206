"""``CheapEnumType``: enum classes made with less Python than ``EnumType`` runs (issue 14).

Python 3.11's ``EnumType`` runs Python code for every name in a class body
(``_EnumDict.__setitem__``: its checks of dunder, sunder, private and descriptor names)
and again for every member it makes (``_proto_member.__set_name__``: a ``delattr``, the
member, its attributes, a look for an alias, a walk of the bases for a descriptor of the
same name, a ``setattr`` through ``EnumType.__setattr__``): about 0.1 million
instructions a member (callgrind). A ``tlsstep handshake`` makes some 140 members of
protocol values and states before it does any TLS.

``class Name(IntEnum, metaclass=CheapEnumType)`` gives the same class. A body of plain
members, methods and properties is made the way ``EnumType.__new__`` makes it, with
what it asks its own classmethods (``_get_mixins_``, ``_find_new_``,
``_find_data_repr_``, ``_check_for_existing_members_``) asked once per set of bases:
the same namespace, ``__new__``, ``repr``/``str``/``format`` choices. A body with other
dunders (its own ``__str__``, ``__init__``, ...) is made by ``EnumType`` without its
members. Then each member is made as ``_proto_member.__set_name__`` makes it (the same
value, ``_name_``, ``__objclass__`` and ``_sort_order_``, the same ``_member_names_``,
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
from enum import Enum, EnumType, Flag, ReprEnum, auto, member, nonmember
from typing import Any, Final

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
        if (
            members is not None
            and not kwds
            and _BODY_DUNDERS.issuperset(name for name in classdict if name.startswith("__"))
        ):
            made = _plain_class(metacls, cls, bases, classdict, members)
            if made is not None:
                _add_members(made, members)
                return made
        body = super().__prepare__(cls, bases, **kwds)  # EnumType's namespace, its checks on
        for name, value in classdict.items():
            if members is None or name not in members:
                body[name] = value
        enum_class = super().__new__(metacls, cls, bases, body, **kwds)
        if members:
            _add_members(enum_class, members)
        return enum_class


# The dunder names a body may have for its class to be made by _plain_class: more (a
# __new__, __str__, __init_subclass__, ...) and EnumType makes the class.
_BODY_DUNDERS: Final = frozenset({"__module__", "__qualname__", "__doc__", "__annotations__"})

# What EnumType.__new__ puts in every class made from these bases (None: make each with
# EnumType): the member type, first enum, member constructor, value repr.
_TEMPLATES: dict[tuple[type, ...], tuple[Any, ...] | None] = {}


def _template(metacls: Any, cls: str, bases: tuple[type, ...]) -> tuple[Any, ...] | None:
    """EnumType's own answers for ``bases`` (its classmethods, asked once per bases)."""
    if bases in _TEMPLATES:
        return _TEMPLATES[bases]
    found: tuple[Any, ...] | None = None
    if ReprEnum not in bases:  # a direct ReprEnum base changes __str__/__format__ itself
        metacls._check_for_existing_members_(cls, bases)  # "cannot extend": a TypeError
        member_type, first_enum = metacls._get_mixins_(cls, bases)
        new_member, _, use_args = metacls._find_new_({}, member_type, first_enum)
        found = (
            member_type,
            first_enum,
            new_member,
            use_args,
            metacls._find_data_repr_(cls, bases),
            getattr(first_enum, "_generate_next_value_", None),
        )
    _TEMPLATES[bases] = found
    return found


def _plain_class(
    metacls: Any, cls: str, bases: tuple[type, ...], classdict: dict[str, Any], members: Any
) -> Any:
    """The class EnumType.__new__ makes of a body that holds only plain members, methods,
    properties and the usual dunders (members added by the caller), or None."""
    template = _template(metacls, cls, bases)
    if template is None:
        return None
    member_type, first_enum, new_member, use_args, value_repr, next_value = template
    namespace = {"_generate_next_value_": next_value}  # what EnumType.__prepare__ puts first
    namespace.update((name, value) for name, value in classdict.items() if name not in members)
    namespace.update(
        _new_member_=new_member,
        _use_args_=use_args,
        _member_names_=[],
        _member_map_={},
        _value2member_map_={},
        _unhashable_values_=[],
        _member_type_=member_type,
        _value_repr_=value_repr,
    )
    enum_class = type.__new__(metacls, cls, bases, namespace)
    # As EnumType.__new__ ends: repr and friends are the enum's unless the mixin's were
    # found, and __new__ is Enum's (set on the class as EnumType sets it, unwrapped).
    for name in ("__repr__", "__str__", "__format__", "__reduce_ex__"):
        if name not in namespace:
            found = getattr(enum_class, name)
            if found in (getattr(member_type, name), getattr(object, name)):
                type.__setattr__(enum_class, name, getattr(first_enum, name))
    type.__setattr__(enum_class, "__new__", Enum.__new__)
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
