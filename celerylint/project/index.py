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

from celerylint.diagnostics import Span, TaskCondition
from celerylint.factdata import (
    LOCAL_RECEIVER,
    SELF_RECEIVER,
    AppFactoryFact,
    AssignmentFact,
    ClassFact,
    ImportFact,
    ModuleFacts,
    OptionFact,
    TaskFact,
    TaskFactoryFact,
    TxCallFact,
)
from celerylint.kit.values import UNKNOWN, CallValue, DictValue, ListValue, Ref, Value
from celerylint.project.star_names import star_binding
from celerylint.semantics import celery_data
from celerylint.semantics.call_shapes import SEND_NOW_METHODS
from celerylint.semantics.sqlalchemy_orm import holds as orm_holds
from celerylint.semantics.tasks import (
    CELERY_APP_CLASSES,
    LEGACY_TASK_REFS,
    SHARED_TASK_REFS,
    TASK_BASE_CLASSES,
    generated_task_name,
    importable,
    is_app_task_class_ref,
    is_app_task_ref,
)
from celerylint.semantics.transactions import sqlalchemy_begins
from celerylint.settings import Settings

if TYPE_CHECKING:
    from celerylint.project.config_model import ProjectConfig


def _plain_default(value: object) -> Value:
    if isinstance(value, dict):
        return DictValue(tuple(value.items()))  # ``retry_kwargs`` defaults to ``{}``
    return value  # type: ignore[return-value]


#: option defaults when a task does not set them (``bind`` is a decorator argument; the
#: ``autoretry_for`` family is read with these defaults by ``add_autoretry_behaviour``)
_OPTION_DEFAULTS: dict[str, Value] = {
    "bind": False,
    **celery_data.TASK_ATTRIBUTES,
    **{k: _plain_default(v) for k, v in celery_data.TASK_AUTORETRY_DEFAULTS.items()},
}
#: options only the decorator reads: a ``base=`` class cannot set them
_DECORATOR_ONLY = frozenset(celery_data.TASK_DECORATOR_OPTIONS)


def truthy(value: Value) -> bool | None:
    """Python truthiness of a static value; None when it cannot be told."""
    if value is UNKNOWN or isinstance(value, Ref | CallValue):
        return None
    if isinstance(value, ListValue):
        return bool(value.items)
    if isinstance(value, DictValue):
        return True if value.items else (False if value.complete else None)
    return bool(value)


@dataclass(frozen=True, slots=True)
class OptionOrigin:
    """Where an effective option value is written: report there, once for every task."""

    path: str
    span: Span | None
    kind: str  # "decorator" | "alias" | "wrapper" | "class" | "dict"
    holder: str  # qualified name of the task, alias, wrapper, class or dict


#: ``Task`` methods that send a message; a base class defining one controls dispatch
_DISPATCH_METHODS = SEND_NOW_METHODS


@dataclass(frozen=True)
class TaskClass:
    """A project ``celery.Task`` subclass: its attributes along the bases are options."""

    qualname: str
    module: str
    path: str
    fact: ClassFact
    options: dict[str, Value] = field(hash=False)
    origins: dict[str, OptionOrigin] = field(hash=False, compare=False)
    complete: bool  # False when a base the index cannot see may set more attributes
    members: frozenset[str]  # names its bodies (and its bases' bodies) define
    reads: frozenset[str]  # ``self.<name>`` its methods (and its bases' methods) read

    def option(self, name: str) -> Value:
        if name in self.options:
            return self.options[name]
        if not self.complete:
            return UNKNOWN
        return _OPTION_DEFAULTS.get(name)


@dataclass(frozen=True)
class Task:
    """A confirmed Celery task with its effective options.

    Options merge, lowest first: Celery's defaults, the ``base=`` class's attributes, the
    options of a decorator alias or wrapper (and the literal dicts it spreads), then the
    decorator's own ``**spreads`` and keywords. ``origins`` says where each was written.
    """

    module: str
    path: str
    fact: TaskFact
    name: str | None  # the wire name; None when ``name=`` is not a literal
    options: dict[str, Value] = field(hash=False)
    options_complete: bool  # False when a non-literal ``**spread`` may set more options
    origins: dict[str, OptionOrigin] = field(default_factory=dict, hash=False, compare=False)
    base: TaskClass | None = field(default=None, hash=False, compare=False)
    #: False when the ``base=`` class is not one the index can see (a third-party class):
    #: then every attribute option that is not set explicitly is unknown
    base_known: bool = True
    kind: str = "function"  # "function", or "class" for a registered ``Task`` subclass

    def option(self, name: str) -> Value:
        """The effective value, the Celery default when unset, or UNKNOWN."""
        if name in self.options:
            return self.options[name]
        if not self.options_complete or (not self.base_known and name not in _DECORATOR_ONLY):
            return UNKNOWN
        return _OPTION_DEFAULTS.get(name)

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.fact.function}"


