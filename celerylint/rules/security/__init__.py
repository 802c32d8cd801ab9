"""Security: serializers, credentials and TLS in the Celery configuration (CEL7xx)."""
