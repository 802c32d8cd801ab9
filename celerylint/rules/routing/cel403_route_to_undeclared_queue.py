from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.routing_model import routing_model
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.queue_consumers import Consumed, queue_consumed

_TASKS = {
    "proj/__init__.py": "",
    "reports/__init__.py": "",
    "reports/tasks.py": """
        from celery import shared_task


        @shared_task
        def build(report_id):
            return report_id


        @shared_task
        def export(report_id):
            return report_id
    """,
}


class RouteToUndeclaredQueue(ProjectRule):
    """
    ## What it does
    Reports a route, a task `queue=` option, an `apply_async(queue=...)` call or a beat
    entry's `options={"queue": ...}` that sends tasks to a queue no worker consumes: one
    that `task_queues` does not declare (workers started without `-Q` consume exactly
    `task_queues`), or, when worker start commands are found (Procfile, Makefile,
    compose, systemd, shell entrypoints, Kubernetes manifests), one that no worker's
    `-Q` list names.

    It is an **error** when `task_create_missing_queues` is off: then sending to an
    undeclared queue raises `QueueNotFound`. A worker started with `-Q` that names the
    queue consumes it (Celery creates missing queues by default), so the rule stays
    quiet then. Without `task_queues` and without worker commands nothing can be told,
    and the rule stays silent.

    ## Why is this bad?
    With `task_create_missing_queues=True` (the default) the producer creates the queue
    and the messages pile up there, unread: the tasks never run and nothing reports it.
    With `task_create_missing_queues=False`, `Router.expand_destination` raises
    `QueueNotFound` at the call.

    ## Use instead
    ```python
    CELERY_TASK_QUEUES = (Queue("celery"), Queue("reports"), Queue("exports"))
    CELERY_TASK_ROUTES = {"reports.tasks.export": {"queue": "exports"}}
    ```

    ## Fix safety
    There is no automatic fix: declare the queue, start a worker for it, or route the
    task to an existing queue.
    """

    code = "CEL403"
    name = "route-to-undeclared-queue"
    message = "{what} sends tasks to `{queue}`, which no worker consumes: {reason}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    from kombu import Queue

                    CELERY_TASK_QUEUES = (Queue("celery"), Queue("reports"))
                    CELERY_TASK_ROUTES = {
                        "reports.tasks.build": "reports",
                        "reports.tasks.export": {"queue": "exports"},  # error@39: CEL403
                    }
                """,
            }
        ),
        # worker commands decide: every worker uses -Q without the queue
        Invalid(
            files={
                **_TASKS,
                "docker-compose.yml": """
                    services:
                      worker:
                        command: celery -A proj worker -Q celery,reports
                """,
                "mail/__init__.py": "",
                "mail/tasks.py": """
                    from celery import shared_task


                    @shared_task(queue="emails")  # error@14: CEL403
                    def send(user_id):
                        return user_id


                    def send_later(user_id):
                        send.apply_async((user_id,), queue="mail")  # error: CEL403
                """,
            }
        ),
        # task_create_missing_queues off: sending raises QueueNotFound (an error)
        Invalid(
            files={
                **_TASKS,
                "proj/celeryconfig.py": """
                    from kombu import Queue

                    task_queues = [Queue("celery"), Queue("reports")]
                    task_create_missing_queues = False
                    beat_schedule = {
                        "nightly-export": {
                            "task": "reports.tasks.export",
                            "schedule": 86400,
                            "options": {"queue": "exports"},  # error@30: CEL403
                        },
                    }
                """,
            }
        ),
        # a worker started with -Q for the queue consumes it even though task_queues lacks it
        Valid(
            files={
                **_TASKS,
                "Procfile": """
                    worker: celery -A proj worker
                    exporter: celery -A proj worker -Q exports
                """,
                "proj/settings.py": """
                    from kombu import Queue

                    CELERY_TASK_QUEUES = (Queue("celery"), Queue("reports"))
                    CELERY_TASK_ROUTES = {"reports.tasks.export": {"queue": "exports"}}
                """,
            }
        ),
        # no task_queues and no worker command: nothing tells which queues are consumed
        Valid(
            files={
                **_TASKS,
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"reports.tasks.*": "reports"}',
            }
        ),
        # task_queues built at run time
        Valid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    import os

                    from kombu import Queue

                    CELERY_TASK_QUEUES = [Queue(q) for q in os.environ["QUEUES"].split(",")]
                    CELERY_TASK_ROUTES = {"reports.tasks.*": "reports"}
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        model = routing_model(index)
        if not model.complete:
            return  # some app reads configuration we cannot follow
        default = model.default_queue
        if default is None:
            return
        declared = model.queues
        strict_queues = model.create_missing_queues is False
        seen: set[tuple[str, int, int]] = set()
        for use in model.queue_uses():
            if use.span is None:
                continue
            key = (use.path, use.span.line, use.span.column)
            if key in seen:
                continue
            what = use.what[:1].upper() + use.what[1:]
            if strict_queues and declared.declares(use.queue) is False:
                seen.add(key)
                yield Finding(
                    use.path,
                    use.span,
                    message=(
                        f"{what} sends tasks to `{use.queue}`, which `task_queues` does not "
                        "declare: with `task_create_missing_queues` off, sending raises "
                        "`QueueNotFound`"
                    ),
                    severity=Severity.ERROR,
                )
                continue
            evidence = queue_consumed(use.queue, model.workers, declared, default)
            if evidence.verdict is Consumed.NO:
                seen.add(key)
                yield Finding(
                    use.path,
                    use.span,
                    {"what": what, "queue": use.queue, "reason": evidence.reason},
                )
