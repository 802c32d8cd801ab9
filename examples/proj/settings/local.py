from .base import *  # noqa: F403

DEBUG = True
# Run beat against the database scheduler locally, as staging does.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"  # error: CEL513
