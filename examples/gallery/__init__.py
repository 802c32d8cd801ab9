"""Photo albums, processed by their own Celery app on RabbitMQ (no Django)."""
