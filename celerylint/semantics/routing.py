"""Task routing exactly as Celery does it, on statically evaluated values.

Reproduces ``celery/app/routes.py``: ``task_routes`` is one router or a list/tuple of
routers consulted in order (the first that answers wins). A dict, or a list/tuple of
``(pattern, route)`` pairs, becomes a ``MapRoute``: exact keys are looked up first, then
patterns in order; a key containing ``*`` is a glob compiled with ``fnmatch.translate``
(a full match, ``*`` also matches dots; without ``*``, ``?`` and ``[...]`` are literal); a
compiled ``re.compile(...)`` pattern is used with ``.match()`` (anchored at the start only).
A route is a queue name or a dict with ``queue``. A string router (an import path) and a
router function are *opaque*: what they answer is unknown, and rules stay silent.

Everything here is a pure function of ``Value``s, so the configuration model that finds
the values (which module, which namespace, production or test) can change freely.
"""

from __future__ import annotations

import difflib
import enum
import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from celerylint.factdata import RouterBranch
from celerylint.kit.values import CallValue, DictValue, ListValue, Ref, Value
from celerylint.semantics import celery_data
from celerylint.semantics.call_shapes import APP_NAME_METHODS

#: follows a ``Ref`` to the value it names (``ProjectIndex.value_of``); identity by default
Follow = Callable[[Value], Value]

#: callables that build a queue declaration (``kombu.Queue`` and its re-exports)
QUEUE_CLASSES = frozenset(
    {"kombu.Queue", "kombu.entity.Queue", "kombu.common.Broadcast", "kombu.Broadcast"}
)
_RE_COMPILE = frozenset({"re.compile", "regex.compile"})
#: callables that build a signature from a task name
SIGNATURE_REFS = frozenset(
    {
        "celery.signature",
        "celery.canvas.signature",
        "celery.Signature",
        "celery.canvas.Signature",
        "celery.subtask",
        "celery.canvas.subtask",
    }
)
#: methods of an app (or ``current_app``) that take a task name first
NAME_METHODS = APP_NAME_METHODS

DEFAULT_QUEUE: str = celery_data.SETTING_DEFAULTS["task_default_queue"]
CREATE_MISSING_QUEUES: bool = celery_data.SETTING_DEFAULTS["task_create_missing_queues"]
BUILTIN_TASK_NAMES = frozenset(celery_data.BUILTIN_TASK_NAMES)


def _same(value: Value) -> Value:
    return value


# -- routes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a route sends a task: a queue, an exchange-only route, or unknown."""

    queue: str | None  # None: the route names no queue (exchange/routing_key only) or unknown
    known: bool = True

    @property
    def describe(self) -> str:
        if not self.known:
            return "an unknown queue"
        return f"`{self.queue}`" if self.queue is not None else "its exchange"


def destination(route: Value, follow: Follow = _same) -> Destination:
    """What a route value sends to: ``"q"``, ``{"queue": "q", ...}`` or ``Queue("q")``."""
    route = follow(route)
    if isinstance(route, str):
        return Destination(route)
    if isinstance(route, DictValue):
        queue = follow(route.get("queue"))
        if isinstance(queue, str):
            return Destination(queue)
        if isinstance(queue, CallValue):
            return Destination(queue_name(queue), queue_name(queue) is not None)
        if queue is None and route.complete:
            return Destination(None)  # routed by exchange / routing_key
        return Destination(None, known=False)
    if isinstance(route, CallValue):
        name = queue_name(route)
        return Destination(name, name is not None)
    return Destination(None, known=False)


class KeyKind(str, enum.Enum):
    EXACT = "exact"
    GLOB = "glob"
    REGEX = "regex"


@dataclass(frozen=True)
class RouteEntry:
    """One ``pattern -> route`` pair of a ``MapRoute``."""

    key: str  # the exact name, the glob, or the regular expression's source
    kind: KeyKind
    route: Destination

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        try:
            if self.kind is KeyKind.GLOB:
                return re.compile(fnmatch.translate(self.key))
            if self.kind is KeyKind.REGEX:
                return re.compile(self.key)
        except re.error:
            return None
        return None

    @property
    def valid(self) -> bool:
        return self.kind is KeyKind.EXACT or self._regex is not None

    def matches(self, name: str) -> bool:
        if self.kind is KeyKind.EXACT:
            return name == self.key
        regex = self._regex
        return regex is not None and regex.match(name) is not None


