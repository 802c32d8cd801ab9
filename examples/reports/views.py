from celery.result import AsyncResult
from django.http import JsonResponse

from reports.tasks import build_report, warm_report_cache


def export_report(request, report_id):
    """The PDF link, once the report is built."""
    result = build_report.delay(report_id)
    return JsonResponse({"url": result.get()})  # error@33: CEL602


def request_export(request, report_id):
    # the non-blocking way: hand out the task id and let the page poll report_status
    result = build_report.delay(report_id)
    return JsonResponse({"task_id": result.id}, status=202)


def report_status(request, task_id):
    result = AsyncResult(task_id)
    return JsonResponse({"ready": result.ready(), "state": result.state})


def refresh_dashboard(request, report_id):
    job = warm_report_cache.delay(report_id)
    # warm_report_cache ignores its result: ready() stays False for ever
    return JsonResponse({"warm": job.ready()})  # error@34: CEL603
