broker_url = "redis://localhost:6379/0"
result_backend = "redis://localhost:6379/1"
task_serializer = "json"
accept_content = ["json"]
task_time_limit = 300
task_soft_time_limit = 240
task_acks_late = True
worker_prefetch_multiplier = 1
broker_connection_retry_on_startup = True

from celery.schedules import crontab  # noqa: E402

beat_schedule = {
    "nightly-reconcile": {
        "task": "ledger.tasks.billing.reconcile",  # error@17: CEL606
        "schedule": crontab(minute=0, hour=2),
        "args": (),
    },
    "hourly-sync": {
        "task": "ledger.tasks.billing.sync_ledger",
        "schedule": crontab(minute=15),
        "args": (42,),
    },
}
