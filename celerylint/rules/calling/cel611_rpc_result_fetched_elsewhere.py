from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.factdata import ResultSource
from celerylint.project.index import ProjectIndex
from celerylint.project.results import production_backends, source_confirmed, task_apps
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module
from celerylint.semantics.results import ATTRIBUTE_READS, BLOCKING_READS, CURRENT_APP_REFS

#: the Celery apps whose backend a lookup uses (None: whichever app is current)
Apps = frozenset[str] | None


def _apps(source: ResultSource, index: ProjectIndex) -> tuple[bool, Apps]:
    """(known, apps): the apps whose result backend a lookup uses; not known for a task
    with its own ``backend=``, which ``Task.AsyncResult`` passes on."""
    if source.kind != "app" or source.ref is None:
        return True, None  # Celery's ``AsyncResult``/``GroupResult``: the current app's
    ref = index.resolve(source.ref)
    if ref in CURRENT_APP_REFS:
        return True, None
    if index.is_app(ref):
        return True, frozenset({ref})
    task = index.task_at(ref)
    if task is None or task.option("backend") is not None:
        return False, None
    return True, task_apps(index, task)


class RpcResultFetchedElsewhere(ProjectRule):
    """
    ## What it does
    Reports a task result looked up by id when the result backend is `rpc://`:
    `AsyncResult(task_id)`, `app.AsyncResult(task_id)` or `some_task.AsyncResult(task_id)`
    whose state or value is then read (`.state`, `.status`, `.result`, `.ready()`,
    `.get()` ...), and `GroupResult.restore(group_id)`. The typical case is a view that
    takes a task id from the request and polls it.

    A lookup in the function that sent the task (`r = t.delay()` ... `AsyncResult(r.id)`)
    is left alone, and so are lookups given their own `backend=` or `app=`, results that
    are only revoked or forgotten, test modules, and projects whose production backend
    is not certainly `rpc://` (another backend, or one read from the environment).

    ## Why is this bad?
    The `rpc` backend stores nothing: the worker sends each result as a message to the
    reply queue of the client that sent the task (`reply_to`, one queue per app and
    thread, `app.thread_oid`). Another process or thread that rebuilds the result from
    its id listens on its own, empty queue, so `.state` stays `PENDING` forever and
    `.get()` blocks until its timeout. `GroupResult.restore()` raises
    `NotImplementedError`: the backend cannot save or restore groups
    (`celery/backends/rpc.py`).

    ## Use instead
    ```python
    # settings.py: a backend that stores results, so any process can look them up
    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
    ```

    ## Fix safety
    There is no fix: the result backend is an operations decision.
    """

    code = "CEL611"
    name = "rpc-result-fetched-elsewhere"
    message = (
        "`{text}` looks a result up by id, but the `rpc://` backend delivers it only to "
        "the thread that sent the task: here {read}; use a "
        "result backend that stores results (Redis, a database) to poll by id"
    )
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_BROKER_URL = "amqp://rabbitmq"
                    CELERY_RESULT_BACKEND = "rpc://"
                """,
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def export(report_id):
                        return f"/media/{report_id}.csv"
                """,
                "reports/views.py": """
                    from celery.result import AsyncResult, GroupResult
                    from django.http import JsonResponse

                    from proj.celery import app
                    from reports.tasks import export


                    def export_status(request, task_id):
                        result = AsyncResult(task_id)  # error@14: CEL611
                        return JsonResponse({"state": result.state})


                    def export_file(request):
                        task_id = request.GET["task_id"]
                        if app.AsyncResult(task_id).ready():  # error@8: CEL611
                            return JsonResponse({"url": export.AsyncResult(task_id).get(timeout=1)})  # error@37: CEL611
                        return JsonResponse({}, status=202)


                    def batch_status(request, group_id):
                        batch = GroupResult.restore(group_id)  # error@13: CEL611
                        return JsonResponse({"done": batch.completed_count()})
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_BROKER_URL = "amqp://rabbitmq"
                    CELERY_RESULT_BACKEND = "rpc://"
                """,
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def export(report_id):
                        return f"/media/{report_id}.csv"
                """,
                "reports/services.py": """
                    from celery.result import AsyncResult

                    from reports.tasks import export


                    def export_now(report_id):
                        result = export.delay(report_id)  # the handle, in the sending thread
                        return result.get(timeout=5)


                    def export_again(report_id):
                        sent = export.delay(report_id)
                        return AsyncResult(sent.id).get(timeout=5)
                """,
                "reports/views.py": """
                    from celery.result import AsyncResult
                    from django.http import JsonResponse


                    def cancel(request, task_id):
                        AsyncResult(task_id).revoke()  # revoking goes through the broker
                        AsyncResult(task_id).forget()
                        return JsonResponse({})
                """,
                "reports/tests.py": """
                    from celery.result import AsyncResult


                    def test_status(task_id):
                        assert AsyncResult(task_id).state == "SUCCESS"
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    import os

                    from celery import Celery

                    app = Celery("proj", broker="amqp://rabbitmq")
                    app.conf.result_backend = os.environ.get("RESULT_BACKEND", "rpc://")
                """,
                "proj/views.py": """
                    from proj.celery import app


                    def status(request, task_id):
                        # the backend comes from the environment: not known here
                        return {"state": app.AsyncResult(task_id).state}
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj", broker="amqp://rabbitmq", backend="redis://redis/1")
                """,
                "proj/views.py": """
                    from celery.result import AsyncResult, GroupResult


                    def status(request, task_id, group_id):
                        # Redis stores results: any process can look them up
                        batch = GroupResult.restore(group_id)
                        return {"state": AsyncResult(task_id).state, "done": batch.ready()}
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery(
                        "proj", broker="amqp://rabbitmq", backend="rpc://", include=["proj.tasks"]
                    )
                """,
                "proj/tasks.py": """
                    from proj.celery import app


                    @app.task(backend="redis://redis/1")
                    def export(report_id):
                        return report_id
                """,
                "proj/jobs.py": """
                    class Tracker:
                        def AsyncResult(self, job_id):
                            return job_id


                    tracker = Tracker()
                """,
                "proj/status.py": """
                    from celery.result import AsyncResult

                    from proj.celery import app
                    from proj.jobs import tracker
                    from proj.tasks import export


                    def export_state(task_id):
                        return export.AsyncResult(task_id).state  # this task stores in Redis


                    def job_state(job_id):
                        return tracker.AsyncResult(job_id).state  # not a Celery app


                    def elsewhere(task_id, other_backend):
                        return AsyncResult(task_id, backend=other_backend).state


                    def later(task_id):
                        result = AsyncResult(task_id)
                        return result.id  # the id needs no backend
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        verdicts: dict[Apps, bool] = {}
        for facts in index.by_path.values():
            if is_test_module(facts.module):
                continue
            for found in facts.results_by_id:
                if found.span is None or found.dispatched or found.options:
                    continue
                if not source_confirmed(found.source, index):
                    continue
                known, apps = _apps(found.source, index)
                if not known:
                    continue
                if apps not in verdicts:
                    backends = production_backends(index, apps)
                    verdicts[apps] = bool(backends) and all(b == "rpc" for b in backends or ())
                if not verdicts[apps]:
                    continue
                if found.read == "restore":
                    yield Finding(
                        facts.path,
                        found.span,
                        message=(
                            f"`{found.text}` looks a group result up by id, but the `rpc://` "
                            "backend stores no groups: `restore()` raises "
                            "`NotImplementedError`; use a result backend that stores "
                            "results (Redis, a database)"
                        ),
                        severity=Severity.ERROR,
                    )
                    continue
                if found.read in ATTRIBUTE_READS:
                    read = f"`.{found.read}` stays `PENDING`"
                elif found.read in BLOCKING_READS:
                    read = f"`.{found.read}()` waits until its timeout, or forever"
                else:
                    read = f"`.{found.read}()` stays false"
                yield Finding(facts.path, found.span, {"text": found.text, "read": read})
