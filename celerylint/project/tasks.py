"""Finding the project's tasks: which decorators make tasks (``@app.task``,
``@shared_task``, a decorator alias or wrapper around one), each task's effective options
(merged from Celery's defaults, its ``base=`` class, its alias or wrapper, the literal
dicts it spreads and its own keywords) and its wire name. ``ProjectIndex.tasks`` is
``index.task_finder.find_tasks()``, computed once."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.factdata import ModuleFacts, TaskFact, TaskFactoryFact
from celerylint.kit.values import CallValue, Ref, Value
from celerylint.project.task_model import Decorator, OptionOrigin, Task, TaskClass
from celerylint.semantics.tasks import (
    LEGACY_TASK_REFS,
    SHARED_TASK_REFS,
    generated_task_name,
    importable,
    is_app_task_ref,
)

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


class TaskFinder:
    """Task decorators, resolved, and the tasks they make."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def decorator_options(self, ref: str) -> tuple[bool, tuple[tuple[str, Value], ...]]:
        """(makes a task?, options it contributes) for a decorator reference."""
        found = self.decorator(ref)
        if found is None:
            return False, ()
        return True, tuple(found.options.items())

    @cached_property
    def task_factories(self) -> dict[str, tuple[ModuleFacts, TaskFactoryFact]]:
        """Decorator aliases and wrapper functions by qualified name (confirmed or not)."""
        return {
            f"{facts.module}.{fact.name}": (facts, fact)
            for facts in self.index.modules.values()
            for fact in facts.task_factories
        }

    def _direct_decorator(self, resolved: str) -> tuple[bool, str | None]:
        """(is ``shared_task`` or ``<app>.task``, the app) for a resolved reference."""
        if resolved in SHARED_TASK_REFS or resolved in LEGACY_TASK_REFS:
            return True, None
        if is_app_task_ref(resolved) and self.index.is_app(resolved[: -len(".task")]):
            return True, self.index.resolve(resolved[: -len(".task")])
        return False, None

    def decorator(self, ref: str) -> Decorator | None:
        """What the decorator ``ref`` contributes, when it makes tasks: ``@app.task`` /
        ``@shared_task``, or an alias or wrapper around one (followed one level)."""
        resolved = self.index.resolve(ref)
        direct, app = self._direct_decorator(resolved)
        if direct:
            return Decorator(app, {}, {}, True, True, None)
        found = self.task_factories.get(resolved)
        if found is None:
            return None
        facts, fact = found
        direct, app = self._direct_decorator(self.index.resolve(fact.decorator))
        if not direct:
            return None  # followed one level only
        options: dict[str, Value] = {}
        origins: dict[str, OptionOrigin] = {}
        here = OptionOrigin(facts.path, fact.span, fact.kind, resolved)
        complete = self._merge_spreads(fact.spreads, options, origins, here)
        for option in fact.options:
            options[option.name] = self.index.literal(option.value)
            origins[option.name] = OptionOrigin(
                facts.path, option.span or fact.span, fact.kind, resolved
            )
        forwards = fact.kind == "alias" or fact.forwards
        return Decorator(app, options, origins, complete, forwards, resolved)

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
            found, name = self.index.spread_dict(spread)
            if found is None:
                complete = False
                continue
            origin = here
            if name is not None:
                module, _ = self.index.split_module(name)
                assignment = self.index.assignment_at(name)
                if module is not None and assignment is not None:
                    origin = OptionOrigin(
                        self.index.modules[module].path, assignment.span, "dict", name
                    )
            for key, item in found.items:
                assert isinstance(key, str)
                options[key] = self.index.literal(item)
                origins[key] = origin
        return complete

    def _make_task(self, facts: ModuleFacts, fact: TaskFact) -> Task | None:
        deco = self.decorator(fact.decorator)
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
                options[option.name] = self.index.literal(option.value)
                origins[option.name] = OptionOrigin(
                    facts.path, option.span or fact.decorator_span, "decorator", qualname
                )
        base, base_known = self.index.task_class_index.base_class(options.get("base"))
        if base is not None:
            for key, value in base.options.items():
                if key not in options:
                    options[key] = value
                    origins[key] = base.origins[key]
            base_known = base.complete
        explicit = self.index.value_of(options["name"]) if "name" in options else None
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
        members = {m.name: m for m in self.index.modules[info.module].class_members}
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
        for facts in self.index.modules.values():
            for call in facts.app_calls:
                if (
                    call.method != "register_task"
                    or not call.args
                    or not self.index.is_app(call.receiver)
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
                if ref is not None and self.index.resolve(ref) in self.index.task_class_index.infos:
                    found.add(self.index.resolve(ref))
        return frozenset(found)

    def find_tasks(self) -> tuple[Task, ...]:
        """Every confirmed task: decorated functions, then registered task classes."""
        found = []
        for facts in self.index.by_path.values():
            for fact in facts.tasks:
                task = self._make_task(facts, fact)
                if task is not None:
                    found.append(task)
        for qualname in sorted(self.registered_task_classes):
            found.append(self._class_task(self.index.task_class_index.infos[qualname]))
        return tuple(found)

    @cached_property
    def possible_task_names(self) -> frozenset[str]:
        """Names that may be tasks without being confirmed ones: functions under a decorator
        the index cannot confirm (a wrapper from another package) and ``celery.Task``
        subclasses (class-based tasks, registered with ``app.register_task``)."""
        confirmed = {(t.path, t.fact.function) for t in self.index.tasks}
        names: set[str] = set()
        for facts in self.index.by_path.values():
            for fact in facts.tasks:
                if (facts.path, fact.function) in confirmed:
                    continue
                explicit = next((o.value for o in fact.options if o.name == "name"), None)
                if isinstance(explicit, str) and explicit:
                    names.add(explicit)
                elif importable(facts.module):
                    names.add(generated_task_name(facts.module, fact.function))
        for qualname in self.index.task_classes:
            module, _, cls_name = qualname.rpartition(".")
            cls = next(c for c in self.index.modules[module].classes if c.name == cls_name)
            explicit = next((a.value for a in cls.attributes if a.name == "name"), None)
            if isinstance(explicit, str) and explicit:
                names.add(explicit)
            else:
                names.add(generated_task_name(module, cls_name))
        return frozenset(names)
