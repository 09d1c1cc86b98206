"""``@frozen``: frozen, slotted, keyword-only dataclasses that are cheap to define (issue 14).

``@dataclass(frozen=True, slots=True, kw_only=True)`` writes six methods as source text
and compiles each one (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``, ``__delattr__``), then builds the class a second time for its slots:
about 1 ms a class on this machine, and a plain ``tlsstep handshake`` defines some sixty
of them before it does any TLS. Measured per class (``bench/dataclass_cost.py``), the
compiling is nine tenths of that.

``@frozen`` gives the same class - ``dataclasses.fields``, ``replace`` and
``is_dataclass`` work on it, assignment raises ``FrozenInstanceError``, instances have
no ``__dict__`` - with these differences in how, not what:

- the fields are ``dataclasses.Field`` values collected by its rules (an ordinary
  annotation directly, a ``ClassVar``, ``InitVar`` or ``KW_ONLY`` one by
  ``dataclasses``' own code), and the slotted class is made once more with every
  method in it (``dataclasses`` remakes it too, then sets each method on it, and each
  assignment to a class updates its slots): 0.39 instead of 0.63 million
  instructions a class (callgrind), 14 of the 480 million of a ``handshake --json``;
- ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` are shared
  functions over the class's field names (the same text, the same tuples compared and
  hashed as the generated ones);
- ``__init__`` is shared too for a class's first instances (arguments, defaults and
  factories as ``dataclasses`` applies them); from the 101st instance, or at the first
  call it cannot take (too many arguments, a missing or unknown keyword), one is
  compiled for the class as ``dataclasses`` would write it. A run builds most of its
  classes only a few times, and compiling an ``__init__`` costs as much as about a
  hundred shared calls.

Consequence: ``__dataclass_params__`` reports ``init=False, repr=False, eq=False,
frozen=False`` (no method is ``dataclasses``'); do not mix these classes with ``@dataclass(frozen=True)``
in one hierarchy. ``InitVar`` and ``__post_init__`` are not supported (a TypeError when
the class is defined): validate in a function that builds the value instead.
"""

from __future__ import annotations

import dataclasses
import itertools
from _thread import get_ident
from collections.abc import Callable, Iterator
from operator import attrgetter
from types import MemberDescriptorType
from typing import Any, Final, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")

_SETATTR = object.__setattr__

# What dataclasses decides a field is with (private: typeshed lacks them); fields are
# collected by its own rules, not by a copy of them.
_FIELD: Any = getattr(dataclasses, "_FIELD")  # noqa: B009
_FIELD_INITVAR: Any = getattr(dataclasses, "_FIELD_INITVAR")  # noqa: B009
_PARAMS: Any = getattr(dataclasses, "_DataclassParams")  # noqa: B009
# Every class's __dataclass_params__: the same values, so one shared (read-only) value.
_NO_PARAMS: Any = _PARAMS(False, False, False, False, False, False)
_get_field: Any = getattr(dataclasses, "_get_field")  # noqa: B009
_is_type: Any = getattr(dataclasses, "_is_type")  # noqa: B009
_is_kw_only: Any = getattr(dataclasses, "_is_kw_only")  # noqa: B009
_FIELD_CLASS: Any = dataclasses.Field


@overload
def frozen(cls: type[_T], /) -> type[_T]: ...


