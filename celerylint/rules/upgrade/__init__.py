"""Upgrade blockers: APIs and settings that Celery 4/5 removed or deprecated (CEL8xx)."""
