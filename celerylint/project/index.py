"""Phase 2: the project index, built once from every module's facts.

Answers the cross-file questions: what a name refers to through re-exports, which names
are Celery apps, and which functions and classes are tasks (``tasks``, ``task_at``,
``tasks_by_name``). The jobs behind it live next to it: ``tasks.py`` (which decorators
make tasks, their merged options and wire names), ``task_classes.py`` (project
``celery.Task`` subclasses), ``option_sites.py`` (where options are written),
``conditions.py`` (per-file findings' ``TaskCondition``), ``transactions.py``
(``index.transactions``) and ``import_graph.py`` (``index.imports``); the data they share
is in ``task_model.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celerylint.diagnostics import TaskCondition
from celerylint.factdata import (
    LOCAL_RECEIVER,
    SELF_RECEIVER,
    AppFactoryFact,
    AssignmentFact,
    ModuleFacts,
)
from celerylint.kit.values import UNKNOWN, CallValue, DictValue, Ref, Value
from celerylint.project.conditions import condition_holds
from celerylint.project.import_graph import ImportGraph
from celerylint.project.option_sites import option_sites
from celerylint.project.star_names import star_binding
from celerylint.project.task_classes import TaskClassIndex
from celerylint.project.task_model import OptionSite, Task, TaskClass
from celerylint.project.tasks import TaskFinder
from celerylint.project.transactions import Transactions
from celerylint.semantics.tasks import CELERY_APP_CLASSES
from celerylint.settings import Settings

if TYPE_CHECKING:
    from celerylint.project.config_model import ProjectConfig


class ProjectIndex:
    def __init__(
        self,
        modules: Iterable[ModuleFacts],
        settings: Settings | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        #: the run's configuration; project rules read ``[tool.celerylint]`` project-model
        #: keys through :meth:`project_option` and the project root through :attr:`root`
        self.settings = settings
        #: the absolute path of each module's file, by its displayed path (when known)
        self.origins: Mapping[str, str] = origins or {}
        self.modules: dict[str, ModuleFacts] = {}
        self.by_path: dict[str, ModuleFacts] = {}
        for facts in modules:
            self.by_path[facts.path] = facts
            self.modules.setdefault(facts.module, facts)
        self._assignments: dict[str, AssignmentFact] = {}
        self._bindings: dict[str, str] = {}
        #: :meth:`resolve`'s answers (the index does not change once built)
        self._resolved: dict[str, str] = {}
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

        #: the jobs behind the index, each over it (see the module docstring)
        self.task_finder = TaskFinder(self)
        self.task_class_index = TaskClassIndex(self)
        self.transactions = Transactions(self)
        self.imports = ImportGraph(self)

    @cached_property
    def names_read(self) -> frozenset[str]:
        """Every name some module reads as a setting (``settings.X``, ``app.conf.X``,
        ``getattr(settings, "X")``, a setting's name in a string) or imports by name
        (``from m import X``): a legacy setting name in it has readers (CEL804, CEL507)."""
        found: set[str] = set()
        for facts in self.by_path.values():
            found.update(facts.setting_reads, facts.setting_name_reads)
            found.update(i.name for i in facts.imports if i.name is not None)
        return frozenset(found)

    # -- project configuration --------------------------------------------------------------

    @property
    def root(self) -> Path | None:
        """The project root (where ``pyproject.toml`` is), when the run knows it."""
        return self.settings.root if self.settings is not None else None

    def worker_launches(self) -> dict[str, int | None]:
        """Phase 1's ``worker_launch`` line of each module's file, by absolute path (the
        files whose origin the run knows)."""
        return {
            self.origins[path]: facts.worker_launch
            for path, facts in self.by_path.items()
            if path in self.origins
        }

    def project_option(self, key: str, default: Any = None) -> Any:
        """A project-level ``[tool.celerylint]`` key (``strict-routing``, ``celery-version``,
        ``production-settings`` ...), already validated by ``config.py``, or ``default``."""
        if self.settings is None:
            return default
        return self.settings.extra.get(key, default)

    @cached_property
    def config(self) -> ProjectConfig:
        """The project's Celery configuration as Celery reads it (settings modules and
        classes, app configuration, namespaces, classification): ``project/config_model.py``."""
        from celerylint.project.config_model import ProjectConfig

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
        found = self._resolved.get(ref)
        if found is None:
            found = self._resolved[ref] = self._follow(ref)
        return found

    def _follow(self, ref: str) -> str:
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
                target = star_binding(self.modules, self._bindings, module, head)
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

    def assignment_at(self, qualname: str) -> AssignmentFact | None:
        """The module-level assignment of an already resolved qualified name."""
        return self._assignments.get(qualname)

    def assigned_value(self, ref: str) -> Value | None:
        found = self.assignment(ref)
        return found.value if found is not None else None

    def class_bases(self, ref: str) -> tuple[str, ...] | None:
        """The resolved bases of the project class ``ref`` names, or None."""
        module, rest = self.split_module(self.resolve(ref))
        if module is None or not rest:
            return None
        for cls in self.modules[module].classes:
            if cls.name == rest:
                return tuple(self.resolve(base) for base in cls.bases)
        return None

    def literal(self, value: Value, depth: int = 0) -> Value:
        """Follow a ``Ref`` to a project constant (``max_retries=MAX_RETRIES``); other
        references (exception classes, base classes) stay references."""
        if isinstance(value, Ref) and depth < 4:
            found = self._assignments.get(self.resolve(value.name))
            if found is not None:
                return UNKNOWN if found.conditional else self.literal(found.value, depth + 1)
        return value

    def spread_dict(self, value: Value) -> tuple[DictValue | None, str | None]:
        """(the literal dict, its qualified name) a ``**spread`` stands for, when known."""
        name = None
        if isinstance(value, Ref):
            name = self.resolve(value.name)
            found = self._assignments.get(name)
            value = UNKNOWN if found is None or found.conditional else found.value
        if (
            isinstance(value, DictValue)
            and value.complete
            and all(isinstance(key, str) for key, _ in value.items)
        ):
            return value, name
        return None, name

    # -- Celery apps ------------------------------------------------------------------------

    @cached_property
    def app_classes(self) -> frozenset[str]:
        """``celery.Celery`` and project subclasses of it (transitively)."""
        return self.derived_classes(CELERY_APP_CLASSES, lambda base: False)

    def derived_classes(self, roots: Iterable[str], also: Callable[[str], bool]) -> frozenset[str]:
        """``roots`` and the project classes derived from them (transitively), or from a
        resolved base ``also`` accepts."""
        classes = set(roots)
        changed = True
        while changed:
            changed = False
            for facts in self.modules.values():
                for cls in facts.classes:
                    qual = f"{facts.module}.{cls.name}"
                    if qual not in classes and any(
                        (r := self.resolve(b)) in classes or also(r) for b in cls.bases
                    ):
                        classes.add(qual)
                        changed = True
        return frozenset(classes)

    @cached_property
    def app_factories(self) -> dict[str, AppFactoryFact]:
        """Module-level functions that build a Celery app and return it (``def
        make_celery(app): celery = Celery(...); ...; return celery``), by qualified name."""
        found: dict[str, AppFactoryFact] = {}
        for facts in self.modules.values():
            for fact in facts.app_factories:
                call = fact.call
                if isinstance(call, CallValue) and self.resolve(call.func) in self.app_classes:
                    found[f"{facts.module}.{fact.function}"] = fact
        return found

    @cached_property
    def apps(self) -> frozenset[str]:
        """Qualified names of module-level ``X = Celery(...)`` objects, and of
        ``X = make_celery(...)`` where ``make_celery`` is an app factory."""
        found = set()
        factories = self.app_factories
        for key, assignment in self._assignments.items():
            value = assignment.value
            if not isinstance(value, CallValue):
                continue
            callee = self.resolve(value.func)
            if callee in self.app_classes or callee in factories:
                found.add(key)
        return frozenset(found)

    def app_factory(self, app: str) -> AppFactoryFact | None:
        """The factory function that made ``app`` (``app = make_celery(...)``), or None."""
        found = self.assignment(app)
        value = found.value if found is not None else None
        if not isinstance(value, CallValue):
            return None
        return self.app_factories.get(self.resolve(value.func))

    def apps_of_class(self, cls: str) -> tuple[str, ...]:
        """The apps made by the project ``Celery`` subclass ``cls`` or a subclass of it
        (``self.conf`` in its methods configures each of them); empty for other classes."""
        if cls in CELERY_APP_CLASSES or cls not in self.app_classes:
            return ()
        found = []
        for app in sorted(self.apps):
            call = self.app_call(app)
            made_by = self.resolve(call.func) if call is not None else None
            if made_by is not None and self._subclass_of(made_by, cls):
                found.append(app)
        return tuple(found)

    def _subclass_of(self, qual: str, cls: str) -> bool:
        seen: set[str] = set()
        todo = [qual]
        while todo:
            current = todo.pop()
            if current == cls:
                return True
            if current in seen:
                continue
            seen.add(current)
            module, name = self.split_module(current)
            if module is None:
                continue
            for info in self.modules[module].classes:
                if info.name == name:
                    todo.extend(self.resolve(b) for b in info.bases)
        return False

    def app_call(self, app: str) -> CallValue | None:
        """The ``Celery(...)`` call that made ``app``: its assignment's value, or the call
        inside the factory that made it."""
        found = self.assignment(app)
        value = found.value if found is not None else None
        if not isinstance(value, CallValue):
            return None
        factory = self.app_factories.get(self.resolve(value.func))
        if factory is not None:
            return factory.call if isinstance(factory.call, CallValue) else None
        return value

    @cached_property
    def factory_apps(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(factory's qualified name, its returned local) -> the apps it made: a ``conf``
        write on that local inside the factory configures each of them."""
        found: dict[tuple[str, str], list[str]] = {}
        for app in sorted(self.apps):
            assignment = self._assignments.get(app)
            value = assignment.value if assignment is not None else None
            if not isinstance(value, CallValue):
                continue
            qual = self.resolve(value.func)
            factory = self.app_factories.get(qual)
            if factory is not None:
                found.setdefault((qual, factory.local), []).append(app)
        return {key: tuple(apps) for key, apps in found.items()}

    def apps_configured_by(
        self, module: str, function: str | None, receiver: str
    ) -> tuple[str, ...]:
        """The apps a ``conf`` write on a factory's local (``LOCAL_RECEIVER + name``) in
        ``function`` of ``module`` configures; empty for any other write."""
        if function is None:
            return ()
        if receiver == SELF_RECEIVER:
            return self.apps_of_class(f"{module}.{function.rpartition('.')[0]}")
        if not receiver.startswith(LOCAL_RECEIVER):
            return ()
        local = receiver[len(LOCAL_RECEIVER) :]
        return self.factory_apps.get((f"{module}.{function}", local), ())

    def is_app(self, ref: str) -> bool:
        return self.resolve(ref) in self.apps

    @cached_property
    def app_modules(self) -> frozenset[str]:
        """Modules that create a Celery app."""
        return frozenset(app.rsplit(".", 1)[0] for app in self.apps)

    @property
    def replaces_app_task_class(self) -> bool:
        """Some app's tasks get a Task class the index cannot see (``Celery(task_cls=...)``,
        ``app.Task = X``)."""
        return self._custom_app_task_cls

    @cached_property
    def _custom_app_task_cls(self) -> bool:
        """An app made with ``Celery(task_cls=...)``, or whose Task class is replaced
        (``app.Task = X``, a ``Celery`` subclass setting ``Task``/``task_cls``): its tasks
        have a base we do not see."""
        if any(facts.replaces_app_task for facts in self.by_path.values()):
            return True
        for app in self.apps:
            value = self.app_call(app)
            if value is not None and (
                value.starred or any(k == "task_cls" for k, _ in value.kwargs)
            ):
                return True
        return False

    # -- tasks (found by ``tasks.py``) and task classes (``task_classes.py``) ---------------

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        return self.task_finder.find_tasks()

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
    def _module_level_tasks(self) -> dict[str, Task]:
        return {t.qualname: t for t in self.tasks if t.fact.module_level}

    def task_at(self, ref: str) -> Task | None:
        """The module-level task a qualified name refers to, through re-exports
        (``proj.search.reindex`` where ``proj/search/__init__.py`` imports it)."""
        return self._module_level_tasks.get(self.resolve(ref))

    def task_app(self, task: Task) -> str | None:
        """The app a task is registered with: the resolved ``app`` of ``@app.task`` (or of
        an ``app.task(...)`` alias or wrapper), None for ``@shared_task``, which every app
        gets."""
        found = self.task_finder.decorator(task.fact.decorator)
        return found.app if found is not None else None

    @property
    def task_classes(self) -> frozenset[str]:
        """Qualified names of project classes derived from ``celery.Task`` (transitively),
        also through an app's ``Task`` (``class Base(app.Task)``)."""
        return self.task_class_index.names

    def task_class(self, ref: str) -> TaskClass | None:
        """The project ``celery.Task`` subclass ``ref`` names (through re-exports)."""
        return self.task_class_index.task_class(ref)

    # -- option sites and task conditions ---------------------------------------------------

    @cached_property
    def option_sites(self) -> tuple[OptionSite, ...]:
        """Every place a confirmed task's options are written (see ``OptionSite``)."""
        return option_sites(self)

    def condition_holds(self, path: str, condition: TaskCondition) -> bool:
        """Does a per-file finding's ``TaskCondition`` hold (see ``diagnostics.py``)?"""
        return condition_holds(self, path, condition)