@dataclass(frozen=True)
class OptionSite:
    """A place where task options are written: a task decorator, a decorator alias or
    wrapper, a ``celery.Task`` subclass body, or a literal dict spread into one of those.
    Option rules check sites (one finding per written value, however many tasks share it)."""

    kind: str  # "decorator" | "alias" | "wrapper" | "class" | "dict"
    holder: str  # qualified name of the task, alias, wrapper, class or dict
    path: str
    span: Span | None  # the decorator, alias, class name or dict assignment
    options: tuple[OptionFact, ...]  # spans fall back to ``span``
    tasks: tuple[Task, ...] = field(hash=False, compare=False)
    #: names a custom base class defines or reads (valid extra options); None when unknown
    extra_names: frozenset[str] | None = field(default=frozenset(), hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class _Decorator:
    app: str | None  # the app of ``@app.task``; None for ``shared_task``
    options: dict[str, Value]
    origins: dict[str, OptionOrigin]
    complete: bool
    forwards: bool  # options written where it is used are task options
    factory: str | None  # the alias or wrapper, if any

    def option(self, name: str) -> Value:
        """What an alias / wrapper sets (UNKNOWN when it does not say)."""
        return self.options.get(name, UNKNOWN)


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

    # -- Celery apps and task decorators ----------------------------------------------------

    @cached_property
    def app_classes(self) -> frozenset[str]:
        """``celery.Celery`` and project subclasses of it (transitively)."""
        return self._derived_classes(CELERY_APP_CLASSES, lambda base: False)

    def _derived_classes(self, roots: Iterable[str], also: Callable[[str], bool]) -> frozenset[str]:
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

    def decorator_options(self, ref: str) -> tuple[bool, tuple[tuple[str, Value], ...]]:
        """(makes a task?, options it contributes) for a decorator reference."""
        found = self._decorator(ref)
        if found is None:
            return False, ()
        return True, tuple(found.options.items())

    @cached_property
    def task_factories(self) -> dict[str, tuple[ModuleFacts, TaskFactoryFact]]:
        """Decorator aliases and wrapper functions by qualified name (confirmed or not)."""
        return {
            f"{facts.module}.{fact.name}": (facts, fact)
            for facts in self.modules.values()
            for fact in facts.task_factories
        }

    def _direct_decorator(self, resolved: str) -> tuple[bool, str | None]:
        """(is ``shared_task`` or ``<app>.task``, the app) for a resolved reference."""
        if resolved in SHARED_TASK_REFS or resolved in LEGACY_TASK_REFS:
            return True, None
        if is_app_task_ref(resolved) and self.is_app(resolved[: -len(".task")]):
            return True, self.resolve(resolved[: -len(".task")])
        return False, None

    def _decorator(self, ref: str) -> _Decorator | None:
        resolved = self.resolve(ref)
        direct, app = self._direct_decorator(resolved)
        if direct:
            return _Decorator(app, {}, {}, True, True, None)
        found = self.task_factories.get(resolved)
        if found is None:
            return None
        facts, fact = found
        direct, app = self._direct_decorator(self.resolve(fact.decorator))
        if not direct:
            return None  # followed one level only
        options: dict[str, Value] = {}
        origins: dict[str, OptionOrigin] = {}
        here = OptionOrigin(facts.path, fact.span, fact.kind, resolved)
        complete = self._merge_spreads(fact.spreads, options, origins, here)
        for option in fact.options:
            options[option.name] = self.literal(option.value)
            origins[option.name] = OptionOrigin(
                facts.path, option.span or fact.span, fact.kind, resolved
            )
        forwards = fact.kind == "alias" or fact.forwards
        return _Decorator(app, options, origins, complete, forwards, resolved)

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

    def _merge_spreads(
        self,
        spreads: Iterable[Value],
        options: dict[str, Value],
        origins: dict[str, OptionOrigin],
        here: OptionOrigin,
    ) -> bool:
        """Merge ``**OPTIONS`` literal dicts; False when one cannot be seen."""
        complete = True
        for spread in spreads:
            found, name = self.spread_dict(spread)
            if found is None:
                complete = False
                continue
            origin = here
            if name is not None:
                module, _ = self.split_module(name)
                assignment = self._assignments.get(name)
                if module is not None and assignment is not None:
                    origin = OptionOrigin(self.modules[module].path, assignment.span, "dict", name)
            for key, item in found.items:
                assert isinstance(key, str)
                options[key] = self.literal(item)
                origins[key] = origin
        return complete

    def _base_class(self, value: Value | None) -> tuple[TaskClass | None, bool]:
        """(the project base class, whether the base is known) for a ``base=`` value."""
        if value is None:
            return None, True
        if not isinstance(value, Ref):
            return None, False
        resolved = self.resolve(value.name)
        found = self._task_class_infos.get(resolved)
        if found is not None:
            return found, True
        if resolved in TASK_BASE_CLASSES or self._is_app_task_class(resolved):
            return None, True
        # Celery's own Task subclasses (``DjangoTask``, ``AbortableTask``) set no options
        return None, resolved.startswith("celery.") and resolved not in self._task_class_infos

    def _make_task(self, facts: ModuleFacts, fact: TaskFact) -> Task | None:
        deco = self._decorator(fact.decorator)
        if deco is None:
            return None
        options = dict(deco.options)
        origins = dict(deco.origins)
        complete = deco.complete
        qualname = f"{facts.module}.{fact.function}"
        if deco.forwards:
            here = OptionOrigin(facts.path, fact.decorator_span, "decorator", qualname)
            complete = self._merge_spreads(fact.spreads, options, origins, here) and complete
            for option in fact.options:
                options[option.name] = self.literal(option.value)
                origins[option.name] = OptionOrigin(
                    facts.path, option.span or fact.decorator_span, "decorator", qualname
                )
        base, base_known = self._base_class(options.get("base"))
        if base is not None:
            for key, value in base.options.items():
                if key not in options:
                    options[key] = value
                    origins[key] = base.origins[key]
            base_known = base.complete
        explicit = self.value_of(options["name"]) if "name" in options else None
        name: str | None
        if isinstance(explicit, str) and explicit:
            name = explicit
        elif explicit is not None and explicit != "":
            name = None  # computed: unknown
        elif "name" not in options and not complete:
            name = None  # a ``**spread`` we cannot see may set it
        elif not importable(facts.module):
            name = None  # a script's tasks are named after ``__main__`` or however it is run
        else:
            name = generated_task_name(facts.module, fact.function)  # ``name=None`` too
        return Task(
            facts.module, facts.path, fact, name, options, complete, origins, base, base_known
        )

    def _class_task(self, info: TaskClass) -> Task:
        """A registered ``celery.Task`` subclass as a task (``app.register_task(Cls())``)."""
        members = {m.name: m for m in self.modules[info.module].class_members}
        found = members.get(info.fact.name)
        params = found.run_params if found is not None and found.run_params is not None else ()
        fact = TaskFact(
            function=info.fact.name,
            decorator=info.qualname,
            called=False,
            options=info.fact.attributes,
            spreads=(),
            params=params,
            decorator_index=0,
            decorator_count=0,
            module_level=True,
            span=info.fact.span,
            decorator_span=info.fact.span,
        )
        explicit = info.options.get("name")
        name: str | None = None
        if isinstance(explicit, str) and explicit:
            name = explicit
        elif explicit is None and info.complete:
            name = generated_task_name(info.module, info.fact.name)
        return Task(
            info.module,
            info.path,
            fact,
            name,
            dict(info.options),
            info.complete,
            dict(info.origins),
            info,
            True,
            "class",
        )

    @cached_property
    def registered_task_classes(self) -> frozenset[str]:
        """Task classes registered with an app: ``app.register_task(Cls())`` / ``(Cls)``."""
        found = set()
        for facts in self.modules.values():
            for call in facts.app_calls:
                if (
                    call.method != "register_task"
                    or not call.args
                    or not self.is_app(call.receiver)
                ):
                    continue
                arg = call.args[0]
                ref = (
                    arg.func
                    if isinstance(arg, CallValue)
                    else arg.name
                    if isinstance(arg, Ref)
                    else None
                )
                if ref is not None and self.resolve(ref) in self._task_class_infos:
                    found.add(self.resolve(ref))
        return frozenset(found)

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        found = []
        for facts in self.by_path.values():
            for fact in facts.tasks:
                task = self._make_task(facts, fact)
                if task is not None:
                    found.append(task)
        for qualname in sorted(self.registered_task_classes):
            found.append(self._class_task(self._task_class_infos[qualname]))
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
                elif importable(facts.module):
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
        """Qualified names of project classes derived from ``celery.Task`` (transitively),
        also through an app's ``Task`` (``class Base(app.Task)``)."""
        return self._derived_classes(TASK_BASE_CLASSES, self._is_app_task_class) - TASK_BASE_CLASSES

    # -- task classes, option sites, task conditions --------------------------------------

    def _is_app_task_class(self, resolved: str) -> bool:
        return is_app_task_class_ref(resolved) and self.is_app(resolved[: -len(".Task")])

    @cached_property
    def _project_classes(self) -> dict[str, tuple[ModuleFacts, ClassFact]]:
        return {
            f"{facts.module}.{cls.name}": (facts, cls)
            for facts in self.modules.values()
            for cls in facts.classes
        }

    @cached_property
    def _task_class_infos(self) -> dict[str, TaskClass]:
        memo: dict[str, TaskClass] = {}
        for qualname in sorted(self.task_classes):
            self._class_info(qualname, memo, set())
        return {q: memo[q] for q in self.task_classes if q in memo}

    def _class_info(self, qualname: str, memo: dict[str, TaskClass], seen: set[str]) -> TaskClass:
        if qualname in memo:
            return memo[qualname]
        facts, cls = self._project_classes[qualname]
        seen.add(qualname)
        options: dict[str, Value] = {}
        origins: dict[str, OptionOrigin] = {}
        members: set[str] = set()
        reads: set[str] = set()
        complete = True
        for base in reversed(cls.bases):
            resolved = self.resolve(base)
            if resolved in TASK_BASE_CLASSES or self._is_app_task_class(resolved):
                continue
            if resolved in self._project_classes and resolved not in seen:
                info = self._class_info(resolved, memo, seen)
                options.update(info.options)
                origins.update(info.origins)
                members |= info.members
                reads |= info.reads
                complete = complete and info.complete
            elif resolved != "builtins.object" and not resolved.startswith("celery."):
                complete = False  # a third-party base may set any attribute
        for attribute in cls.attributes:
            options[attribute.name] = self.literal(attribute.value)
            origins[attribute.name] = OptionOrigin(
                facts.path, attribute.span or cls.span, "class", qualname
            )
        for found in facts.class_members:
            if found.name == cls.name:
                members.update(found.members)
                reads.update(found.self_reads)
        info = TaskClass(
            qualname,
            facts.module,
            facts.path,
            cls,
            options,
            origins,
            complete,
            frozenset(members),
            frozenset(reads),
        )
        memo[qualname] = info
        return info

    def task_class(self, ref: str) -> TaskClass | None:
        """The project ``celery.Task`` subclass ``ref`` names (through re-exports)."""
        return self._task_class_infos.get(self.resolve(ref))

    def condition_holds(self, path: str, condition: TaskCondition) -> bool:
        """Does a per-file finding's ``TaskCondition`` hold (see ``diagnostics.py``)?"""
        holder: Task | TaskClass | _Decorator | None
        facts = self.by_path.get(path)
        if condition.task_ref:
            holder = self.task_at(condition.task_ref)
        elif condition.holder == "class":
            holder = self.task_class(f"{facts.module}.{condition.function}") if facts else None
        elif condition.holder == "factory":
            found = self._decorator(f"{facts.module}.{condition.function}") if facts else None
            holder = found if found is not None and found.factory is not None else None
        else:
            holder = self.task_for(path, condition.function)
        if holder is None:
            return False
        if condition.orm_kinds and not orm_holds(
            condition.orm_path, condition.orm_kinds, self._assigned_value, self._class_bases
        ):
            return False
        for option, expected in condition.options:
            value = holder.option(option)
            if value is UNKNOWN or value != expected or type(value) is not type(expected):
                return False
        if condition.lacks_params:
            if not isinstance(holder, Task):
                return False
            if {p.name for p in holder.fact.params} & set(condition.lacks_params):
                return False
        if not condition.any_truthy or any(
            truthy(holder.option(option)) for option in condition.any_truthy
        ):
            return True
        return bool(condition.or_setting) and self._setting_truthy(
            holder, condition.or_setting, condition.any_truthy
        )

    def _setting_truthy(
        self, holder: Task | TaskClass | _Decorator, setting: str, options: tuple[str, ...]
    ) -> bool:
        """The production configuration sets ``setting`` to a known truthy value for the
        task's app, and the task leaves ``options`` unset (so the setting applies)."""
        if not isinstance(holder, Task) or any(o in holder.options for o in options):
            return False
        if not holder.options_complete or not holder.base_known:
            return False
        if holder.base is not None and any(o in holder.base.options for o in options):
            return False
        values = self.config.values_for(setting, self.task_app(holder))
        return bool(values) and all(truthy(c) for v in values for c in v.candidates)

    def extra_option_names(self, task: Task) -> frozenset[str] | None:
        """Names a task's custom base class defines or reads (so a decorator keyword of
        that name is consumed, not a typo); None when the base cannot be seen."""
        if not task.base_known or self._custom_app_task_cls:
            return None
        if task.base is None:
            return frozenset()
        return task.base.members | task.base.reads

    @property
    def replaces_app_task_class(self) -> bool:
        """Some app's tasks get a Task class the index cannot see (``Celery(task_cls=...)``,
        ``app.Task = X``)."""
        return self._custom_app_task_cls

    def overrides_dispatch(self, task: Task) -> bool:
        """The task's ``base=`` class (or one of its project bases) defines its own
        ``apply_async``/``delay``: sending is the class's business (often deferred with
        ``transaction.on_commit``), so what a call site does is not known."""
        return task.base is not None and bool(task.base.members & _DISPATCH_METHODS)

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

    @cached_property
    def option_sites(self) -> tuple[OptionSite, ...]:
        """Every place a confirmed task's options are written (see ``OptionSite``)."""
        sites: list[OptionSite] = []
        by_factory: dict[str, list[Task]] = {}
        by_dict: dict[str, list[Task]] = {}
        for task in self.tasks:
            if task.kind != "function":
                continue
            facts = self.modules.get(task.module)
            deco = self._decorator(task.fact.decorator)
            if deco is None or facts is None:
                continue
            if deco.factory is not None:
                by_factory.setdefault(deco.factory, []).append(task)
            if deco.forwards:
                extra = self.extra_option_names(task)
                if self.resolve(task.fact.decorator) in LEGACY_TASK_REFS:
                    extra = None  # Celery 3's decorators took options of their own
                sites.append(
                    OptionSite(
                        "decorator",
                        task.qualname,
                        task.path,
                        task.fact.decorator_span,
                        task.fact.options,
                        (task,),
                        extra,
                    )
                )
                for spread in task.fact.spreads:
                    _, name = self.spread_dict(spread)
                    if name is not None:
                        by_dict.setdefault(name, []).append(task)
        for qualname, (facts, fact) in self.task_factories.items():
            if self._decorator(qualname) is None:
                continue
            users = by_factory.get(qualname, [])
            sites.append(
                OptionSite(
                    fact.kind,
                    qualname,
                    facts.path,
                    fact.span,
                    fact.options,
                    tuple(users),
                    self._union_extra(users, fact.options),
                )
            )
            for spread in fact.spreads:
                _, name = self.spread_dict(spread)
                if name is not None:
                    by_dict.setdefault(name, []).extend(users)
                    by_dict.setdefault(name, [])
        for name, users in by_dict.items():
            found, _ = self.spread_dict(Ref(name))
            module, _ = self.split_module(name)
            assignment = self._assignments.get(name)
            if found is None or module is None or assignment is None:
                continue
            options = tuple(
                OptionFact(str(key), value, assignment.span) for key, value in found.items
            )
            sites.append(
                OptionSite(
                    "dict",
                    name,
                    self.modules[module].path,
                    assignment.span,
                    options,
                    tuple(users),
                    self._union_extra(users, options),
                )
            )
        for qualname, info in self._task_class_infos.items():
            users = [t for t in self.tasks if t.base is info]
            sites.append(
                OptionSite(
                    "class",
                    qualname,
                    info.path,
                    info.fact.span,
                    info.fact.attributes,
                    tuple(users),
                    None,
                )
            )
        return tuple(sites)

    def _union_extra(
        self, users: Iterable[Task], options: Iterable[OptionFact]
    ) -> frozenset[str] | None:
        names: set[str] = set()
        any_user = False
        for task in users:
            any_user = True
            extra = self.extra_option_names(task)
            if extra is None:
                return None
            names |= extra
        if not any_user:  # an unused alias: its own ``base=`` decides
            base = next((o.value for o in options if o.name == "base"), None)
            info, known = self._base_class(base)
            if not known or self._custom_app_task_cls:
                return None
            if info is not None:
                names |= info.members | info.reads
        return frozenset(names)

    # -- transactions ---------------------------------------------------------------------

    def is_atomic_wrapper(self, ref: str) -> bool:
        """Is ``ref`` a project function whose body enters ``transaction.atomic`` (a traced
        ``atomic`` context manager, a decorator that wraps calls in one)?"""
        module, rest = self.split_module(self.resolve(ref))
        return module is not None and rest in self.modules[module].atomic_functions

    def in_transaction(self, atomic: bool, candidates: Iterable[str]) -> bool:
        return atomic or any(self.is_atomic_wrapper(c) for c in candidates)

    def sqlalchemy_transaction(self, call: TxCallFact) -> str | None:
        """The text of the first ``with <x>.begin():`` around ``call`` that opens a
        SQLAlchemy transaction (``db.session.begin``), or None."""
        for path, text in call.sqlalchemy:
            if sqlalchemy_begins(path, self._assigned_value, self._class_bases):
                return text
        return None

    def _assigned_value(self, ref: str) -> Value | None:
        found = self.assignment(ref)
        return found.value if found is not None else None

    def _class_bases(self, ref: str) -> tuple[str, ...] | None:
        module, rest = self.split_module(self.resolve(ref))
        if module is None or not rest:
            return None
        for cls in self.modules[module].classes:
            if cls.name == rest:
                return tuple(self.resolve(base) for base in cls.bases)
        return None

    @cached_property
    def dispatching_functions(self) -> dict[str, str]:
        """Module-level project functions that dispatch a task when called (not deferred to
        ``on_commit``), with the dispatch as written (``charge_invoice.delay``)."""
        found: dict[str, str] = {}
        for facts in self.modules.values():
            for site in facts.call_sites:
                function = site.function
                if not function or "." in function or site.receiver is None:
                    continue
                key = f"{facts.module}.{function}"
                if key in found:
                    continue
                short = site.receiver.rsplit(".", 1)[-1]
                task = self.task_at(site.receiver) if site.method in SEND_NOW_METHODS else None
                if task is not None and not self.overrides_dispatch(task):
                    found[key] = f"{short}.{site.method}"
                elif site.method == "send_task" and self.is_app(site.receiver):
                    found[key] = f"{short}.send_task"
        return found

    def dispatches(self, kind: str, target: str) -> bool:
        """Does a dispatch-shaped call (``facts/transactions.task_dispatch``) send a task:
        ``.delay()`` of a confirmed task whose class does not define its own dispatch,
        ``send_task`` of an app, a called canvas?"""
        if kind == "task":
            task = self.task_at(target)
            return task is not None and not self.overrides_dispatch(task)
        if kind == "send_task":
            resolved = self.resolve(target)
            return self.is_app(resolved) or resolved == "celery.current_app"
        return kind == "canvas"

    def dispatch_of(self, call: TxCallFact) -> tuple[str, str] | None:
        """(the call as written, the dispatch it leads to) when a call inside a transaction
        dispatches a task: the same text twice for a direct dispatch, the helper's own
        dispatch (``charge_invoice.delay``) for a project helper; None otherwise."""
        if call.kind in ("task", "send_task", "canvas"):
            return (call.text, call.text) if self.dispatches(call.kind, call.target) else None
        helper = self.dispatching_functions.get(self.resolve(call.target))
        return (call.text, helper) if helper is not None else None

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
        an ``app.task(...)`` alias or wrapper), None for ``@shared_task``, which every app
        gets."""
        found = self._decorator(task.fact.decorator)
        return found.app if found is not None else None

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