@dataclass(frozen=True)
class MapRoute:
    """A dict (or list of pairs) router. ``complete`` is False when a ``**spread`` or a key
    we cannot evaluate may add routes we do not see."""

    entries: tuple[RouteEntry, ...]
    complete: bool = True

    @cached_property
    def _exact(self) -> dict[str, RouteEntry]:
        return {e.key: e for e in self.entries if e.kind is KeyKind.EXACT}

    @cached_property
    def _patterns(self) -> tuple[RouteEntry, ...]:
        # a later duplicate pattern replaces the earlier one in Celery's OrderedDict
        latest: dict[tuple[KeyKind, str], RouteEntry] = {}
        for e in self.entries:
            if e.kind is not KeyKind.EXACT:
                latest.pop((e.kind, e.key), None)
                latest[(e.kind, e.key)] = e
        order = [e for e in self.entries if e.kind is not KeyKind.EXACT]
        return tuple(e for e in order if latest.get((e.kind, e.key)) is e)

    def lookup(self, name: str) -> RouteEntry | None:
        found = self._exact.get(name)
        if found is not None:
            return found
        for entry in self._patterns:
            if entry.matches(name):
                return entry
        return None


@dataclass(frozen=True)
class FunctionRouter:
    """A router function simple enough to evaluate: branches of (name tests, result) in
    order, as ``facts.model.RouterBranch`` records them."""

    path: str  # the import path it is configured by
    branches: tuple[RouterBranch, ...]

    def lookup(self, name: str, follow: Follow = _same) -> RouteEntry | None:
        for branch in self.branches:
            if branch.tests is not None and not any(
                _passes(op, values, name) for op, values in branch.tests
            ):
                continue
            if branch.result is None:
                return None
            return RouteEntry(f"{self.path}()", KeyKind.EXACT, destination(branch.result, follow))
        return None


def _passes(op: str, values: tuple[str, ...], name: str) -> bool:
    if op == "eq":
        return name in values
    if op == "startswith":
        return name.startswith(values)
    if op == "endswith":
        return name.endswith(values)
    return False


@dataclass(frozen=True, slots=True)
class OpaqueRouter:
    """A router whose answers we cannot compute (a function, an import path, a dynamic table)."""

    description: str


Router = MapRoute | FunctionRouter | OpaqueRouter


@dataclass(frozen=True)
class Routes:
    """An evaluated ``task_routes`` setting: routers in the order Celery consults them."""

    routers: tuple[Router, ...] = ()
    follow: Follow = field(default=_same, compare=False)

    @property
    def empty(self) -> bool:
        return not any(not isinstance(r, MapRoute) or r.entries for r in self.routers)

    @property
    def opaque(self) -> OpaqueRouter | None:
        """The first router whose answers are unknown (a function, a dynamic table)."""
        for router in self.routers:
            if isinstance(router, OpaqueRouter):
                return router
            if isinstance(router, MapRoute) and not router.complete:
                return OpaqueRouter("a route table with entries that cannot be evaluated")
        return None

    def entries(self) -> Iterator[RouteEntry]:
        for router in self.routers:
            if isinstance(router, MapRoute):
                yield from router.entries

    def lookup(self, name: str) -> RouteEntry | OpaqueRouter | None:
        """The route Celery picks for task ``name``; None when no router matches it; an
        ``OpaqueRouter`` when a router consulted before any match cannot be evaluated."""
        for router in self.routers:
            if isinstance(router, OpaqueRouter):
                return router
            if isinstance(router, FunctionRouter):
                found = router.lookup(name, self.follow)
                if found is not None:
                    return found
                continue
            found = router.lookup(name)
            if found is not None:
                return found
            if not router.complete:
                return OpaqueRouter("a route table with entries that cannot be evaluated")
        return None


