"""Faster pickling for celerylint's slotted dataclasses (facts, findings, results).

Results cross process boundaries (phase 1 runs in a pool) and live in the cache, some
100,000 small objects on a large project. The ``__getstate__``/``__setstate__`` that
``dataclass(slots=True)`` writes call ``dataclasses.fields()`` for every object; these
use the field names computed once per class and the slots' own descriptors, one call
per field written out.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from typing import Any


def _state_functions(
    cls: type,
) -> tuple[Callable[[Any], tuple[Any, ...]], Callable[[Any, tuple[Any, ...]], None]]:
    names = tuple(field.name for field in dataclasses.fields(cls))
    setters = tuple(getattr(cls, name).__set__ for name in names)  # slot descriptors
    get = operator.attrgetter(*names)  # one name: the value, several: a tuple

    if len(names) == 1:

        def getstate(self: Any) -> tuple[Any, ...]:
            return (get(self),)

    else:

        def getstate(self: Any) -> tuple[Any, ...]:
            return get(self)

    # one call per field, written out: a loop over ``zip`` costs as much again, and
    # loading the cache of a large project runs this some 125,000 times
    values = ", ".join(f"v{i}" for i in range(len(names)))
    lines = "".join(f"    s{i}(self, v{i})\n" for i in range(len(names)))
    source = f"def setstate(self, state):\n    ({values},) = state\n{lines}"
    scope: dict[str, Any] = {f"s{i}": setter for i, setter in enumerate(setters)}
    exec(source, scope)
    setstate: Callable[[Any, tuple[Any, ...]], None] = scope["setstate"]

    return getstate, setstate


def fast_pickling(namespace: Mapping[str, object]) -> None:
    """Give every slotted dataclass defined in a module (its ``globals()``) the faster
    state functions. Call it at the end of the module."""
    module = namespace.get("__name__")
    for value in list(namespace.values()):
        if (
            isinstance(value, type)
            and value.__module__ == module
            and dataclasses.is_dataclass(value)
            and "__slots__" in vars(value)
            and dataclasses.fields(value)
        ):
            getstate, setstate = _state_functions(value)
            setattr(value, "__getstate__", getstate)  # noqa: B010 (a method, set on a class)
            setattr(value, "__setstate__", setstate)  # noqa: B010
