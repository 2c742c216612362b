"""Value classes that behave as dataclasses without ``@dataclass``'s cost at import.

``dataclasses`` writes the source of each generated method and exec()s it when the module is
imported: about 0.7 ms a class, 1.3 ms a frozen one, some 33 ms for the ~50 classes that a
command-line lint of one script imports (issue 15, on save), more than the lint itself. A
record class writes its ``__init__`` by hand (the one method that runs thousands of times per
lint: as fast as the generated one, for a frozen class faster) and :func:`record` adds the rest
without compiling anything, with the semantics ``@dataclass`` gives for the same options:

- ``__eq__`` (``eq``, the default): same class and equal field tuples, else ``NotImplemented``;
- ``__hash__``: the hash of the field tuple when ``eq`` and ``frozen``; unhashable (None) when
  ``eq`` without ``frozen``; the identity hash of ``object`` when not ``eq``;
- ``__lt__``, ``__le__``, ``__gt__``, ``__ge__`` (``order``): field tuples of the same class;
- ``__repr__``: ``Name(field=value, ...)`` (``...`` for an object already being shown);
- ``frozen``: assigning or deleting a field raises ``dataclasses.FrozenInstanceError`` (the
  ``__init__`` of a frozen record fills ``self.__dict__``);
- ``__match_args__``, and ``__dataclass_fields__`` built on first use, so that
  ``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work on records (rules and
  plugins may use them on the API's classes; the interpreter replaces its contexts).

The fields are the class's annotations (``ClassVar`` ones excluded) after those of a record
base class, in order. ``hidden`` fields are left out of the repr, ``uncompared`` ones out of
equality, hash and order, ``computed`` ones are set by ``__init__`` without being parameters.
Subclasses of a record class are records only when decorated themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: Any) -> Callable[[_F], _F]:
        return lambda decorator: decorator

_T = TypeVar("_T", bound=type)
_F = TypeVar("_F")
_R = TypeVar("_R")

# The objects whose repr is being built, by thread (a record that holds itself shows ``...``).
_showing: set[tuple[int, int]] = set()


@dataclass_transform()
def record(
    *,
    eq: bool = True,
    frozen: bool = False,
    order: bool = False,
    hidden: Iterable[str] = (),
    uncompared: Iterable[str] = (),
    computed: Iterable[str] = (),
) -> Callable[[_T], _T]:
    """The class decorator: see the module docstring."""

    def build(cls: _T) -> _T:
        _complete(cls, eq, frozen, order, frozenset(hidden), frozenset(uncompared), frozenset(computed))
        return cls

    return build


def _complete(
    cls: Any, eq: bool, frozen: bool, order: bool, hidden: frozenset[str], uncompared: frozenset[str],
    computed: frozenset[str],
) -> None:
    base: tuple[str, ...] = getattr(cls, "__record_fields__", ())
    own = [
        name for name, annotation in cls.__dict__.get("__annotations__", {}).items()
        if not (isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")))
        and name not in base
    ]
    fields = base + tuple(own)
    hidden = hidden | getattr(cls, "__record_hidden__", frozenset())
    uncompared = uncompared | getattr(cls, "__record_uncompared__", frozenset())
    computed = computed | getattr(cls, "__record_computed__", frozenset())
    cls.__record_fields__ = fields
    cls.__record_hidden__ = hidden
    cls.__record_uncompared__ = uncompared
    cls.__record_computed__ = computed
    if "__match_args__" not in cls.__dict__:
        setattr(cls, "__match_args__", tuple(f for f in fields if f not in computed))  # noqa: B010 - mypy
    cls.__dataclass_fields__ = _LazyFields()
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr_of(tuple(f for f in fields if f not in hidden))
    compared = tuple(f for f in fields if f not in uncompared)
    key = _key_of(compared)
    if eq:
        explicit_hash = cls.__dict__.get("__hash__", None) is not None
        if "__eq__" not in cls.__dict__:
            cls.__eq__ = _eq_of(key)
        if frozen and not explicit_hash:
            cls.__hash__ = _hash_of(key)
        elif not explicit_hash:
            cls.__hash__ = None
    if order:
        for name, compare in _ORDER.items():
            setattr(cls, name, _order_of(key, compare))
    if frozen:
        field_names = frozenset(fields)

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is cls or name in field_names:
                _frozen(name)
            super(cls, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in field_names:
                _frozen(name, "delete")
            super(cls, self).__delattr__(name)

        cls.__setattr__ = __setattr__
        cls.__delattr__ = __delattr__


def replace(obj: _R, /, **changes: Any) -> _R:
    """``dataclasses.replace`` for a record (a copy with ``changes``), without importing
    ``dataclasses`` or building ``__dataclass_fields__``: the suppressions and fixes of a lint
    replace findings."""
    cls = type(obj)
    computed: frozenset[str] = cls.__record_computed__  # type: ignore[attr-defined]
    for name in changes:
        if name in computed:
            raise ValueError(f"field {name} is declared with init=False, it cannot be specified with replace()")
    values = {name: getattr(obj, name) for name in cls.__record_fields__ if name not in computed}  # type: ignore[attr-defined]
    values.update(changes)
    return cls(**values)


def _frozen(name: str, what: str = "assign to") -> None:
    from dataclasses import FrozenInstanceError

    raise FrozenInstanceError(f"cannot {what} field {name!r}")


def _key_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The field tuple of an object (``operator.attrgetter`` gives a bare value for one name)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _eq_of(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash_of(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


_ORDER: dict[str, Callable[[tuple[Any, ...], tuple[Any, ...]], bool]] = {
    "__lt__": lambda a, b: a < b,
    "__le__": lambda a, b: a <= b,
    "__gt__": lambda a, b: a > b,
    "__ge__": lambda a, b: a >= b,
}


def _order_of(
    key: Callable[[Any], tuple[Any, ...]], compare: Callable[[tuple[Any, ...], tuple[Any, ...]], bool]
) -> Callable[[Any, Any], Any]:
    def method(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compare(key(self), key(other))
        return NotImplemented

    return method


def _repr_of(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        marker = (id(self), threading.get_ident())
        if marker in _showing:
            return "..."
        _showing.add(marker)
        try:
            shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        finally:
            _showing.discard(marker)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


class _LazyFields:
    """``__dataclass_fields__`` of a record class, built (importing ``dataclasses``) when first
    read, e.g. by ``dataclasses.replace``; then stored on the class in its place."""

    def __get__(self, obj: object, owner: Any) -> dict[str, Any]:
        fields = _dataclass_fields(owner)
        owner.__dataclass_fields__ = fields
        return fields


def _dataclass_fields(cls: Any) -> dict[str, Any]:
    """``dataclasses.Field`` objects for the fields of ``cls``, as ``@dataclass`` would make
    them (defaults from the ``__init__`` signature)."""
    import dataclasses
    import inspect

    params = inspect.signature(cls.__init__).parameters
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(klass.__dict__.get("__annotations__", {}))
    hidden: frozenset[str] = cls.__record_hidden__
    uncompared: frozenset[str] = cls.__record_uncompared__
    computed: frozenset[str] = cls.__record_computed__
    fields: dict[str, Any] = {}
    for name in cls.__record_fields__:
        param = params.get(name)
        default = dataclasses.MISSING if param is None or param.default is param.empty else param.default
        made: Any = dataclasses.field(
            default=default, init=name not in computed, repr=name not in hidden, compare=name not in uncompared
        )
        made.name = name
        made.type = annotations.get(name)
        made.kw_only = False
        made._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # private; the same since 3.7
        fields[name] = made
    return fields
