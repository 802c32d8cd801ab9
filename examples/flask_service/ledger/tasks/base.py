import functools

from ledger.worker import celery

task = celery.task
bound_task = functools.partial(celery.task, bind=True)

COMMON_OPTIONS = {"acks_late": True, "max_retries": 5}
