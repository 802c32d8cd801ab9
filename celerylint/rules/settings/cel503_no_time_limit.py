from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.config_env import Kind
from celerylint.semantics.django import is_test_module

TASKS = """
    from celery import shared_task


    @shared_task
    def sync_inventory():  # error@5: CEL503
        return None


    @shared_task(time_limit=120)
    def build_report():
        return None
"""


def configuration_visible(index: ProjectIndex) -> bool:
    """True when celerylint sees where the project configures Celery: every app's source
    could be followed and the broker is set somewhere it can read."""
    config = index.config
    return config.has_sources and config.complete and bool(config.values("broker_url"))


class NoTimeLimit(ProjectRule):
    """
    ## What it does
    Reports tasks that have no `time_limit` when no global `task_time_limit` is set in the
    project's Celery configuration. It only runs when celerylint can see that
    configuration (the settings that set the broker). Off by default.

    ## Why is this bad?
    Celery has no time limit by default (Configuration → `task_time_limit`): one call that
    hangs on a socket holds a worker process forever, and enough of them stop the worker.

    ## Use instead
    ```python
    @shared_task(time_limit=300, soft_time_limit=240)
    def sync_inventory(): ...
    ```
    or set `CELERY_TASK_TIME_LIMIT` for every task.

    ## Fix safety
    There is no fix: a good limit depends on the task.
    """

    code = "CEL503"
    name = "no-time-limit"
    message = (
        "Task `{task}` has no `time_limit` and no global `task_time_limit` is set; "
        "a call that hangs holds a worker process forever"
    )
    severity = Severity.INFO
    default_enabled = False
    examples = (
        Invalid(
            files=django_project(
                {"production": 'CELERY_BROKER_URL = "redis://redis:6379/0"'},
                {"shop/__init__.py": "", "shop/tasks.py": TASKS},
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_TIME_LIMIT = 600
                    """
                },
                {"shop/__init__.py": "", "shop/tasks.py": TASKS.replace("  # error@5: CEL503", "")},
            )
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": TASKS.replace("  # error@5: CEL503", ""),
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        if not configuration_visible(index):
            return
        config = index.config
        for value in config.values("task_time_limit"):
            if value.kind not in {Kind.TEST, Kind.DEVELOPMENT}:
                return  # set for production (or where celerylint cannot tell)
        for task in index.tasks:
            if not task.fact.module_level or is_test_module(task.module):
                continue
            if task.option("time_limit") is not None or task.fact.span is None:
                continue
            if "base" in task.options:
                continue  # a custom Task class may set the limit
            yield Finding(task.path, task.fact.span, {"task": task.qualname})
