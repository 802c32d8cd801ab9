from celery import shared_task


@shared_task
def build_report(report_id):
    return f"/media/reports/{report_id}.pdf"


@shared_task
def render_chart(report_id, kind):
    return f"/media/charts/{report_id}-{kind}.png"


@shared_task(ignore_result=True)
def warm_report_cache(report_id):
    return report_id


@shared_task
def build_dashboard(report_ids):
    charts = [render_chart.delay(report_id, "bar") for report_id in report_ids]
    # waits inside a worker for other workers: with a busy pool, nobody is left to run them
    return [chart.get(timeout=60) for chart in charts]  # error@13: CEL601
