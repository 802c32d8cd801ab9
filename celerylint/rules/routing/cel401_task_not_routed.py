from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.routing_model import routing_model
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module
from celerylint.semantics.queue_consumers import Consumed, queue_consumed
from celerylint.semantics.routing import BUILTIN_TASK_NAMES

_TASKS = {
    "mail/__init__.py": "",
    "mail/tasks.py": """
        from celery import shared_task


        @shared_task
        def send_welcome(user_id):
            return user_id
    """,
    "reports/__init__.py": "",
}
_UNROUTED_REPORT = """
    from celery import shared_task


    @shared_task
    def build(report_id):  # error@5: CEL401
        return report_id
"""
_REPORT = """
    from celery import shared_task


    @shared_task
    def build(report_id):
        return report_id
"""


class TaskNotRouted(ProjectRule):
    """
    ## What it does
    Reports a task that no route, task `queue=` option, per-call `apply_async(queue=...)`
    or beat `options={"queue": ...}` sends anywhere, when the project's own evidence says
    the default queue it lands on (`task_default_queue`, `celery` unless set) is not
    consumed.

    It is an **error** when the evidence shows that no worker consumes the default queue:
    `task_queues` is declared without it, or every worker command found in the Procfile,
    Makefile, justfile, compose files, systemd units, supervisor and uwsgi configs, shell
    entrypoints (`*.sh`, `*.bash`, extensionless scripts in `bin/`, `scripts/`, `docker/`) or
    Kubernetes manifests
    starts with a `-Q` list without it. It stays **silent** when no worker command and
    no `task_queues` can be found to tell (missing evidence is no evidence), when some
    worker command cannot be read fully (`-Q $QUEUES`, `celery multi`, a command built in
    Python with `subprocess` or an invoke/fabric task), when a worker is known to consume the default queue (routing a few heavy
    tasks and letting the rest default is a common, deliberate setup), when the project
    routes nothing at all, and when a router it cannot evaluate (a dynamic route table,
    a router class, a function doing more than `if` tests on the task name that return
    literals) or a configuration source it cannot follow makes the routing unknowable.
    Set `strict-routing = true` in `[tool.celerylint]` to flag every task without an
    explicit route.

    ## Why is this bad?
    Celery sends an unrouted task to `task_default_queue`. When workers only consume the
    queues they are told to (`-Q emails,reports`, or `task_queues` without the default
    queue), the message waits in a queue nobody reads: the task never runs and nothing
    reports an error. The Celery docs on `task_default_queue`: "This queue must be listed
    in `task_queues`".

    ## Use instead
    ```python
    CELERY_TASK_ROUTES = {"mail.tasks.*": "emails", "reports.tasks.*": "reports"}
    ```

    ## Fix safety
    There is no automatic fix: which queue a task belongs on is a deployment decision.
    """

    code = "CEL401"
    name = "task-not-routed"
    message = "`{task}` matches no route and goes to the default queue `{queue}`{reason}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                **_TASKS,
                "proj/__init__.py": "",
                "proj/settings.py": """
                    from kombu import Queue

                    CELERY_TASK_QUEUES = (Queue("emails"), Queue("reports"))
                    CELERY_TASK_ROUTES = {"mail.tasks.*": {"queue": "emails"}}
                """,
                "reports/tasks.py": _UNROUTED_REPORT,
            }
        ),
        Invalid(
            files={
                **_TASKS,
                "Procfile": """
                    web: gunicorn proj.wsgi
                    worker: celery -A proj worker -Q emails,reports --concurrency 4
                """,
                "proj/__init__.py": "",
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}',
                "reports/tasks.py": _UNROUTED_REPORT,
            }
        ),
        # routes, but no worker command or task_queues to tell: absence is no evidence
        Valid(
            files={
                **_TASKS,
                "proj/__init__.py": "",
                "proj/celeryconfig.py": 'task_routes = {"mail.tasks.send_welcome": "emails"}',
                "reports/tasks.py": _REPORT,
            }
        ),
        # the Procfile's worker skips the default queue, but a Python launcher builds
        # another worker command whose queues cannot be read
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails",
                "proj/__init__.py": "",
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}',
                "proj/launch.py": """
                    import subprocess


                    def start(queues):
                        subprocess.Popen(f"celery -A proj worker -Q {queues}", shell=True)
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # a worker started by a bash entrypoint without -Q consumes the default queue
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails",
                "docker/entrypoint.bash": "exec celery -A proj worker --loglevel info",
                "proj/__init__.py": "",
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}',
                "reports/tasks.py": _REPORT,
            }
        ),
        # strict-routing: every unrouted task, even when a worker consumes the default queue
        Invalid(
            files={
                **_TASKS,
                "pyproject.toml": """
                    [tool.celerylint]
                    strict-routing = true
                """,
                "Procfile": "worker: celery -A proj worker",
                "reports/tasks.py": _UNROUTED_REPORT,
                "mail/tasks.py": """
                    from celery import shared_task


                    @shared_task(queue="emails")
                    def send_welcome(user_id):
                        return user_id
                """,
            }
        ),
        # a router function simple enough to evaluate: reports.tasks.build falls through
        Invalid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails",
                "proj/__init__.py": "",
                "proj/routers.py": """
                    def route_task(name, args, kwargs, options, task=None, **kw):
                        if name.startswith("mail."):
                            return {"queue": "emails"}
                        return None
                """,
                "proj/settings.py": 'CELERY_TASK_ROUTES = ["proj.routers.route_task"]',
                "reports/tasks.py": _UNROUTED_REPORT,
            }
        ),
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails,reports",
                "proj/__init__.py": "",
                "proj/routers.py": """
                    def route_task(name, args, kwargs, options, task=None, **kw):
                        \"\"\"Mail to the mailer, reports to the big machines.\"\"\"
                        if name.startswith(("mail.", "notifications.")):
                            return {"queue": "emails"}
                        elif name in {"reports.tasks.build", "reports.tasks.export"}:
                            return "reports"
                """,
                "proj/settings.py": """
                    from proj.routers import route_task

                    CELERY_TASK_ROUTES = (route_task,)
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # a renamed default queue that task_queues leaves out
        Invalid(
            files={
                **_TASKS,
                "proj/__init__.py": "",
                "proj/celeryconfig.py": """
                    from kombu import Queue

                    task_default_queue = "default"
                    task_queues = [Queue("emails"), Queue("reports")]
                    task_routes = {"mail.tasks.*": "emails"}
                """,
                "reports/tasks.py": _UNROUTED_REPORT,
            }
        ),
        # a worker consumes the renamed default queue
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q default,emails",
                "proj/__init__.py": "",
                "proj/settings.py": """
                    CELERY_TASK_DEFAULT_QUEUE = "default"
                    CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # the default queue comes from the environment: production may name a consumed one
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails,reports",
                "proj/__init__.py": "",
                "proj/settings.py": """
                    import os

                    CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "default")
                    CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # routes set only in test settings do not count
        Valid(
            files={
                **_TASKS,
                "proj/__init__.py": "",
                "proj/settings/__init__.py": "",
                "proj/settings/base.py": 'CELERY_BROKER_URL = "redis://redis:6379/0"',
                "proj/settings/test.py": """
                    from .base import *

                    CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # a worker consumes the default queue: routing a few tasks is deliberate
        Valid(
            files={
                **_TASKS,
                "Procfile": """
                    worker: celery -A proj worker -Q celery
                    mailer: celery -A proj worker -Q emails
                """,
                "proj/__init__.py": "",
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}',
                "reports/tasks.py": _REPORT,
            }
        ),
        # task_queues declares the default queue
        Valid(
            files={
                **_TASKS,
                "proj/__init__.py": "",
                "proj/settings.py": """
                    from kombu import Queue

                    CELERY_TASK_QUEUES = [Queue("celery"), Queue("emails")]
                    CELERY_TASK_ROUTES = {"mail.tasks.*": {"queue": "emails"}}
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # no routing at all: everything on the default queue, as Celery intends
        Valid(files={**_TASKS, "reports/tasks.py": _REPORT}),
        # a router function: what it answers is unknown
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails,reports",
                "proj/__init__.py": "",
                "proj/routers.py": """
                    def route_task(name, args, kwargs, options, task=None, **kw):
                        return {"queue": name.split(".")[0]}
                """,
                "proj/settings.py": 'CELERY_TASK_ROUTES = ("proj.routers.route_task",)',
                "reports/tasks.py": _REPORT,
            }
        ),
        # a route table built at run time
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails,reports",
                "proj/__init__.py": "",
                "proj/settings.py": """
                    import os

                    CELERY_TASK_ROUTES = {
                        name: {"queue": "emails"} for name in os.environ["MAIL_TASKS"].split()
                    }
                """,
                "reports/tasks.py": _REPORT,
            }
        ),
        # routed every way Celery allows: a route, `queue=`, per-call `queue=`, beat options
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q emails,reports,cleanup,exports",
                "proj/__init__.py": "",
                "proj/settings.py": """
                    import re

                    CELERY_TASK_ROUTES = [
                        {re.compile(r"mail\\.tasks\\..*"): "emails"},
                        [("reports.tasks.*", {"queue": "reports"})],
                    ]
                    CELERY_BEAT_SCHEDULE = {
                        "purge": {
                            "task": "cleanup.tasks.purge",
                            "schedule": 3600,
                            "options": {"queue": "cleanup"},
                        },
                    }
                """,
                "reports/tasks.py": _REPORT,
                "cleanup/__init__.py": "",
                "cleanup/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def purge():
                        return None


                    @shared_task(queue="exports")  # noqa: CEL805 (deprecated; still routes in Celery 5)
                    def export():
                        return None


                    @shared_task
                    def archive():
                        return None


                    def archive_later():
                        archive.apply_async(queue="exports")
                """,
            }
        ),
        # a worker whose queue list comes from the environment may consume anything
        Valid(
            files={
                **_TASKS,
                "Procfile": "worker: celery -A proj worker -Q $CELERY_QUEUES",
                "proj/__init__.py": "",
                "proj/settings.py": 'CELERY_TASK_ROUTES = {"mail.tasks.*": "emails"}',
                "reports/tasks.py": _REPORT,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        model = routing_model(index)
        if not model.complete:
            return  # some app reads configuration we cannot follow
        if model.opaque is not None:
            return
        queue = model.default_queue
        if queue is None:
            return
        strict = bool(index.project_option("strict-routing", False))
        evidence = queue_consumed(queue, model.workers, model.queues, queue)
        if evidence.verdict is Consumed.NO:
            severity, reason = Severity.ERROR, f", which no worker consumes: {evidence.reason}"
        elif strict:
            severity = Severity.WARNING
            reason = "; `strict-routing` asks for an explicit route for every task"
        else:
            return
        for task in index.tasks:
            name = task.name
            if name is None or name in BUILTIN_TASK_NAMES or task.fact.span is None:
                continue
            if is_test_module(task.module) or model.is_routed(task) is not False:
                continue
            yield Finding(
                task.path,
                task.fact.span,
                {"task": name, "queue": queue, "reason": reason},
                severity=severity,
            )
