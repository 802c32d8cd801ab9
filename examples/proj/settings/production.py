import os

from .base import *  # noqa: F403
from .integrations import *  # noqa: F403

DEBUG = False
CELERY_BROKER_URL = os.environ.get("REDIS_URL", "redis://redis:6379/0")

# Left over from the Celery 3 deployment: beat kept its schedule in the database, and
# task results went back through RabbitMQ when the environment did not say otherwise.
CELERY_BEAT_SCHEDULER = "djcelery.schedulers.DatabaseScheduler"  # error@25: CEL803
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "amqp://")  # error@65: CEL806

# meant to make every view atomic, but Django only reads it inside DATABASES
ATOMIC_REQUESTS = True  # error: CEL312
