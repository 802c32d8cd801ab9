"""Settings and configuration: what Celery reads from the project's config (CEL5xx)."""
