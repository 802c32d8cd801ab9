from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.upgrade import PERIODIC_TASK_CLASSES, PERIODIC_TASK_DECORATORS


class PeriodicTaskDecorator(FileRule):
    """
    ## What it does
    Finds tasks made periodic the Celery 3 way: the `@periodic_task(run_every=...)`
    decorator, and `PeriodicTask` subclasses that set `run_every`.

    ## Why is this bad?
    Both lived in `celery.task`, which Celery 5.0 removed: the module no longer imports, and
    even with a shim nothing would schedule the task, because beat only reads its schedule
    from `beat_schedule` or from `add_periodic_task()` (*Periodic Tasks → Entries*). The
    job silently stops running.

    ## Use instead
    ```python
    # tasks.py
    @shared_task
    def purge_sessions(): ...


    # settings.py
    CELERY_BEAT_SCHEDULE = {
        "purge-sessions": {
            "task": "accounts.tasks.purge_sessions",
            "schedule": crontab(minute=0, hour=3),
        },
    }
    ```

    ## Fix safety
    There is no automatic fix: the schedule moves to the settings (or to the app module),
    often in another file, and the task name it refers to must be checked by hand.
    """

    code = "CEL802"
    name = "periodic-task-decorator"
    message = (
        "`{what}` was removed in Celery 5 and beat never schedules it: make it a "
        "`@shared_task` and add a `beat_schedule` entry"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            from celery.schedules import crontab
            from celery.task import periodic_task


            @periodic_task(run_every=crontab(minute=0, hour=3))  # error: CEL802
            def purge_sessions():
                pass
            """
        ),
        Invalid(
            """
            from datetime import timedelta

            from celery.task import PeriodicTask


            class RefreshRates(PeriodicTask):  # error@7: CEL802
                run_every = timedelta(minutes=10)

                def run(self):
                    pass
            """
        ),
        Invalid(
            """
            from celery import decorators


            @decorators.periodic_task(run_every=60)  # error: CEL802
            def ping():
                pass
            """
        ),
        Valid(
            """
            from celery import shared_task
            from celery.schedules import crontab


            @shared_task
            def purge_sessions():
                pass


            CELERY_BEAT_SCHEDULE = {
                "purge-sessions": {
                    "task": "accounts.tasks.purge_sessions",
                    "schedule": crontab(minute=0, hour=3),
                },
            }
            """
        ),
        Valid(
            """
            # a project's own helper with the same name is not Celery's
            from myproject.scheduling import PeriodicTask, periodic_task


            @periodic_task(run_every=60)
            def ping():
                pass


            class Refresh(PeriodicTask):
                run_every = 60
            """
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            expr = decorator.decorator
            callee = expr.func if isinstance(expr, cst.Call) else expr
            if self.ctx.resolve(callee) in PERIODIC_TASK_DECORATORS:
                self.report(decorator, what="@periodic_task")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not any(
            arg.keyword is None and self.ctx.resolve(arg.value) in PERIODIC_TASK_CLASSES
            for arg in node.bases
        ):
            return
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                targets = (
                    [t.target for t in small.targets]
                    if isinstance(small, cst.Assign)
                    else [small.target]
                    if isinstance(small, cst.AnnAssign)
                    else []
                )
                if any(isinstance(t, cst.Name) and t.value == "run_every" for t in targets):
                    self.report(node.name, what="PeriodicTask")
                    return
