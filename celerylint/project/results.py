"""Project-level decisions of ``semantics/results.py`` (Is this expression a task result? A small intra-procedural dataflow over the walk): the
parts that read the project index or its configuration model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celerylint.factdata import ResultSource
from celerylint.project.option_sites import extra_option_names

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex
    from celerylint.project.task_model import Task
from celerylint.semantics.results import (
    CURRENT_APP_REFS,
)


def source_confirmed(source: ResultSource, index: ProjectIndex) -> bool:
    """Whether a result source is certainly Celery's: a call on a confirmed task, on a
    Celery app, or Celery's own API."""
    if source.kind == "celery":
        return True
    if source.ref is None:
        return False
    if source.kind == "task":
        return index.task_at(source.ref) is not None
    ref = index.resolve(source.ref)
    return ref in CURRENT_APP_REFS or index.is_app(ref) or index.task_at(ref) is not None


def source_task(source: ResultSource, index: ProjectIndex) -> Task | None:
    """The task whose result this is, when one task is known to produce it."""
    if source.kind == "task" and source.ref is not None:
        return index.task_at(source.ref)
    if source.task_name is not None and source_confirmed(source, index):
        found = index.tasks_by_name.get(source.task_name, [])
        return found[0] if len(found) == 1 else None
    return None


def production_backends(
    index: ProjectIndex, apps: frozenset[str] | None = None
) -> tuple[str, ...] | None:
    """The aliases (``rpc``, ``redis``, ``db``, ``disabled`` ...) of the result backends
    the project, or the given Celery apps, run with in production: one per write; ``()``
    when none is configured; None when that cannot be known (an environment-driven or
    computed value, an unresolved config source)."""
    from celerylint.project.calls import production_setting
    from celerylint.semantics.calls import backend_alias

    values = production_setting(index, "result_backend", apps)
    if values is None:
        return None
    aliases: list[str] = []
    for value in values:
        if value is None:
            aliases.append("disabled")
        elif isinstance(value, str):
            aliases.append(backend_alias(value))
        else:
            return None
    return tuple(aliases)


#: Celery's default ``result_serializer`` (``celery.app.defaults``)
DEFAULT_RESULT_SERIALIZER = "json"


def result_serializer(index: ProjectIndex, apps: frozenset[str] | None = None) -> str | None:
    """The ``result_serializer`` production runs with ("json" when none is set), or None
    when it is not one known name."""
    from celerylint.project.calls import production_setting

    values = production_setting(index, "result_serializer", apps)
    if values is None:
        return None
    if not values:
        return DEFAULT_RESULT_SERIALIZER
    names = set(values)
    if len(names) != 1:
        return None
    name = names.pop()
    return name if isinstance(name, str) else None


def task_apps(index: ProjectIndex, task: Task) -> frozenset[str] | None:
    """The Celery app a task is registered with (None: a shared task, any app)."""
    app = index.task_app(task)
    return frozenset({app}) if app is not None else None


def stores_result(task: Task, index: ProjectIndex) -> bool | None:
    """Whether the worker stores the task's return value in its own result backend, as far
    as ``ignore_result`` (the task's, its base class's, then ``task_ignore_result``) and
    ``backend=`` say; None when that is not known: a base class or app Task class the
    index cannot see, an option or setting that is not literal."""
    if extra_option_names(index, task) is None:
        return None  # a base class (or an app-wide Task class) we cannot see
    if task.option("backend") is not None:
        return None  # the task's own backend: not the project's configuration
    own = task.option("ignore_result")
    if isinstance(own, bool):
        return not own
    if own is not None:
        return None
    from celerylint.project.calls import production_setting

    values = production_setting(index, "task_ignore_result", task_apps(index, task))
    if values is None or any(not isinstance(v, bool) for v in values):
        return None
    if not values:
        return True
    if all(v is False for v in values):
        return True
    if all(v is True for v in values):
        return False
    return None


def project_defines_json(index: ProjectIndex) -> bool:
    """Whether a project class defines ``__json__``, the hook kombu's JSON encoder calls:
    a model may inherit it from any of them (files mentioning ``__json__`` are always
    analysed, see ``engine/prefilter.py``)."""
    return any(
        "__json__" in members.members
        for facts in index.by_path.values()
        for members in facts.class_members
    )
