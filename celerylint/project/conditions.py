"""Whether a per-file finding's ``TaskCondition`` holds (see ``diagnostics.py``): the
function it names must be a confirmed task (or a task class, or a decorator alias or
wrapper), the listed options must have the expected effective values, and so on. The
runner drops the findings whose condition does not hold (``ProjectIndex.condition_holds``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celerylint.diagnostics import TaskCondition
from celerylint.kit.values import UNKNOWN
from celerylint.project.task_model import Decorator, Task, TaskClass, truthy
from celerylint.semantics.sqlalchemy_orm import holds as orm_holds

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


def condition_holds(index: ProjectIndex, path: str, condition: TaskCondition) -> bool:
    """Does a per-file finding's ``TaskCondition`` hold (see ``diagnostics.py``)?"""
    holder: Task | TaskClass | Decorator | None
    facts = index.by_path.get(path)
    if condition.task_ref:
        holder = index.task_at(condition.task_ref)
    elif condition.holder == "class":
        holder = index.task_class(f"{facts.module}.{condition.function}") if facts else None
    elif condition.holder == "factory":
        found = (
            index.task_finder.decorator(f"{facts.module}.{condition.function}") if facts else None
        )
        holder = found if found is not None and found.factory is not None else None
    else:
        holder = index.task_for(path, condition.function)
    if holder is None:
        return False
    if condition.orm_kinds and not orm_holds(
        condition.orm_path, condition.orm_kinds, index.assigned_value, index.class_bases
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
    return bool(condition.or_setting) and _setting_truthy(
        index, holder, condition.or_setting, condition.any_truthy
    )


def _setting_truthy(
    index: ProjectIndex,
    holder: Task | TaskClass | Decorator,
    setting: str,
    options: tuple[str, ...],
) -> bool:
    """The production configuration sets ``setting`` to a known truthy value for the
    task's app, and the task leaves ``options`` unset (so the setting applies)."""
    if not isinstance(holder, Task) or any(o in holder.options for o in options):
        return False
    if not holder.options_complete or not holder.base_known:
        return False
    if holder.base is not None and any(o in holder.base.options for o in options):
        return False
    values = index.config.values_for(setting, index.task_app(holder))
    return bool(values) and all(truthy(c) for v in values for c in v.candidates)
