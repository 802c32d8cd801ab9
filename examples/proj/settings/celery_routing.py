"""Where tasks run: queues, routes and the beat schedule (star-imported by base.py)."""

from celery.schedules import crontab
from kombu import Queue

# Every worker is started with an explicit -Q list (see the Procfile), so a task that
# matches no route lands on Celery's default queue, "celery", which nobody consumes.
CELERY_TASK_QUEUES = (
    Queue("shop"),
    Queue("emails"),
    Queue("billing"),
    Queue("reports"),
    Queue("exports"),
    Queue("inventory"),
    Queue("payments"),
)
CELERY_TASK_ROUTES = {
    "shop.*": {"queue": "shop"},
    "shop.tasks.send_receipt": {"queue": "emails"},
    "shop.rebuild_search_index": {"queue": "search"},  # error@44: CEL403
    "notifications.*": {"queue": "emails"},
    "billing.*": {"queue": "billing"},
    "billing.tasks.charge_invoices": {"queue": "billing", "priority": 9},  # error: CEL402
    "reports.*": {"queue": "reports"},
    "backoffice.*": {"queue": "exports"},
    "inventory.*": {"queue": "inventory"},
    "payments.*": {"queue": "payments"},
}

CELERY_BEAT_SCHEDULE = {
    "nightly-sales-report": {
        "task": "reports.tasks.build_nightly_report",  # error@17: CEL404
        "schedule": crontab(minute=0, hour=3),
        "args": (1,),
    },
    "purge-old-reports": {
        "task": "reports.cron.purge_old_reports",
        "schedule": crontab(hour=4),  # error@21: CEL511
    },
    "weekly-digest": {
        "task": "weekly_digest",
        "schedule": crontab(minute=0, hour=8, day_of_week="monday"),
    },
}
