"""The project's routing, built once per run from the project index (phase 2).

Gathers where tasks go (routes, task ``queue=`` options, per-call ``queue=``, beat entry
options), which queues exist (``task_queues``, ``task_default_queue``,
``task_create_missing_queues``), which workers consume what (``project/workers.py``), and
which task names exist. The routing rules (CEL401-CEL404) are thin reports over it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from celerylint.diagnostics import Span
from celerylint.factdata import TaskNameRefFact
from celerylint.kit.values import UNKNOWN, DictValue, Ref, Value, is_known
from celerylint.project.config_types import ConfigValue
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.project.workers import worker_commands
from celerylint.semantics.routing import (
    CREATE_MISSING_QUEUES,
    DEFAULT_QUEUE,
    NAME_METHODS,
    SIGNATURE_REFS,
    DeclaredQueues,
    FunctionRouter,
    OpaqueRouter,
    RouteEntry,
    Routes,
    TaskNames,
    WorkerCommand,
    did_you_mean,
    names_project_module,
    parse_queues,
    parse_routes,
)
from celerylint.semantics.tasks import generated_task_name

ROUTING_SETTINGS = (
    "task_routes",
    "task_queues",
    "task_default_queue",
    "task_create_missing_queues",
    "beat_schedule",
)
_DISPATCH_WITH_OPTIONS = frozenset({"apply_async", "send_task"})
CURRENT_APP_REFS = frozenset({"celery.current_app", "celery.app.current_app"})


# -- where settings are set ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingSource:
    """One write of a routing setting that is effective in production."""

    setting: str  # the new lowercase name (``task_routes``)
    value: Value  # the whole value, or the part a partial write adds; UNKNOWN if unknown
    path: str
    module: str
    span: Span | None


def _written_part(value: ConfigValue) -> Value:
    """What one write contributes: the whole value, or for a partial write of a settings
    module (``X.update({...})``, ``X["k"] = v``, ``X += [...]``, ``X.append(r)``) the part
    it adds, in the shape of the whole. Environment-driven values are unknown here: where
    tasks go must not depend on a default that production may override."""
    if value.env_driven:
        return UNKNOWN
    literal = value.value
    if literal is UNKNOWN and isinstance(value.written, Ref):
        literal = value.written  # a function (a router) rather than a constant
    if value.unit is None or value.op in {"=", "update", "+=", "extend"}:
        return literal
    if value.op == "item":
        return DictValue(((value.key, literal),)) if isinstance(value.key, str) else UNKNOWN
    if value.op == "append":
        return (literal,)
    return UNKNOWN


def routing_settings(index: ProjectIndex) -> tuple[dict[str, list[SettingSource]], bool]:
    """The production writes of the routing settings (from the configuration model), and
    whether the configuration picture is complete (every app's config source followed)."""
    config = index.config
    found: dict[str, list[SettingSource]] = {}
    for setting in ROUTING_SETTINGS:
        found[setting] = [
            SettingSource(setting, _written_part(v), v.path, v.module, v.span)
            for v in config.production_values(setting)
        ]
    return found, config.complete


# -- the model ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteSource:
    source: SettingSource
    routes: Routes


@dataclass(frozen=True, slots=True)
class BeatEntry:
    """A periodic task: a ``beat_schedule`` entry or an ``add_periodic_task`` signature."""

    task: Value  # the task name (a string when known)
    queue: Value  # ``options={"queue": ...}``; None when the entry sets no queue
    path: str
    span: Span | None  # the task-name string when known, else the setting
    periodic_call: bool = False  # from ``add_periodic_task``


@dataclass(frozen=True, slots=True)
class QueueUse:
    """A place that sends tasks to a named queue."""

    queue: str
    what: str  # for messages: "route `reports.*`", "`queue=` option of `x`" ...
    path: str
    span: Span | None


@dataclass
class RoutingModel:
    index: ProjectIndex
    settings: dict[str, list[SettingSource]]
    complete: bool  # False when some app's configuration source could not be followed
    workers: tuple[WorkerCommand, ...]

    # -- settings ---------------------------------------------------------------------------

    def follow(self, value: Value) -> Value:
        """Follow references to module constants (``CELERY_TASK_ROUTES = ROUTES``)."""
        for _ in range(8):
            if not isinstance(value, Ref):
                return value
            found = self.index.assignment(value.name)
            if found is None:
                return value
            value = found.value
        return UNKNOWN

    def router_for(self, path: str) -> FunctionRouter | None:
        """The project function ``path`` names, when it can be evaluated as a router."""
        module, rest = self.index.split_module(self.index.resolve(path))
        if module is None or not rest or "." in rest:
            return None
        for found in self.index.modules[module].router_functions:
            if found.name == rest:
                return FunctionRouter(path, found.branches)
        return None

    @cached_property
    def route_sources(self) -> tuple[RouteSource, ...]:
        return tuple(
            RouteSource(source, parse_routes(source.value, self.follow, self.router_for))
            for source in self.settings["task_routes"]
        )

    @cached_property
    def opaque(self) -> OpaqueRouter | None:
        """A router whose answers cannot be computed: the routing rules stay silent."""
        for source in self.route_sources:
            if source.routes.opaque is not None:
                return source.routes.opaque
        return None

    @cached_property
    def queues(self) -> DeclaredQueues:
        """``task_queues`` across every place that sets it (their union)."""
        sources = self.settings["task_queues"]
        if not sources:
            return DeclaredQueues(None)
        names: set[str] = set()
        complete = True
        for source in sources:
            parsed = parse_queues(source.value, self.follow)
            if parsed.names is None:
                complete = False
                continue
            names |= parsed.names
            complete = complete and parsed.complete
        return DeclaredQueues(frozenset(names), complete)

    def _single(self, setting: str, default: Value) -> Value:
        values = {self.follow(s.value) for s in self.settings[setting] if is_known(s.value)}
        if any(not is_known(s.value) for s in self.settings[setting]):
            return UNKNOWN
        if not values:
            return default
        return values.pop() if len(values) == 1 else UNKNOWN

    @cached_property
    def default_queue(self) -> str | None:
        """``task_default_queue`` (None when it cannot be told)."""
        value = self._single("task_default_queue", DEFAULT_QUEUE)
        return value if isinstance(value, str) and value else None

    @cached_property
    def create_missing_queues(self) -> bool | None:
        value = self._single("task_create_missing_queues", CREATE_MISSING_QUEUES)
        return value if isinstance(value, bool) else None

    # -- names ------------------------------------------------------------------------------

    @cached_property
    def names(self) -> TaskNames:
        index = self.index
        return TaskNames(
            frozenset(index.tasks_by_name),
            index.task_finder.possible_task_names,
            index.task_names_complete,
        )

    @cached_property
    def top_level_packages(self) -> frozenset[str]:
        return frozenset(m.split(".", 1)[0] for m in self.index.modules if m)

    @cached_property
    def _literals(self) -> dict[tuple[str, str], dict[str, Span]]:
        """(role, text) -> path -> the first span of that literal in the file."""
        found: dict[tuple[str, str], dict[str, Span]] = {}
        for facts in self.index.by_path.values():
            for lit in facts.routing_literals:
                if lit.span is not None:
                    found.setdefault((lit.role, lit.text), {}).setdefault(facts.path, lit.span)
        return found

    def locate(self, role: str, text: str, path: str) -> tuple[str, Span | None]:
        """Where ``text`` is written with ``role`` (``route-key`` ...): in ``path`` when it
        is there (the setting's own file), else the first file that has it (the value came
        through a constant defined elsewhere); ``(path, None)`` when nowhere."""
        places = self._literals.get((role, text))
        if not places:
            return path, None
        if path in places:
            return path, places[path]
        first = next(iter(places))
        return first, places[first]

    def names_a_task(self, ref: TaskNameRefFact) -> bool:
        """Is this string really given to Celery as a task name (``celery.signature``, or
        ``send_task``/``signature`` on a Celery app or ``current_app``)?"""
        if ref.callee in SIGNATURE_REFS:
            return True
        receiver, _, method = ref.callee.rpartition(".")
        if method not in NAME_METHODS:
            return False
        return receiver in CURRENT_APP_REFS or self.index.is_app(receiver)

    # -- beat -------------------------------------------------------------------------------

    @cached_property
    def beat_entries(self) -> tuple[BeatEntry, ...]:
        entries: list[BeatEntry] = []
        for source in self.settings["beat_schedule"]:
            schedule = self.follow(source.value)
            if not isinstance(schedule, DictValue):
                continue
            for _, entry in schedule.items:
                entry = self.follow(entry)
                if not isinstance(entry, DictValue):
                    continue
                task = self.follow(entry.get("task"))
                options = self.follow(entry.get("options"))
                queue: Value = None
                if isinstance(options, DictValue):
                    queue = self.follow(options.get("queue"))
                elif options is not None:
                    queue = UNKNOWN
                path, span = source.path, source.span
                if isinstance(task, str):
                    path, found = self.locate("beat-task", task, source.path)
                    span = found or (span if path == source.path else None)
                entries.append(BeatEntry(task, queue, path, span))
        for facts in self.index.by_path.values():
            for ref in facts.task_name_refs:
                if ref.periodic and self.names_a_task(ref):
                    entries.append(BeatEntry(ref.name, None, facts.path, ref.span, True))
        return tuple(entries)

    # -- where tasks go ---------------------------------------------------------------------

    @cached_property
    def _task_refs(self) -> dict[str, Task]:
        return {f"{t.module}.{t.fact.function}": t for t in self.index.tasks}

    @cached_property
    def _per_call(self) -> dict[str, list[tuple[Value, str, Span | None]]]:
        """task name -> (``queue=`` value, path, span) of every call that passes options;
        the value is UNKNOWN for ``**options``."""
        found: dict[str, list[tuple[Value, str, Span | None]]] = {}
        index = self.index
        for facts in index.by_path.values():
            for site in facts.call_sites:
                if site.method not in _DISPATCH_WITH_OPTIONS:
                    continue
                name: str | None = None
                if site.method == "send_task":
                    first = site.args[0] if site.args else None
                    name = first if isinstance(first, str) else None
                elif site.receiver is not None:
                    task = self._task_refs.get(index.resolve(site.receiver))
                    name = task.name if task is not None else None
                if name is None:
                    continue
                queue: Value = dict(site.kwargs).get("queue")
                if site.starred and queue is None:
                    queue = UNKNOWN
                if queue is not None:
                    found.setdefault(name, []).append((queue, facts.path, site.span))
        return found

    def task_queue_option(self, task: Task) -> Value:
        """The queue a task's own options send it to (``queue=``, an alias's or its
        ``base=`` class's; UNKNOWN when a base the index cannot see may set it)."""
        return self.follow(task.option("queue"))

    def is_routed(self, task: Task) -> bool | None:
        """Does anything send ``task`` somewhere other than the default queue? None: unknown."""
        name = task.name
        if name is None:
            return None
        unknown = False
        option = self.task_queue_option(task)
        if option is not None:
            if is_known(option):
                return True
            unknown = True
        for source in self.route_sources:
            found = source.routes.lookup(name)
            if isinstance(found, RouteEntry):
                return True
            if isinstance(found, OpaqueRouter):
                unknown = True
        for queue, _, _ in self._per_call.get(name, ()):
            if is_known(queue):
                return True
            unknown = True
        for beat in self.beat_entries:
            if beat.task == name and beat.queue is not None:
                if is_known(beat.queue):
                    return True
                unknown = True
        return None if unknown else False

    @cached_property
    def routes_anything(self) -> bool:
        """Does the project send any of its tasks somewhere other than the default queue?"""
        return any(self.is_routed(task) for task in self.index.tasks)

    def queue_uses(self) -> Iterator[QueueUse]:
        """Every place that sends the project's tasks to a named queue (routes and calls
        for tasks defined elsewhere, such as another service's, are not the project's)."""
        for source in self.route_sources:
            for entry in source.routes.entries():
                queue = entry.route.queue
                if queue is None or not entry.route.known:
                    continue
                if self.names.matching(entry) is not True:
                    continue
                path, span = self.locate("route-queue", queue, source.source.path)
                if span is None and path == source.source.path:
                    span = source.source.span
                yield QueueUse(queue, f"route `{entry.key}`", path, span)
        for task in self.index.tasks:
            value = self.follow(task.option("queue"))
            if isinstance(value, str):
                span = next((o.span for o in task.fact.options if o.name == "queue"), None)
                label = task.name or task.qualname
                yield QueueUse(value, f"the `queue=` option of `{label}`", task.path, span)
        for name, calls in self._per_call.items():
            if self.names.exists(name) is not True:
                continue
            for sent_to, path, span in calls:
                if isinstance(sent_to, str):
                    yield QueueUse(sent_to, f"a call of `{name}`", path, span)
        for beat in self.beat_entries:
            if isinstance(beat.queue, str) and isinstance(beat.task, str):
                if self.names.exists(beat.task) is not True:
                    continue
                span = self.locate("beat-queue", beat.queue, beat.path)[1] or beat.span
                label = beat.task if isinstance(beat.task, str) else "a beat entry"
                yield QueueUse(beat.queue, f"the beat entry for `{label}`", beat.path, span)


_MODELS: weakref.WeakKeyDictionary[ProjectIndex, RoutingModel] = weakref.WeakKeyDictionary()


def routing_model(index: ProjectIndex) -> RoutingModel:
    """The routing model of ``index``, built once and shared by every routing rule."""
    model = _MODELS.get(index)
    if model is None:
        settings, complete = routing_settings(index)
        workers = worker_commands(index.config.files, index.worker_launches())
        model = _MODELS[index] = RoutingModel(index, settings, complete, workers)
    return model


def unknown_task_name(model: RoutingModel, name: str) -> str | None:
    """For a string used as a task name: None when it is (or may be) a task, or may name a
    task outside the project; else a message suffix (``"; did you mean `x`?"`` or "")."""
    names = model.names
    if names.exists(name) is not False:
        return None
    for task in model.index.tasks:
        generated = generated_task_name(task.module, task.fact.function)
        if task.name is not None and task.name != name and name == generated:
            return f"; the task defined as `{name}` is named `{task.name}` (its `name=`)"
    close = did_you_mean(name, (*names.known, *names.possible, *names.builtins))
    if close is not None:
        return f"; did you mean `{close}`?"
    if names_project_module(name, model.top_level_packages):
        return ""
    return None
