"""Project ``celery.Task`` subclasses and their class closures: which project classes
derive from ``celery.Task`` (also through an app's ``Task``), and what each sets along
its bases (:class:`TaskClass`: attribute options, members, ``self.<name>`` reads). The
index reads it as ``index.task_class_index``."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.factdata import ClassFact, ModuleFacts
from celerylint.kit.values import Ref, Value
from celerylint.project.task_model import OptionOrigin, TaskClass
from celerylint.semantics.tasks import TASK_BASE_CLASSES, is_app_task_class_ref

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


class TaskClassIndex:
    """The project's ``celery.Task`` subclasses, resolved lazily."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    @cached_property
    def names(self) -> frozenset[str]:
        """Qualified names of project classes derived from ``celery.Task`` (transitively),
        also through an app's ``Task`` (``class Base(app.Task)``)."""
        return (
            self.index.derived_classes(TASK_BASE_CLASSES, self.is_app_task_class)
            - TASK_BASE_CLASSES
        )

    def is_app_task_class(self, resolved: str) -> bool:
        return is_app_task_class_ref(resolved) and self.index.is_app(resolved[: -len(".Task")])

    @cached_property
    def _project_classes(self) -> dict[str, tuple[ModuleFacts, ClassFact]]:
        return {
            f"{facts.module}.{cls.name}": (facts, cls)
            for facts in self.index.modules.values()
            for cls in facts.classes
        }

    @cached_property
    def infos(self) -> dict[str, TaskClass]:
        """Each project task class, by qualified name, with what it sets along its bases."""
        memo: dict[str, TaskClass] = {}
        for qualname in sorted(self.names):
            self._class_info(qualname, memo, set())
        return {q: memo[q] for q in self.names if q in memo}

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
            resolved = self.index.resolve(base)
            if resolved in TASK_BASE_CLASSES or self.is_app_task_class(resolved):
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
            options[attribute.name] = self.index.literal(attribute.value)
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
        return self.infos.get(self.index.resolve(ref))

    def base_class(self, value: Value | None) -> tuple[TaskClass | None, bool]:
        """(the project base class, whether the base is known) for a ``base=`` value."""
        if value is None:
            return None, True
        if not isinstance(value, Ref):
            return None, False
        resolved = self.index.resolve(value.name)
        found = self.infos.get(resolved)
        if found is not None:
            return found, True
        if resolved in TASK_BASE_CLASSES or self.is_app_task_class(resolved):
            return None, True
        # Celery's own Task subclasses (``DjangoTask``, ``AbortableTask``) set no options
        return None, resolved.startswith("celery.") and resolved not in self.infos
