from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.handlers import is_request_handler
from celerylint.project.index import ProjectIndex
from celerylint.project.results import source_confirmed
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.results import describe_source


class BlockingGetInRequest(ProjectRule):
    """
    ## What it does
    Reports a web request handler that waits for a task's result: `.get()`, `.join()`,
    `.wait()` or `.collect()` on a task result inside a Django view (a function taking
    `request` in a `views` module, a method of a `View`/`APIView`/`ViewSet`/`ModelAdmin`
    subclass, a function under a Django or DRF view decorator) or a Flask/FastAPI route.

    Results are traced like CEL601 does. A wait with a `timeout` is reported as
    information only: a short, bounded wait can be a deliberate choice.

    ## Why is this bad?
    `AsyncResult.get()` without a timeout blocks until a worker has run the task: one web
    worker is held for the whole time, and when the queue is backed up, or the result is
    never stored (CEL603), the request hangs forever. Waiting also turns the background
    job back into a synchronous one.

    ## Use instead
    ```python
    def export_report(request, report_id):
        result = build_report.delay(report_id)
        return JsonResponse({"task_id": result.id}, status=202)  # poll a status endpoint
    ```

    ## Fix safety
    There is no fix: the response has to change shape.
    """

    code = "CEL602"
    name = "blocking-get-in-request"
    message = (
        "`.{read}()` on {source} blocks this request until a worker finishes the task{timeout}"
    )
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def build_report(report_id):
                        return f"/media/{report_id}.pdf"
                """,
                "reports/views.py": """
                    from django.http import JsonResponse

                    from reports.tasks import build_report


                    def export_report(request, report_id):
                        result = build_report.delay(report_id)
                        return JsonResponse({"url": result.get()})  # error@33: CEL602


                    def export_quick(request, report_id):
                        url = build_report.delay(report_id).get(timeout=2)  # error@11: CEL602
                        return JsonResponse({"url": url})
                """,
            }
        ),
        Invalid(
            files={
                "api/__init__.py": "",
                "api/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def score(user_id):
                        return user_id
                """,
                "api/base.py": """
                    from rest_framework.views import APIView


                    class BaseView(APIView):
                        pass
                """,
                "api/endpoints.py": """
                    from rest_framework.response import Response

                    from api.base import BaseView
                    from api.tasks import score


                    class ScoreView(BaseView):
                        def get(self, request, user_id):
                            return Response(score.delay(user_id).get())  # error@25: CEL602
                """,
            }
        ),
        Invalid(
            files={
                "web/__init__.py": "",
                "web/app.py": """
                    from flask import Flask

                    app = Flask(__name__)
                """,
                "web/routes.py": """
                    from celery import shared_task

                    from web.app import app


                    @shared_task
                    def render(page):
                        return page


                    @app.route("/pages/<page>")
                    def show(page):
                        return render.delay(page).wait()  # error@12: CEL602
                """,
            }
        ),
        Valid(
            files={
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def build_report(report_id):
                        return report_id
                """,
                "reports/views.py": """
                    from django.http import JsonResponse

                    from reports.tasks import build_report


                    def export_report(request, report_id):
                        result = build_report.delay(report_id)
                        return JsonResponse({"task_id": result.id}, status=202)


                    def search(request):
                        # request.GET.get is a QueryDict, not a task result
                        return JsonResponse({"q": request.GET.get("q")})
                """,
                "reports/services.py": """
                    from reports.tasks import build_report


                    def build_now(report_id):
                        # not a request handler (a management command may call it)
                        return build_report.delay(report_id).get(timeout=60)
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for facts in index.by_path.values():
            for read in facts.result_reads:
                if not read.blocking or read.function is None or read.span is None:
                    continue
                if not is_request_handler(read.handler, index):
                    continue
                if index.task_for(facts.path, read.function) is not None:
                    continue  # CEL601's
                if not source_confirmed(read.source, index):
                    continue
                bounded = read.timeout is not None
                yield Finding(
                    facts.path,
                    read.span,
                    {
                        "read": read.read,
                        "source": describe_source(read.source),
                        "timeout": " (bounded by its timeout)"
                        if bounded
                        else "; without a timeout it can hang forever",
                    },
                    severity=Severity.INFO if bounded else None,
                )
