"""The back-office site: staff tools on their own host, with their own Celery worker."""  # error: CEL103
