from celery import shared_task


@shared_task
def purge_old_reports():  # error@5: CEL104
    from reports.models import Report

    Report.objects.all().delete()
