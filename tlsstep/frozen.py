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

- ``dataclasses`` itself collects the fields and makes the slots, with no method
  generated (``init=False, repr=False, eq=False``);
- ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` are shared
  functions over the class's field names (the same text, the same tuples compared and
  hashed as the generated ones);
- ``__init__`` is shared too for a class's first instances (keywords, defaults and
  factories as ``dataclasses`` applies them); from the 101st instance, or at the first
  call it cannot take (positional arguments, a missing or unknown keyword), one is
  compiled for the class as ``dataclasses`` would write it. A run builds most of its
  classes only a few times, and compiling an ``__init__`` costs as much as about a
  hundred shared calls.

Consequence: ``__dataclass_params__`` reports ``frozen=False, eq=False`` (what
``dataclasses`` was asked for); do not mix these classes with ``@dataclass(frozen=True)``
in one hierarchy. ``InitVar`` and ``__post_init__`` are not supported (a TypeError when
the class is defined): validate in a function that builds the value instead.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")

_SETATTR = object.__setattr__


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
    if "__post_init__" in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: @frozen does not call __post_init__")
    if not cls.__dict__.get("__doc__"):
        cls.__doc__ = cls.__name__  # dataclasses would run inspect.signature for one
    new: Any = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only
    )
    initvar = getattr(dataclasses, "_FIELD_INITVAR")  # noqa: B009 (private: typeshed lacks it)
    if any(f._field_type is initvar for f in new.__dataclass_fields__.values()):
        raise TypeError(f"{new.__qualname__}: @frozen does not support InitVar")
    fields = dataclasses.fields(new)
    _check_order(new, fields)
    names = frozenset(f.name for f in fields)
    methods: dict[str, Any] = {
        "__init__": _lazy_init(new),
        "__repr__": _repr([f.name for f in fields if f.repr]),
        "__eq__": _eq(_values([f.name for f in fields if f.compare])),
        "__setattr__": _frozen_setattr(new, names),
        "__delattr__": _frozen_delattr(new, names),
        "__getstate__": _getstate,
        "__setstate__": _setstate,
    }
    for name, method in methods.items():
        if name not in new.__dict__:
            setattr(new, name, method)
    # As dataclasses decides for frozen=True, eq=True: a __hash__ of its own is kept; the
    # None that Python puts there for an __eq__ written in the class body is replaced.
    body_hash = new.__dict__.get("__hash__", dataclasses.MISSING)
    explicit = body_hash is not dataclasses.MISSING and not (
        body_hash is None and "__eq__" in cls.__dict__
    )
    if not explicit:
        hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
        new.__hash__ = _hash(_values(hashed))
    built: type[_T] = new
    return built


def _check_order(cls: Any, fields: tuple[dataclasses.Field[Any], ...]) -> None:
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
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
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


def _frozen_setattr(cls: Any, names: frozenset[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: Any, names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
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


def _lazy_init(cls: type) -> Callable[..., None]:
    """A shared ``__init__`` for the first instances; then one compiled for the class.

    The shared one takes keywords only; positional arguments, a missing or unknown
    keyword go to the compiled one (so its TypeError is the one dataclasses gives).
    """
    made = 0
    spec: list[tuple[str, bool, Any, Any]] = []  # name, init, default, default factory

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        if not args and made <= COMPILE_AFTER:
            if not spec:
                spec.extend(_init_spec(cls))
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