@overload
def frozen(*, kw_only: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(
    frozen_default=True,
    kw_only_default=True,
    field_specifiers=(dataclasses.field, dataclasses.Field),
)
def frozen(cls: type[_T] | None = None, /, *, kw_only: bool = True) -> Any:
    """``@dataclass(frozen=True, slots=True, kw_only=kw_only)``, defined cheaply."""

    def wrap(cls: type[_T]) -> type[_T]:
        return _build(cls, kw_only=kw_only)

    return wrap if cls is None else wrap(cls)


def _build(cls: type[_T], *, kw_only: bool) -> type[_T]:
    body = cls.__dict__
    if "__post_init__" in body:
        raise TypeError(f"{cls.__qualname__}: @frozen does not call __post_init__")
    if "__slots__" in body:
        raise TypeError(f"{cls.__name__} already specifies __slots__")  # as dataclasses says
    fields = _collect_fields(cls, kw_only=kw_only)
    listed = [f for f in fields.values() if f._field_type is _FIELD]  # dataclasses.fields()
    _check_order(cls, listed)
    names = [f.name for f in listed]
    inherited = set(itertools.chain.from_iterable(map(_get_slots, cls.__mro__[1:-1])))
    namespace = dict(body)
    for name in names:  # the slots hold them; a default stays in the field
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    built: list[Any] = []  # the class, for the methods that name it: made below
    field_names = frozenset(names)
    compared = [f.name for f in listed if f.compare]
    values = _values(compared)
    methods: dict[str, Any] = {
        "__slots__": tuple(n for n in names if n not in inherited),
        "__dataclass_params__": _NO_PARAMS,
        "__dataclass_fields__": fields,
        "__doc__": body.get("__doc__") or cls.__name__,  # not inspect.signature's text
        "__match_args__": tuple(
            f.name for f in listed if f.init and not f.kw_only
        ),  # as dataclasses sets it, from the positional parameters
        "__init__": _lazy_init(built),
        "__repr__": _repr([f.name for f in listed if f.repr]),
        "__eq__": _eq(values),
        "__setattr__": _frozen_setattr(built, field_names),
        "__delattr__": _frozen_delattr(built, field_names),
        "__getstate__": _getstate,
        "__setstate__": _setstate,
    }
    # As dataclasses decides for frozen=True, eq=True: a __hash__ of its own is kept; the
    # None that Python puts there for an __eq__ written in the class body is replaced.
    body_hash = body.get("__hash__", dataclasses.MISSING)
    if body_hash is dataclasses.MISSING or (body_hash is None and "__eq__" in body):
        hashed = [f.name for f in listed if (f.compare if f.hash is None else f.hash)]
        namespace["__hash__"] = _hash(values if hashed == compared else _values(hashed))
    for name, method in methods.items():
        if name not in body or name == "__doc__":
            namespace[name] = method
    # The slotted class, made with everything in it: dataclasses(slots=True) also makes
    # the class a second time, then sets each method on it (each assignment updates the
    # type's slots).
    metaclass: Any = type(cls)
    new: Any = metaclass(cls.__name__, cls.__bases__, namespace)
    built.append(new)
    made: type[_T] = new
    return made


def _collect_fields(cls: type, *, kw_only: bool) -> dict[str, Any]:
    """The class's fields as ``dataclasses`` collects them (its own checks included),
    inherited ones first."""
    fields: dict[str, Any] = {}  # name -> dataclasses.Field
    for base in cls.__mro__[-1:0:-1]:
        for f in getattr(base, "__dataclass_fields__", {}).values():
            fields[f.name] = f
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (as dataclasses reads them)
    seen_kw_only = False
    missing = dataclasses.MISSING
    for name, annotation in annotations.items():
        if (
            annotation.__class__ is str
            and "ClassVar" not in annotation  # the words of _SPECIAL, spelt out: no loop
            and "InitVar" not in annotation
            and "KW_ONLY" not in annotation
        ):
            # dataclasses._get_field's reading of an ordinary annotation, inline (a
            # handshake collects ~600 fields): the default, a Field as field() makes it.
            default = getattr(cls, name, missing)
            if default.__class__ is not _FIELD_CLASS:
                if default.__class__ is MemberDescriptorType:  # a base's slot: no default
                    default = missing
                elif default is not missing and default.__class__.__hash__ is None:
                    raise ValueError(
                        f"mutable default {type(default)} for field {name} is not allowed: "
                        "use default_factory"
                    )
                made = _FIELD_CLASS(default, missing, True, True, None, True, None, kw_only)
                made.name = name
                made.type = annotation
                made._field_type = _FIELD
                fields[name] = made
                continue
            fields[name] = _plain_field(cls, name, annotation, kw_only)  # a field(...) of its own
            continue
        if _is_kw_only(annotation, dataclasses) or (
            isinstance(annotation, str)
            and _is_type(annotation, cls, dataclasses, dataclasses.KW_ONLY, _is_kw_only)
        ):
            if seen_kw_only:
                raise TypeError(f"{name!r} is KW_ONLY, but KW_ONLY has already been specified")
            seen_kw_only = kw_only = True
            continue
        f = _get_field(cls, name, annotation, kw_only)
        if f._field_type is _FIELD_INITVAR:
            raise TypeError(f"{cls.__qualname__}: @frozen does not support InitVar")
        fields[name] = f
    for name, value in cls.__dict__.items():
        if isinstance(value, dataclasses.Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    return fields


# Words that make an annotation more than a field's type (typing.ClassVar,
# dataclasses.InitVar and KW_ONLY): an annotation that names none of them is a field, and
# dataclasses' own reading of it (a regular expression and a look-up per annotation) is
# skipped. Name them as such in the annotation, not through an alias.
_SPECIAL: Final = ("ClassVar", "InitVar", "KW_ONLY")


def _plain_field(cls: type, name: str, annotation: str, kw_only: bool) -> Any:
    """What ``dataclasses._get_field`` makes of an ordinary annotation (its checks too)."""
    default = getattr(cls, name, dataclasses.MISSING)
    if isinstance(default, dataclasses.Field):
        f: Any = default
    else:
        if isinstance(default, MemberDescriptorType):  # a slot of a base: no default
            default = dataclasses.MISSING
        f = dataclasses.field(default=default)
    f.name = name
    f.type = annotation
    f._field_type = _FIELD
    if f.kw_only is dataclasses.MISSING:
        f.kw_only = kw_only
    if f.default.__class__.__hash__ is None:
        raise ValueError(
            f"mutable default {type(f.default)} for field {name} is not allowed: "
            "use default_factory"
        )
    return f


def _get_slots(cls: type) -> Iterator[str]:
    slots = cls.__dict__.get("__slots__")
    if slots is None:
        return
    if isinstance(slots, str):
        yield slots
    elif not hasattr(slots, "__next__"):
        yield from slots
    else:
        raise TypeError(f"Slots of '{cls.__name__}' cannot be determined")


def _check_order(cls: Any, fields: list[dataclasses.Field[Any]]) -> None:
    """A positional field without a default after one with: a TypeError now, as dataclasses
    raises it (the ``__init__`` that would not compile is written later)."""
    seen_default = False
    for f in fields:
        if not f.init or f.kw_only:
            continue
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(
                f"{cls.__qualname__}: non-default argument {f.name!r} follows default argument"
            )


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these attributes, as the generated methods build it."""
    if not names:
        return lambda self: ()
    if len(names) == 1:
        one = names[0]
        return lambda self: (getattr(self, one),)
    return attrgetter(*names)  # a tuple, built in C


def _repr(names: list[str]) -> Callable[[Any], str]:
    running: set[tuple[int, int]] = set()  # reprlib.recursive_repr's guard, without its wrapper

    def __repr__(self: Any) -> str:
        key = id(self), get_ident()
        if key in running:
            return "..."
        running.add(key)
        try:
            inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        finally:
            running.discard(key)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _eq(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen_setattr(built: list[Any], names: frozenset[str]) -> Callable[[Any, str, Any], None]:
    """``built`` holds the class once it is made (these are made before it)."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        cls = built[0]
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(built: list[Any], names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        cls = built[0]
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__


def _getstate(self: Any) -> list[Any]:
    # copy and pickle of a slotted frozen value (as dataclasses adds for slots=True)
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        _SETATTR(self, f.name, value)


# Instances built through the shared __init__ before one is compiled for the class: a
# compile costs about as much as 100 shared calls cost more than compiled ones.
COMPILE_AFTER = 100

_NO_DEFAULT: Any = object()


def _lazy_init(built: list[Any]) -> Callable[..., None]:
    """A shared ``__init__`` for the first instances; then one compiled for the class.

    The shared one takes positional arguments for the positional parameters and
    keywords; too many arguments, a missing or unknown keyword go to the compiled one
    (so its TypeError is the one dataclasses gives).
    """
    made = 0
    spec: list[tuple[str, bool, Any, Any]] = []  # name, init, default, default factory
    positional: list[str] = []  # the parameters before the *

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        if made <= COMPILE_AFTER:
            if not spec:
                spec.extend(_init_spec(built[0]))
                fields = dataclasses.fields(built[0])
                positional.extend(f.name for f in fields if f.init and not f.kw_only)
            if args and len(args) <= len(positional):
                named = dict(zip(positional, args, strict=False))
                if not named.keys() & kwargs.keys():  # else: a TypeError, compiled
                    kwargs = {**named, **kwargs}
                    args = ()
            if not args:
                used = 0
                for name, init, default, factory in spec:
                    if init and name in kwargs:
                        value = kwargs[name]
                        used += 1
                    elif factory is not None:
                        value = factory()
                    elif default is not _NO_DEFAULT:
                        value = default
                    else:
                        break  # a required keyword is missing
                    _SETATTR(self, name, value)
                else:
                    if used == len(kwargs):
                        return
        cls = built[0]
        real = cls.__dict__["__init__"]
        if real is __init__:
            real = _make_init(cls)
            type.__setattr__(cls, "__init__", real)
        real(self, *args, **kwargs)

    return __init__


def _init_spec(cls: type) -> list[tuple[str, bool, Any, Any]]:
    spec = []
    for f in dataclasses.fields(cls):
        factory = None if f.default_factory is dataclasses.MISSING else f.default_factory
        default = _NO_DEFAULT if f.default is dataclasses.MISSING else f.default
        if f.init or factory is not None or default is not _NO_DEFAULT:
            spec.append((f.name, f.init, default, factory))
    return spec


def _make_init(cls: type) -> Callable[..., None]:
    """``__init__`` as dataclasses writes it for frozen=True, compiled once."""
    fields = dataclasses.fields(cls)
    env: dict[str, Any] = {"__set": _SETATTR, "__factory_marker": _HAS_FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields:
        default = ""
        if f.default is not dataclasses.MISSING:
            env[f"__default_{f.name}"] = f.default
            default = f"=__default_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            env[f"__factory_{f.name}"] = f.default_factory
            default = "=__factory_marker"
        if not f.init:
            if default:
                value = (
                    f"__default_{f.name}"
                    if f.default is not dataclasses.MISSING
                    else f"__factory_{f.name}()"
                )
                body.append(f"  __set(self, {f.name!r}, {value})")
            continue
        (keyword if f.kw_only else positional).append(f"{f.name}{default}")
        if f.default_factory is not dataclasses.MISSING:
            value = f"__factory_{f.name}() if {f.name} is __factory_marker else {f.name}"
        else:
            value = f.name
        body.append(f"  __set(self, {f.name!r}, {value})")
    params = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "  pass") + "\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<{cls.__qualname__}.__init__>", "exec"), env, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


class _HasFactory:
    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _HasFactory()