def _entry(key: Value, route: Value, follow: Follow) -> RouteEntry | None:
    key = follow(key)
    if isinstance(key, str):
        kind = KeyKind.GLOB if "*" in key else KeyKind.EXACT
        return RouteEntry(key, kind, destination(route, follow))
    if (
        isinstance(key, CallValue)
        and key.func in _RE_COMPILE
        and len(key.args) == 1
        and not key.kwargs
        and not key.starred
        and isinstance(key.args[0], str)
    ):
        return RouteEntry(key.args[0], KeyKind.REGEX, destination(route, follow))
    return None


def _map_route(pairs: Iterable[tuple[Value, Value]], complete: bool, follow: Follow) -> MapRoute:
    entries: list[RouteEntry] = []
    for key, route in pairs:
        entry = _entry(key, route, follow)
        if entry is None or not entry.valid:
            complete = False
            continue
        entries.append(entry)
    return MapRoute(tuple(entries), complete)


def _pairs(items: Sequence[Value], follow: Follow) -> tuple[list[tuple[Value, Value]], bool]:
    pairs: list[tuple[Value, Value]] = []
    complete = True
    for item in items:
        item = follow(item)
        if isinstance(item, ListValue):
            item = item.items
        if isinstance(item, tuple) and len(item) == 2:
            pairs.append((item[0], item[1]))
        else:
            complete = False
    return pairs, complete


#: finds an evaluable router for an import path (``"proj.routers.route_task"``) or None
RouterLookup = Callable[[str], "FunctionRouter | None"]


def _router(value: Value, follow: Follow, router_for: RouterLookup | None) -> Router:
    if isinstance(value, Ref | str):
        path = value.name if isinstance(value, Ref) else value
        found = router_for(path.replace(":", ".")) if router_for is not None else None
        if found is not None:
            return found
        resolved = follow(value) if isinstance(value, Ref) else value
        if isinstance(resolved, Ref | str):
            return OpaqueRouter(f"the router `{path}`")
        value = resolved
    if isinstance(value, DictValue):
        return _map_route(value.items, value.complete, follow)
    if isinstance(value, ListValue | tuple):
        items = value.items if isinstance(value, ListValue) else value
        pairs, complete = _pairs(items, follow)
        return _map_route(pairs, complete, follow)
    if isinstance(value, CallValue):
        return OpaqueRouter(f"the router `{value.func}(...)`")
    return OpaqueRouter("a route table that cannot be evaluated")


def parse_routes(
    value: Value,
    follow: Follow = _same,
    router_for: RouterLookup | None = None,
) -> Routes:
    """Evaluate a ``task_routes`` value the way ``celery.app.routes.prepare`` expands it.

    ``follow`` resolves references to module constants; ``router_for`` may turn a router
    given by import path or as a function into a ``FunctionRouter`` (else it is opaque).
    """
    if isinstance(value, Ref) and router_for is not None:
        found = router_for(value.name)
        if found is not None:
            return Routes((found,), follow)
    value = follow(value)
    if value is None:
        return Routes((), follow)
    items: Sequence[Value]
    if isinstance(value, ListValue | tuple):
        items = value.items if isinstance(value, ListValue) else value
    else:
        items = (value,)
    return Routes(tuple(_router(item, follow, router_for) for item in items), follow)


# -- queues ---------------------------------------------------------------------------------


def queue_name(value: Value) -> str | None:
    """The name of ``Queue("q", ...)`` / ``Queue(name="q")``, else None."""
    if not isinstance(value, CallValue) or value.func not in QUEUE_CLASSES:
        return None
    name = value.args[0] if value.args else value.kwarg("name")
    return name if isinstance(name, str) else None


@dataclass(frozen=True)
class DeclaredQueues:
    """An evaluated ``task_queues``: ``names`` is None when the setting is not set (Celery
    then declares only the default queue); ``complete`` is False when some entry is dynamic."""

    names: frozenset[str] | None
    complete: bool = True

    @property
    def declared(self) -> bool:
        return self.names is not None

    def declares(self, queue: str) -> bool | None:
        """True/False when known, None when a dynamic entry might declare it."""
        if self.names is None:
            return None
        if queue in self.names:
            return True
        return False if self.complete else None


