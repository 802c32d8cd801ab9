from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module
from celerylint.semantics.tasks import generated_task_name


def _owner_score(task: Task) -> int:
    """How well a task's own module matches its name: the owner of a name keeps it."""
    assert task.name is not None
    own = generated_task_name(task.module, task.fact.function).split(".")
    score = 0
    for mine, theirs in zip(own, task.name.split("."), strict=False):
        if mine != theirs:
            break
        score += 1
    return score


def _location(task: Task) -> str:
    span = task.fact.decorator_span or task.fact.span
    return f"{task.path}:{span.line}" if span is not None else task.path


class DuplicateTaskName(ProjectRule):
    """
    ## What it does
    Reports a task whose name, explicit (`name="..."`) or generated from the module and
    function, is already taken by another task registered with the same app, and says
    where the other one is. The finding sits on the task decorator of the copy; the task
    whose module matches the name best (then the first by path) keeps it.

    `@shared_task` tasks join every app; `@app.task` tasks of different apps do not clash.
    Test modules, tasks defined inside functions, a function defined twice in one module
    (`if`/`else` variants) and two files that import as the same module (separate projects
    in one repository) are left alone.

    ## Why is this bad?
    Celery keeps the callable registered first: calls under that name reach whichever
    module was imported first, and the other function never runs. Celery 5.7 only emits a
    `DuplicateTaskNameWarning` at start-up.

    ## Use instead
    ```python
    # notifications/tasks.py
    @shared_task(name="notifications.rebuild_index")
    def rebuild_notifications_index(): ...
    ```

    ## Fix safety
    There is no fix: which task should be renamed, and whether queued messages use the old
    name, is for a human to decide.
    """

    code = "CEL106"
    name = "duplicate-task-name"
    message = (
        "Task name `{name}` is already taken by `{other}` at {where}; Celery runs only one of them"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task(name="shop.rebuild_search_index")
                    def rebuild_search_index(order_id):
                        return order_id
                """,
                "notifications/__init__.py": "",
                "notifications/tasks.py": """
                    from celery import shared_task


                    @shared_task(name="shop.rebuild_search_index")  # error: CEL106
                    def rebuild_notifications_index():
                        return None
                """,
            }
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                """,
                "proj/tasks.py": """
                    from celery import shared_task

                    from proj.celery import app


                    @app.task
                    def cleanup():
                        return None


                    @shared_task(name="proj.tasks.cleanup")  # error: CEL106
                    def cleanup_v2():
                        return None
                """,
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task
                    from django.conf import settings

                    if settings.SEARCH_BACKEND == "elastic":

                        @shared_task
                        def reindex(pk):
                            return pk

                    else:

                        @shared_task
                        def reindex(pk):
                            return None
                """,
                "shop/tests/__init__.py": "",
                "shop/tests/test_tasks.py": """
                    from celery import shared_task


                    @shared_task(name="shop.tasks.reindex")
                    def fake_reindex(pk):
                        return pk
                """,
                "alpha/__init__.py": "",
                "alpha/worker.py": """
                    from celery import Celery

                    app = Celery("alpha")


                    @app.task(name="ping")
                    def ping():
                        return "alpha"
                """,
                "beta/__init__.py": "",
                "beta/worker.py": """
                    from celery import Celery

                    app = Celery("beta")


                    @app.task(name="ping")
                    def ping():
                        return "beta"
                """,
            }
        ),
        Valid(
            files={
                "service_a/app/__init__.py": "",
                "service_a/app/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def sync():
                        return "a"
                """,
                "service_b/app/__init__.py": "",
                "service_b/app/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def sync():
                        return "b"
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for name, group in index.tasks_by_name.items():
            tasks = [t for t in group if t.fact.module_level and not is_test_module(t.module)]
            if len(tasks) < 2:
                continue
            tasks.sort(
                key=lambda t: (-_owner_score(t), t.path, t.fact.span.line if t.fact.span else 0)
            )
            for i, task in enumerate(tasks[1:], start=1):
                span = task.fact.decorator_span or task.fact.span
                if span is None:
                    continue
                other = next((o for o in tasks[:i] if self._clash(index, o, task)), None)
                if other is None:
                    continue
                yield Finding(
                    task.path,
                    span,
                    {"name": name, "other": other.qualname, "where": _location(other)},
                )

    @staticmethod
    def _clash(index: ProjectIndex, first: Task, second: Task) -> bool:
        if first.module == second.module:
            # the same function defined twice (``if``/``else``) or the same module name in
            # two source trees: only one of them is ever imported
            return first.path == second.path and first.fact.function != second.fact.function
        app_a, app_b = index.task_app(first), index.task_app(second)
        return app_a is None or app_b is None or app_a == app_b
