"""Project-level decisions of ``semantics/calls.py`` (How a task is called: what reaches the task, which keywords are execution options,): the
parts that read the project index or its configuration model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celerylint.kit.values import (
    UNKNOWN,
    DictValue,
    Value,
)
from celerylint.semantics import celery_data

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex
    from celerylint.project.task_model import Task
from celerylint.semantics.calls import (
    THIRD_PARTY_BACKEND_CHORDS,
    BeatCall,
    _literal_count,
    backend_alias,
)


def production_setting(
    index: ProjectIndex, setting: str, apps: frozenset[str] | None = None
) -> tuple[Value, ...] | None:
    """The literal values ``setting`` takes in production (one per write that reaches a
    production configuration), or None when they cannot all be known: no configuration
    found, an unresolved config source, an environment-driven or computed value.
    ``apps`` limits it to the configuration those Celery apps read."""
    from celerylint.project.config_model import ProjectConfig

    config = ProjectConfig.of(index)
    if not config.has_sources or not config.complete:
        return None
    found: list[Value] = []
    for value in config.production_values(setting):
        if apps is not None and value.source.apps and not apps & set(value.source.apps):
            continue
        if (
            value.env_driven
            or value.value is UNKNOWN
            or value.op not in ("=", "init", "attr", "update")
        ):
            return None
        found.append(value.value)
    return tuple(found)


def ignores_result(task: Task, index: ProjectIndex) -> str | None:
    """Why ``task`` does not store its result (for messages), or None when it does or
    when that is not known."""
    own = task.option("ignore_result")
    if own is True:
        return "`ignore_result=True`"
    if own is not None:
        return None
    values = production_setting(index, "task_ignore_result")
    if values and all(v is True for v in values):
        return "the `task_ignore_result` setting is on"
    return None


def checkable_task(index: ProjectIndex, ref: str | None, name: str | None = None) -> Task | None:
    """The task a call or signature targets, by reference (``t.delay``) or by wire name
    (``send_task("n")``, ``signature("n")``), when its signature can be trusted: not
    wrapped by other decorators, which may change it."""
    task: Task | None = None
    if ref is not None:
        task = index.task_at(ref)
    elif name is not None:
        found = index.tasks_by_name.get(name, [])
        task = found[0] if len(found) == 1 else None
    if task is None or task.fact.decorator_count > 1:
        return None
    return task


def beat_arguments(index: ProjectIndex) -> list[BeatCall]:
    """Every ``beat_schedule`` entry whose task name, ``args`` and ``kwargs`` are literal."""
    from celerylint.project.config_model import ProjectConfig

    found: list[BeatCall] = []
    for setting in ProjectConfig.of(index).values("beat_schedule"):
        schedule = index.value_of(setting.value)
        if not isinstance(schedule, DictValue):
            continue
        facts = index.by_path.get(setting.path)
        for key, raw in schedule.items:
            entry = index.value_of(raw)
            if not isinstance(key, str) or not isinstance(entry, DictValue) or not entry.complete:
                continue
            task = index.value_of(entry.get("task"))
            args = index.value_of(entry.get("args"))
            kwargs = index.value_of(entry.get("kwargs"))
            if not isinstance(task, str):
                continue
            positional = 0 if args is None else _literal_count(args)
            if positional is None:
                continue
            keywords: tuple[str, ...] = ()
            if isinstance(kwargs, DictValue):
                names = [k for k, _ in kwargs.items]
                if not kwargs.complete or not all(isinstance(k, str) for k in names):
                    continue
                keywords = tuple(k for k in names if isinstance(k, str))
            elif kwargs is not None:
                continue
            span = setting.span
            if facts is not None:
                span = next(
                    (
                        lit.span
                        for lit in facts.routing_literals
                        if lit.role == "beat-task" and lit.text == task and lit.span is not None
                    ),
                    span,
                )
            if span is not None:
                found.append(BeatCall(key, task, positional, keywords, setting.path, span))
    return found


def chord_support(
    index: ProjectIndex, apps: frozenset[str] | None = None
) -> tuple[str, str] | None:
    """(the backend alias, "native" | "polling" | "unsupported") for the result backend
    the project (or the given Celery apps) runs with in production, or None when that is
    not known for sure (no backend set: CEL510's; several that disagree; one from the
    environment)."""
    values = production_setting(index, "result_backend", apps)
    if not values:
        return None
    verdicts: set[tuple[str, str]] = set()
    for value in values:
        if value is None:
            verdicts.add(("disabled", "unsupported"))
            continue
        if not isinstance(value, str):
            return None
        alias = backend_alias(value)
        support = celery_data.RESULT_BACKEND_CHORDS.get(alias) or THIRD_PARTY_BACKEND_CHORDS.get(
            alias
        )
        if support is None:
            return None
        verdicts.add((alias, str(support)))
    if len({support for _, support in verdicts}) != 1:
        return None
    return sorted(verdicts)[0]
