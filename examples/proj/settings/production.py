import os

from .base import *  # noqa: F403

DEBUG = False
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")
