"""Phase 2: the project index, built once from every module's facts.

Answers the cross-file questions: which names are Celery apps, which decorators make
tasks, what each task is called on the wire, and who imports whom at load time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celerylint.config import Settings
from celerylint.facts.model import AssignmentFact, ImportFact, ModuleFacts, TaskFact
from celerylint.semantics import celery_data
from celerylint.semantics.tasks import (
    CELERY_APP_CLASSES,
    LEGACY_TASK_REFS,
    SHARED_TASK_REFS,
    TASK_BASE_CLASSES,
    generated_task_name,
    is_app_task_ref,
)
from celerylint.semantics.values import UNKNOWN, CallValue, DictValue, Ref, Value

if TYPE_CHECKING:
    from celerylint.semantics.config_model import ProjectConfig

#: option defaults when a task does not set them (``bind`` is a decorator argument)
_OPTION_DEFAULTS: dict[str, Value] = {"bind": False, **celery_data.TASK_ATTRIBUTES}


@dataclass(frozen=True)
class Task:
    """A confirmed Celery task with its effective options."""

    module: str
    path: str
    fact: TaskFact
    name: str | None  # the wire name; None when ``name=`` is not a literal
    options: dict[str, Value] = field(hash=False)
    options_complete: bool  # False when a non-literal ``**spread`` may set more options

    def option(self, name: str) -> Value:
        """The effective value, the Celery default when unset, or UNKNOWN."""
        if name in self.options:
            return self.options[name]
        if not self.options_complete:
            return UNKNOWN
        return _OPTION_DEFAULTS.get(name)

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.fact.function}"


@dataclass(frozen=True, slots=True)
class ImportEdge:
    source: str
    target: str  # the module the statement loads
    fact: ImportFact


class ProjectIndex:
    def __init__(self, modules: Iterable[ModuleFacts], settings: Settings | None = None) -> None:
        #: the run's configuration; project rules read ``[tool.celerylint]`` project-model
        #: keys through :meth:`project_option` and the project root through :attr:`root`
        self.settings = settings
        self.modules: dict[str, ModuleFacts] = {}
        self.by_path: dict[str, ModuleFacts] = {}
        for facts in modules:
            self.by_path[facts.path] = facts
            self.modules.setdefault(facts.module, facts)
        self._assignments: dict[str, AssignmentFact] = {}
        self._bindings: dict[str, str] = {}
        for facts in self.modules.values():
            for a in facts.assignments:
                if not a.conditional or f"{facts.module}.{a.name}" not in self._assignments:
                    self._assignments[f"{facts.module}.{a.name}"] = a
            for imp in facts.imports:
                if imp.name == "*" or not imp.bound:
                    continue
                target = imp.target if imp.name is None else f"{imp.target}.{imp.name}"
                if imp.name is None and imp.bound == imp.target.split(".", 1)[0]:
                    target = imp.bound
                self._bindings[f"{facts.module}.{imp.bound}"] = target

    # -- project configuration --------------------------------------------------------------

    @property
    def root(self) -> Path | None:
        """The project root (where ``pyproject.toml`` is), when the run knows it."""
        return self.settings.root if self.settings is not None else None

    def project_option(self, key: str, default: Any = None) -> Any:
        """A project-level ``[tool.celerylint]`` key (``strict-routing``, ``celery-version``,
        ``production-settings`` ...), already validated by ``config.py``, or ``default``."""
        if self.settings is None:
            return default
        return self.settings.extra.get(key, default)

    @cached_property
    def config(self) -> ProjectConfig:
        """The project's Celery configuration as Celery reads it (settings modules and
        classes, app configuration, namespaces, classification): ``semantics/config_model``."""
        from celerylint.semantics.config_model import ProjectConfig

        return ProjectConfig.of(self)

    # -- symbols ----------------------------------------------------------------------------

    def split_module(self, ref: str) -> tuple[str | None, str]:
        """Longest known module prefix of ``ref`` and the rest."""
        parts = ref.split(".")
        for i in range(len(parts), 0, -1):
            head = ".".join(parts[:i])
            if head in self.modules:
                return head, ".".join(parts[i:])
        return None, ref

    def resolve(self, ref: str) -> str:
        """Follow re-exports (``from .celery import app``) to where a name is defined."""
        seen: set[str] = set()
        while ref not in seen:
            seen.add(ref)
            module, rest = self.split_module(ref)
            if module is None or not rest:
                return ref
            head, _, tail = rest.partition(".")
            key = f"{module}.{head}"
            if head in self.modules[module].defines:
                return ref
            target = self._bindings.get(key)
            if target is None:
                return ref
            ref = f"{target}.{tail}" if tail else target
        return ref

    def assignment(self, ref: str) -> AssignmentFact | None:
        return self._assignments.get(self.resolve(ref))

    def value_of(self, value: Value) -> Value:
        """Follow a ``Ref`` to a module-level literal (one level of constant lookup)."""
        if isinstance(value, Ref):
            found = self.assignment(value.name)
            return found.value if found is not None else UNKNOWN
        return value

    # -- Celery apps and task decorators ----------------------------------------------------

    @cached_property
    def app_classes(self) -> frozenset[str]:
        """``celery.Celery`` and project subclasses of it (transitively)."""
        classes = set(CELERY_APP_CLASSES)
        changed = True
        while changed:
            changed = False
            for facts in self.modules.values():
                for cls in facts.classes:
                    qual = f"{facts.module}.{cls.name}"
                    if qual not in classes and any(self.resolve(b) in classes for b in cls.bases):
                        classes.add(qual)
                        changed = True
        return frozenset(classes)

    @cached_property
    def apps(self) -> frozenset[str]:
        """Qualified names of module-level ``X = Celery(...)`` objects."""
        found = set()
        for key, assignment in self._assignments.items():
            value = assignment.value
            if isinstance(value, CallValue) and self.resolve(value.func) in self.app_classes:
                found.add(key)
        return frozenset(found)

    def is_app(self, ref: str) -> bool:
        return self.resolve(ref) in self.apps

    def decorator_options(self, ref: str) -> tuple[bool, tuple[tuple[str, Value], ...]]:
        """(makes a task?, options it contributes) for a decorator reference."""
        resolved = self.resolve(ref)
        if resolved in SHARED_TASK_REFS or resolved in LEGACY_TASK_REFS:
            return True, ()
        if is_app_task_ref(resolved) and self.is_app(resolved[: -len(".task")]):
            return True, ()
        alias = self._assignments.get(resolved)
        if alias is not None and isinstance(alias.value, CallValue):
            callee = self.resolve(alias.value.func)
            if (callee != resolved and callee in SHARED_TASK_REFS | LEGACY_TASK_REFS) or (
                is_app_task_ref(callee) and self.is_app(callee[: -len(".task")])
            ):
                return True, alias.value.kwargs
        return False, ()

    # -- tasks ------------------------------------------------------------------------------

    def _make_task(self, facts: ModuleFacts, fact: TaskFact) -> Task | None:
        is_task, alias_options = self.decorator_options(fact.decorator)
        if not is_task:
            return None
        options: dict[str, Value] = dict(alias_options)
        complete = True
        for spread in fact.spreads:
            value = self.value_of(spread)
            if isinstance(value, DictValue) and value.complete:
                for key, item in value.items:
                    if isinstance(key, str):
                        options[key] = item
            else:
                complete = False
        for option in fact.options:
            options[option.name] = option.value
        explicit = self.value_of(options["name"]) if "name" in options else None
        name: str | None
        if isinstance(explicit, str) and explicit:
            name = explicit
        elif explicit is not None and explicit != "":
            name = None  # computed: unknown
        elif "name" not in options and not complete:
            name = None  # a ``**spread`` we cannot see may set it
        else:
            name = generated_task_name(facts.module, fact.function)  # ``name=None`` too
        return Task(facts.module, facts.path, fact, name, options, complete)

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        found = []
        for facts in self.by_path.values():
            for fact in facts.tasks:
                task = self._make_task(facts, fact)
                if task is not None:
                    found.append(task)
        return tuple(found)

    def task_for(self, path: str, function: str) -> Task | None:
        return self._tasks_by_location.get((path, function))

    @cached_property
    def _tasks_by_location(self) -> dict[tuple[str, str], Task]:
        return {(t.path, t.fact.function): t for t in self.tasks}

    @cached_property
    def tasks_by_name(self) -> dict[str, list[Task]]:
        found: dict[str, list[Task]] = {}
        for task in self.tasks:
            if task.name is not None:
                found.setdefault(task.name, []).append(task)
        return found

    @cached_property
    def task_modules(self) -> frozenset[str]:
        """Modules that define at least one Celery task."""
        return frozenset(t.module for t in self.tasks)

    @cached_property
    def task_names_complete(self) -> bool:
        """False when some task's name is computed (``name=PREFIX + "x"``): then no string
        can be said to name no task."""
        return all(t.name is not None for t in self.tasks)

    @cached_property
    def possible_task_names(self) -> frozenset[str]:
        """Names that may be tasks without being confirmed ones: functions under a decorator
        the index cannot confirm (a wrapper from another package) and ``celery.Task``
        subclasses (class-based tasks, registered with ``app.register_task``)."""
        confirmed = {(t.path, t.fact.function) for t in self.tasks}
        names: set[str] = set()
        for facts in self.by_path.values():
            for fact in facts.tasks:
                if (facts.path, fact.function) in confirmed:
                    continue
                explicit = next((o.value for o in fact.options if o.name == "name"), None)
                if isinstance(explicit, str) and explicit:
                    names.add(explicit)
                else:
                    names.add(generated_task_name(facts.module, fact.function))
        for qualname in self.task_classes:
            module, _, cls_name = qualname.rpartition(".")
            cls = next(c for c in self.modules[module].classes if c.name == cls_name)
            explicit = next((a.value for a in cls.attributes if a.name == "name"), None)
            if isinstance(explicit, str) and explicit:
                names.add(explicit)
            else:
                names.add(generated_task_name(module, cls_name))
        return frozenset(names)

    @cached_property
    def task_classes(self) -> frozenset[str]:
        """Qualified names of project classes derived from ``celery.Task`` (transitively)."""
        classes = set(TASK_BASE_CLASSES)
        changed = True
        while changed:
            changed = False
            for facts in self.modules.values():
                for cls in facts.classes:
                    qual = f"{facts.module}.{cls.name}"
                    if qual not in classes and any(self.resolve(b) in classes for b in cls.bases):
                        classes.add(qual)
                        changed = True
        return frozenset(classes - TASK_BASE_CLASSES)

    # -- import graph -----------------------------------------------------------------------

    def imported_module(self, fact: ImportFact) -> str | None:
        """The project module an import loads (``from a import b`` may load ``a.b``)."""
        if fact.name not in (None, "*"):
            sub = f"{fact.target}.{fact.name}"
            if sub in self.modules:
                return sub
        if fact.target in self.modules:
            return fact.target
        return None

    def imported_symbol_module(self, fact: ImportFact) -> str | None:
        """Where the imported name is really defined (through re-exports)."""
        if fact.name in (None, "*"):
            return self.imported_module(fact)
        sub = f"{fact.target}.{fact.name}"
        if sub in self.modules:
            return sub
        module, _ = self.split_module(self.resolve(sub))
        return module

    def import_edges(self, module: str) -> Iterator[ImportEdge]:
        facts = self.modules.get(module)
        if facts is None:
            return
        for fact in facts.imports:
            if not fact.load_time:
                continue
            loaded = []
            target = self.imported_module(fact)
            if target is not None:
                loaded.append(target)
            # importing a.b.c also runs a/__init__ and a/b/__init__, unless they are
            # packages of ``module`` itself (already loaded before it)
            parts = fact.target.split(".")
            for i in range(1, len(parts) + 1):
                loaded.append(".".join(parts[:i]))
            for name in dict.fromkeys(loaded):
                if name in self.modules and name != module and not module.startswith(name + "."):
                    yield ImportEdge(module, name, fact)

    def shortest_import_path(self, start: str, goal: set[str] | frozenset[str]) -> list[str] | None:
        """Module chain from ``start`` to any module in ``goal`` over load-time imports."""
        previous: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            if current in goal and current != start:
                chain = [current]
                while (back := previous[chain[-1]]) is not None:
                    chain.append(back)
                return list(reversed(chain))
            for edge in self.import_edges(current):
                if edge.target not in previous:
                    previous[edge.target] = current
                    queue.append(edge.target)
        return None

    # -- what gets loaded: load closures, task modules, start-up roots (layering rules) ---

    def modules_loaded_by(self, importer: str, target: str, name: str | None) -> list[str]:
        """Project modules that ``from target import name`` (``import target`` when ``name``
        is None) run when executed in ``importer``: the module itself and the packages above
        it, minus ``importer`` and its own packages (loaded before it)."""
        loaded = []
        if name not in (None, "*") and f"{target}.{name}" in self.modules:
            loaded.append(f"{target}.{name}")
        parts = target.split(".")
        loaded.extend(".".join(parts[:i]) for i in range(len(parts), 0, -1))
        return [
            m
            for m in dict.fromkeys(loaded)
            if m in self.modules and m != importer and not importer.startswith(m + ".")
        ]

    @cached_property
    def load_graph(self) -> dict[str, tuple[str, ...]]:
        """module -> the project modules its load-time imports run (``import_edges``)."""
        return {
            module: tuple(dict.fromkeys(edge.target for edge in self.import_edges(module)))
            for module in self.modules
        }

    @cached_property
    def _importers(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for module, targets in self.load_graph.items():
            for target in targets:
                found.setdefault(target, []).append(module)
        return found

    @cached_property
    def startup_runtime_imports(self) -> dict[str, tuple[str | None, ...]]:
        """module -> modules it loads by other means when a Django process starts: loading
        by name in its body (``importlib.import_module("x")``) and imports inside
        ``ready()`` methods (``AppConfig.ready`` runs in ``django.setup()``). None stands
        for a dynamic import whose module nobody can name."""
        found: dict[str, tuple[str | None, ...]] = {}
        for module, facts in self.modules.items():
            loaded: list[str | None] = []
            for fact in facts.runtime_imports:
                if fact.function and fact.function.rsplit(".", 1)[-1] != "ready":
                    continue
                if fact.target is None:
                    loaded.append(None)
                else:
                    loaded.extend(self.modules_loaded_by(module, fact.target, fact.name))
            if loaded:
                found[module] = tuple(dict.fromkeys(loaded))
        return found

    def load_closure(self, roots: Iterable[str]) -> tuple[frozenset[str], bool]:
        """(every project module loaded when ``roots`` are imported, whether a dynamic import
        was met on the way). Follows load-time imports, the packages above each module, and
        ``startup_runtime_imports``. A dynamic import means the closure may be incomplete."""
        seen: set[str] = set()
        dynamic = False
        queue = deque(m for m in roots if m in self.modules)
        while queue:
            module = queue.popleft()
            if module in seen:
                continue
            seen.add(module)
            parts = module.split(".")
            packages = (".".join(parts[:i]) for i in range(1, len(parts)))
            extra = self.startup_runtime_imports.get(module, ())
            dynamic = dynamic or None in extra
            for target in (*self.load_graph.get(module, ()), *packages, *extra):
                if target is not None and target in self.modules and target not in seen:
                    queue.append(target)
        return frozenset(seen), dynamic

    def next_hops_to(
        self, goal: Iterable[str], through: Callable[[str], bool]
    ) -> dict[str, str | None]:
        """Shortest load-time import paths into ``goal``, for every module at once.

        Maps each module that reaches a ``goal`` module, with every module in between
        satisfying ``through``, to the next module on a shortest such path (None for the
        goal modules themselves). Follow the hops to print the chain."""
        hops: dict[str, str | None] = {}
        queue: deque[str] = deque()
        for module in goal:
            if module in self.modules and module not in hops:
                hops[module] = None
                queue.append(module)
        while queue:
            current = queue.popleft()
            if hops[current] is not None and not through(current):
                continue
            for importer in self._importers.get(current, ()):
                if importer not in hops:
                    hops[importer] = current
                    queue.append(importer)
        return hops

    @cached_property
    def app_modules(self) -> frozenset[str]:
        """Modules that create a Celery app."""
        return frozenset(app.rsplit(".", 1)[0] for app in self.apps)

    @cached_property
    def _module_level_tasks(self) -> dict[str, Task]:
        return {t.qualname: t for t in self.tasks if t.fact.module_level}

    def task_at(self, ref: str) -> Task | None:
        """The module-level task a qualified name refers to, through re-exports
        (``proj.search.reindex`` where ``proj/search/__init__.py`` imports it)."""
        return self._module_level_tasks.get(self.resolve(ref))

    def task_app(self, task: Task) -> str | None:
        """The app a task is registered with: the resolved ``app`` of ``@app.task`` (or of
        an ``app.task(...)`` alias), None for ``@shared_task``, which every app gets."""
        resolved = self.resolve(task.fact.decorator)
        alias = self._assignments.get(resolved)
        if alias is not None and isinstance(alias.value, CallValue):
            resolved = self.resolve(alias.value.func)
        if is_app_task_ref(resolved) and self.is_app(resolved[: -len(".task")]):
            return self.resolve(resolved[: -len(".task")])
        return None

    @cached_property
    def django_startup_roots(self) -> frozenset[str]:
        """Modules Django may import when it starts, over-approximated: every package (the
        INSTALLED_APPS candidates), every ``models``/``apps``/``admin``/``urls`` module, the
        settings modules (those assigning ``INSTALLED_APPS``) and a literal ``ROOT_URLCONF``
        (``django.setup()`` plus the system checks, which load the URLconf). Use it where
        assuming that *more* is loaded can only make a rule quieter."""
        roots: set[str] = set()
        for module, facts in self.modules.items():
            last = module.rsplit(".", 1)[-1]
            if facts.is_package or last in {"models", "apps", "admin", "urls"}:
                roots.add(module)
            for assignment in facts.assignments:
                if assignment.name == "INSTALLED_APPS":
                    roots.add(module)
                elif assignment.name == "ROOT_URLCONF" and isinstance(assignment.value, str):
                    roots.add(assignment.value)
        return frozenset(roots)
