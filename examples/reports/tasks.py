from celery import shared_task


@shared_task
def build_report(report_id):
    return report_id
