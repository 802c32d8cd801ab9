# CEL103 would fire if this import were missing: @shared_task binds to this app only
# because the package imports it when Django starts.
from .celery import app as celery_app

__all__ = ("celery_app",)
