from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics import celery_data

#: the task attributes ``Task.bind`` warns about (read from the installed celery)
ROUTING_ATTRIBUTES = frozenset(celery_data.TASK_DEPRECATED_ATTRIBUTES)
#: the first Celery release whose ``Task.bind`` warns about them
DEPRECATED_SINCE = (5, 7)


class RoutingTaskAttribute(ProjectRule):
    """
    ## What it does
    Finds routing and delivery options set on the task itself: `queue=`, `exchange=`,
    `exchange_type=`, `routing_key=`, `delivery_mode=` or `priority=` in a task decorator,
    or as class attributes of a `celery.Task` subclass.

    ## Why is this bad?
    Celery 5.7 deprecates these task attributes: `Task.bind` warns "The 'queue' task
    attribute is deprecated ... Use the task_routes setting instead", and in Celery 6.0
    they will have no effect (*Deprecation Time-line → Removals for version 6.0*). The
    tasks would then silently go to the default queue, where perhaps no worker listens.
    Routes in `task_routes` also keep the routing of the whole project in one place.

    ## Use instead
    ```python
    @shared_task
    def build_report(report_id): ...


    # settings.py
    CELERY_TASK_ROUTES = {"reports.tasks.build_report": {"queue": "reports", "priority": 3}}
    ```
    Per-call options (`build_report.apply_async((7,), queue="reports")`) are not affected.

    The rule is quiet while the project targets a Celery older than 5.7 (`celery-version`
    in `[tool.celerylint]`, else the lowest version its requirements allow), where these
    attributes are not deprecated.

    ## Fix safety
    There is no automatic fix: the route belongs in the settings, usually another file.
    """

    code = "CEL805"
    name = "routing-task-attribute"
    message = (
        "`{option}` set on the task is deprecated and ignored from Celery 6: route the task "
        "with `task_routes` instead"
    )
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(queue="reports", priority=3)  # error@14: CEL805  # error@31: CEL805
            def build_report(report_id):
                return report_id
            """,
            path="reports/tasks.py",
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "reports/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery, Task

                    app = Celery("proj")


                    class ReportTask(Task):
                        routing_key = "reports.build"  # error: CEL805
                        max_retries = 2


                    class NightlyTask(ReportTask):
                        exchange = "nightly"  # error: CEL805
                """,
                "reports/tasks.py": """
                    from proj.celery import app


                    @app.task(bind=True, exchange_type="topic")  # error@22: CEL805
                    def build_report(self, report_id):
                        return report_id
                """,
            }
        ),
        Valid(
            """
            from celery import Task, shared_task


            @shared_task(max_retries=3, rate_limit="10/m")
            def build_report(report_id):
                return report_id


            class Base(Task):
                max_retries = 2


            def dispatch():
                # per-call routing options are fine
                build_report.apply_async((7,), queue="reports", priority=3)
            """,
            path="reports/tasks.py",
        ),
        Valid(
            # the project pins a Celery that does not deprecate these attributes yet
            files={
                "requirements.txt": "celery==5.4.0\nredis>=5\n",
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task(queue="reports", priority=3)
                    def build_report(report_id):
                        return report_id
                """,
            }
        ),
        Valid(
            """
            # not Celery: a project decorator and class that happen to take these names
            from jobs import job, Job


            @job(queue="reports")
            def build_report(report_id):
                return report_id


            class Nightly(Job):
                queue = "nightly"
            """,
            path="reports/tasks.py",
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        if index.config.celery_version.version < DEPRECATED_SINCE:
            return
        for task in index.tasks:
            for option in task.fact.options:
                if option.name in ROUTING_ATTRIBUTES and option.span is not None:
                    yield Finding(task.path, option.span, {"option": option.name})
        task_classes = index.task_classes
        for facts in index.by_path.values():
            for cls in facts.classes:
                if f"{facts.module}.{cls.name}" not in task_classes:
                    continue
                for attribute in cls.attributes:
                    if attribute.name in ROUTING_ATTRIBUTES and attribute.span is not None:
                        yield Finding(facts.path, attribute.span, {"option": attribute.name})