def parse_queues(value: Value, follow: Follow = _same) -> DeclaredQueues:
    """Evaluate ``task_queues``: a list/tuple/set of ``Queue(...)`` or a dict keyed by name."""
    value = follow(value)
    if value is None:
        return DeclaredQueues(None)
    names: set[str] = set()
    complete = True
    if isinstance(value, DictValue):
        complete = value.complete
        for key, _ in value.items:
            key = follow(key)
            if isinstance(key, str):
                names.add(key)
            else:
                complete = False
        return DeclaredQueues(frozenset(names), complete)
    if isinstance(value, ListValue | tuple):
        items = value.items if isinstance(value, ListValue) else value
        for item in items:
            name = queue_name(follow(item))
            if name is None:
                complete = False
            else:
                names.add(name)
        return DeclaredQueues(frozenset(names), complete)
    return DeclaredQueues(frozenset(), complete=False)


# -- workers (``semantics/queue_consumers.py`` decides who consumes a queue) ---------------


@dataclass(frozen=True, slots=True)
class WorkerCommand:
    """A ``celery worker`` start command found in a deployment file."""

    path: str  # relative to the project root
    line: int
    queues: tuple[str, ...] | None  # ``-Q``/``--queues``; None when not given
    exclude: tuple[str, ...] = ()  # ``-X``/``--exclude-queues``
    known: bool = True  # False when a queue list comes from a variable or ``celery multi``

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def consumes(self, queue: str, declared: DeclaredQueues, default_queue: str) -> bool | None:
        """Whether this worker consumes ``queue`` (None when it cannot be told)."""
        if not self.known:
            return None
        if queue in self.exclude:
            return False
        if self.queues is not None:
            return queue in self.queues  # ``-Q`` creates missing queues by default
        if not declared.declared:
            return queue == default_queue
        return declared.declares(queue)


# -- route hints for dead routes --------------------------------------------------------------

_REGEX_SYNTAX = re.compile(r"\\[.dws]|[()|^$+]|\{\d")


def dead_route_hint(entry: RouteEntry, modules: frozenset[str] | set[str]) -> str:
    """Why a route that matches nothing may be wrong (a suffix for messages, or "")."""
    key = entry.key
    if entry.kind is not KeyKind.REGEX and _REGEX_SYNTAX.search(key):
        return ": it looks like a regular expression, which must be wrapped in `re.compile()`"
    if entry.kind is KeyKind.EXACT and ("?" in key or "[" in key):
        return ": `?` and `[...]` only act as wildcards in keys that also contain `*`"
    if entry.kind is KeyKind.EXACT and key in modules:
        return f": `{key}` is a module, not a task name; use `{key}.*`"
    return ""


@dataclass(frozen=True)
class TaskNames:
    """The task names a project defines, for "is this string a task?" questions."""

    known: frozenset[str]  # confirmed tasks with literal names
    possible: frozenset[str] = frozenset()  # unconfirmed candidates, class-based tasks
    complete: bool = True  # False when some task's name is computed
    builtins: frozenset[str] = field(default=BUILTIN_TASK_NAMES)

    def exists(self, name: str) -> bool | None:
        """True when ``name`` is (maybe) a task, False when it is not, None when unsure."""
        if name in self.known or name in self.possible or name in self.builtins:
            return True
        return False if self.complete else None

    def matching(self, entry: RouteEntry) -> bool | None:
        """Does ``entry`` match some task? None when unsure."""
        every = (*self.known, *self.possible, *self.builtins)
        if any(entry.matches(name) for name in every):
            return True
        return False if self.complete else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest task name to ``name`` (``difflib``), if one is close enough."""
    pool = sorted(set(candidates))
    found = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    if found:
        return found[0]
    # same module, similar function name: "reports.tasks.nightly" ~ "reports.tasks.nightly_report"
    module, _, func = name.rpartition(".")
    siblings = [c for c in pool if c.rpartition(".")[0] == module]
    short = difflib.get_close_matches(
        func, [c.rpartition(".")[2] for c in siblings], n=1, cutoff=0.6
    )
    return f"{module}.{short[0]}" if short and module else None


def names_project_module(key: str, top_level: frozenset[str] | set[str]) -> bool:
    """Does a task name or route key start with one of the project's top-level packages?"""
    head = re.split(r"[.*?\[\\(|^$]", key, maxsplit=1)[0]
    return bool(head) and head in top_level
