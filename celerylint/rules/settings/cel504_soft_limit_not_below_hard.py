from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity, Span
from celerylint.project.config_checks import number
from celerylint.project.config_model import ProjectConfig
from celerylint.project.config_select import per_unit_production_values
from celerylint.project.config_types import ConfigValue
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project, env_selected_project
from celerylint.semantics.django import is_test_module

_Pair = tuple[float, ConfigValue] | None


def _one(values: tuple[ConfigValue, ...]) -> _Pair:
    found = {number(v.value) for v in values}
    if len(values) == 0 or len(found) != 1 or None in found:
        return None
    value = next(iter(found))
    assert value is not None
    return value, values[-1]


def _per_unit(config: ProjectConfig) -> list[tuple[_Pair, _Pair]]:
    """(hard, soft) in each production/staging unit, with what it inherits."""
    hard = per_unit_production_values(config, "task_time_limit")
    soft = per_unit_production_values(config, "task_soft_time_limit")
    return [(_one(hard.get(unit, ())), _one(soft.get(unit, ()))) for unit in soft]


def _global(config: ProjectConfig, setting: str) -> _Pair:
    """The one known production value of a numeric setting."""
    return _one(config.production_values(setting))


def _option_span(task: Task, name: str) -> Span | None:
    for option in task.fact.options:
        if option.name == name and option.span is not None:
            return option.span
    return task.fact.decorator_span


def _seconds(value: float) -> str:
    return f"{value:g} s"


class SoftLimitNotBelowHard(ProjectRule):
    """
    ## What it does
    Reports a soft time limit that is not below the hard time limit, for a task (its
    `soft_time_limit`/`time_limit` options) or for every task (`task_soft_time_limit` /
    `task_time_limit` in production settings), combining task options with the global
    settings the way the worker does.

    ## Why is this bad?
    billiard checks the hard limit before the soft one: with `soft >= hard` the process is
    killed before `SoftTimeLimitExceeded` is raised, so the task never gets the chance to
    clean up.

    ## Use instead
    ```python
    @shared_task(time_limit=90, soft_time_limit=60)
    def export(): ...
    ```

    ## Fix safety
    There is no fix: which limit is wrong is for a human to decide.
    """

    code = "CEL504"
    name = "soft-limit-not-below-hard"
    message = (
        "The soft time limit ({soft}) is not below the hard time limit ({hard}){scope}; "
        "the worker kills the task before `SoftTimeLimitExceeded` can be raised"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            # staging (a sibling of the env-selected default) inherits production's limits
            files=env_selected_project(
                {
                    "base": """
                        broker_url = "redis://redis:6379/0"
                        task_time_limit = 300
                        task_soft_time_limit = 240
                    """,
                    "production": "from ledger.config.base import *  # noqa: F403",
                    "staging": """
                        from ledger.config.production import *  # noqa: F403

                        task_soft_time_limit = 600  # error: CEL504
                    """,
                }
            )
        ),
        Invalid(
            # Django settings: a staging module that inherits production and raises the limit
            files=django_project(
                {
                    "production": """
                        CELERY_TASK_TIME_LIMIT = 300
                        CELERY_TASK_SOFT_TIME_LIMIT = 240
                    """,
                    "staging": """
                        from .production import *  # noqa: F403

                        CELERY_TASK_SOFT_TIME_LIMIT = 300  # error: CEL504
                    """,
                }
            )
        ),
        Valid(
            # a test-only module selected from conftest.py may do as it likes
            files=env_selected_project(
                {
                    "base": """
                        broker_url = "redis://redis:6379/0"
                        task_time_limit = 300
                        task_soft_time_limit = 240
                    """,
                    "production": "from ledger.config.base import *  # noqa: F403",
                    "ci_fast": """
                        from ledger.config.base import *  # noqa: F403

                        task_soft_time_limit = 900
                    """,
                },
                {
                    "conftest.py": """
                        import os

                        os.environ["LEDGER_CELERY_CONFIG"] = "ledger.config.ci_fast"
                    """,
                },
            )
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task(time_limit=60, soft_time_limit=60)  # error@29: CEL504
                    def export_orders():
                        return None
                """,
            }
        ),
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_TASK_TIME_LIMIT = 300
                        CELERY_TASK_SOFT_TIME_LIMIT = 300  # error: CEL504
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": """
                        from celery import shared_task


                        @shared_task(soft_time_limit=600)  # error@14: CEL504
                        def rebuild_index():
                            return None
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_TASK_TIME_LIMIT = 300
                        CELERY_TASK_SOFT_TIME_LIMIT = 240
                    """,
                    "test": """
                        CELERY_TASK_TIME_LIMIT = 10
                        CELERY_TASK_SOFT_TIME_LIMIT = 20
                    """,
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": """
                        from celery import shared_task


                        @shared_task(time_limit=90, soft_time_limit=60)
                        def export_orders():
                            return None


                        @shared_task(time_limit=1200, soft_time_limit=600)
                        def rebuild_index():
                            return None


                        @shared_task(soft_time_limit=120)
                        def ping():
                            return None
                    """,
                },
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        hard_global = _global(config, "task_time_limit")
        soft_global = _global(config, "task_soft_time_limit")
        pairs = [(hard_global, soft_global), *_per_unit(config)]
        seen: set[tuple[str, Span]] = set()
        for hard_pair, soft_pair in pairs:
            if hard_pair is None or soft_pair is None:
                continue
            hard, _ = hard_pair
            soft, value = soft_pair
            if not (soft >= hard > 0 and soft > 0) or value.span is None:
                continue
            if (value.path, value.span) in seen:
                continue
            seen.add((value.path, value.span))
            yield Finding(
                value.path,
                value.span,
                {
                    "soft": f"`{value.name}` = {_seconds(soft)}",
                    "hard": _seconds(hard),
                    "scope": " for every task",
                },
            )
        for task in index.tasks:
            if not task.fact.module_level or is_test_module(task.module):
                continue
            yield from self._task(task, hard_global, soft_global)

    def _task(
        self,
        task: Task,
        hard_global: tuple[float, ConfigValue] | None,
        soft_global: tuple[float, ConfigValue] | None,
    ) -> Iterable[Finding]:
        soft_option = number(task.option("soft_time_limit"))
        hard_option = number(task.option("time_limit"))
        if soft_option is None and hard_option is None:
            return
        if soft_option is not None and hard_option is not None:
            soft, hard, at = soft_option, hard_option, "soft_time_limit"
            hard_text = f"`time_limit={hard:g}`"
        elif soft_option is not None and hard_global is not None:
            soft, hard, at = soft_option, hard_global[0], "soft_time_limit"
            hard_text = f"`{hard_global[1].name}` = {_seconds(hard)}"
        elif hard_option is not None and soft_global is not None:
            soft, hard, at = soft_global[0], hard_option, "time_limit"
            hard_text = f"`time_limit={hard:g}`"
        else:
            return
        if not (soft >= hard > 0 and soft > 0):
            return
        span = _option_span(task, at)
        if span is None:
            return
        soft_text = (
            f"`soft_time_limit={soft:g}`" if soft_option is not None else f"global {_seconds(soft)}"
        )
        yield Finding(
            task.path,
            span,
            {"soft": soft_text, "hard": hard_text, "scope": f" of task `{task.qualname}`"},
        )
