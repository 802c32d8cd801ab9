"""Stock synchronisation with the warehouse system.

Written for Celery 3.1 and only half ported to Celery 5: `celerylint --fix` rewrites the
imports that have a drop-in replacement; the periodic task needs a beat entry by hand.
"""

from celery.schedules import crontab
from celery.task import periodic_task, task  # error@25: CEL801  # error@40: CEL801


@task(queue="inventory", ignore_result=True)  # error@7: CEL805
def sync_stock(sku):
    return sku


@periodic_task(run_every=crontab(minute=30, hour=2))  # error: CEL802
def reconcile_stock():
    return None
