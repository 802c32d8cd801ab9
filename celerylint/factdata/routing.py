"""Routing literals, router functions and task names in strings
(``facts/routing_collect.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.diagnostics import Span
from celerylint.kit.values import Value
from celerylint.pickling import fast_pickling


@dataclass(frozen=True, slots=True)
class RoutingLiteralFact:
    """Where a routing string is written inside a ``*routes``/``*schedule`` value, so that
    rules can report at it: ``role`` is ``route-key`` (a route pattern, or the source of a
    ``re.compile`` key), ``route-queue``, ``beat-task`` or ``beat-queue``."""

    role: str
    text: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class RouterBranch:
    """One branch of a router function: ``tests`` are alternatives on the task name
    (``("eq", ("a", "b"))``, ``("startswith", ("reports.",))``, ``("endswith", ...)``),
    None for unconditional; ``result`` is the literal returned (None: no route)."""

    tests: tuple[tuple[str, tuple[str, ...]], ...] | None
    result: Value


@dataclass(frozen=True, slots=True)
class RouterFunctionFact:
    """A module-level function simple enough to evaluate as a ``task_routes`` router."""

    name: str
    branches: tuple[RouterBranch, ...]


@dataclass(frozen=True, slots=True)
class TaskNameRefFact:
    """A task named by a string: ``app.send_task("n")``, ``signature("n")``,
    ``app.signature("n")``; ``periodic`` when the signature is passed to
    ``add_periodic_task``. ``callee`` is the resolved callee (phase 2 checks it is an app's
    method or Celery's ``signature``); ``span`` is the string's."""

    name: str
    callee: str
    periodic: bool
    function: str | None
    span: Span | None = None


fast_pickling(globals())
