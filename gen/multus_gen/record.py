"""Frozen value classes without the start-up cost of ``dataclasses``.

``@record`` gives a class with annotated fields what ``@dataclass(frozen=True)`` gives it -- ``__init__``
(positional or keyword, defaults), ``__eq__``, ``__hash__``, ``__repr__``, immutability, ``replace`` --
for a tenth of the cost: ``dataclasses`` imports ``inspect`` and compiles six functions per class, which
for the sixteen classes a ``multus-gen helmchart`` run loads was a fifth of its own start-up time
(benchmarks/bench.py). Type checkers see a dataclass (PEP 681). Defaults must be immutable values; fields
are the class's own annotations, in order (no inheritance).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # Python 3.10: type checkers run on 3.11+ (pyproject), the marker itself does nothing at run time

    def dataclass_transform(**_: Any) -> Callable[[T], T]:
        return lambda decorated: decorated


class FrozenInstanceError(AttributeError):
    """Raised on an attempt to change a field of a record."""


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, eq_default=True)
def record(cls: type[T]) -> type[T]:
    names = tuple(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063 -- inspect is what this module avoids
    defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}
    params = []
    seen_default = False
    for name in names:
        if name in defaults:
            params.append(f"{name}=_defaults[{name!r}]")
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
        else:
            params.append(name)
    # One compiled snippet for the three hot methods (what dataclasses compiles as six): memo keys hash
    # records many times in a fleet, so they must be as fast as generated code, not loops over names.
    mine = "(" + "".join(f"self.{name}, " for name in names) + ")"
    theirs = "(" + "".join(f"other.{name}, " for name in names) + ")"
    sets = "".join(f"    _set(self, {name!r}, {name})\n" for name in names) or "    pass\n"
    source = (
        f"def __init__(self, {', '.join(params)}):\n{sets}"
        "def __eq__(self, other):\n"
        "    if other.__class__ is not self.__class__:\n"
        "        return NotImplemented\n"
        f"    return {mine} == {theirs}\n"
        "def __hash__(self):\n"
        f"    return hash({mine})\n"
    )
    scope: dict[str, Any] = {"_defaults": defaults, "_set": object.__setattr__}
    exec(source, scope)  # built from the class's own field names, which are identifiers
    for method in ("__init__", "__eq__", "__hash__"):
        scope[method].__qualname__ = f"{cls.__qualname__}.{method}"

    def __repr__(self: Any) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{cls.__qualname__}({fields})"

    methods: dict[str, object] = {
        "__init__": scope["__init__"],
        "__eq__": scope["__eq__"],
        "__hash__": scope["__hash__"],
        "__setattr__": _frozen_setattr,
        "__delattr__": _frozen_delattr,
        "__match_args__": names,
        "__record_fields__": names,
    }
    if "__repr__" not in cls.__dict__:
        methods["__repr__"] = __repr__
    for attribute, value in methods.items():
        setattr(cls, attribute, value)
    return cls


def replace(obj: T, **changes: Any) -> T:
    """A copy of record ``obj`` with ``changes`` (like ``dataclasses.replace``)."""
    names: tuple[str, ...] = type(obj).__record_fields__  # type: ignore[attr-defined]
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field(s) {', '.join(sorted(unknown))}")
    return type(obj)(**{name: changes[name] if name in changes else getattr(obj, name) for name in names})


def fields(obj: object) -> tuple[str, ...]:
    """The field names of a record, in order."""
    names: tuple[str, ...] = type(obj).__record_fields__  # type: ignore[attr-defined]
    return names
