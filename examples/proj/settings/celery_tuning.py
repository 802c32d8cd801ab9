"""Worker behaviour and the broker connection (star-imported by base.py)."""

import os
import ssl

# The managed Redis in production speaks TLS with a certificate from a private CA.
REDIS_SSL = os.environ.get("REDIS_SSL", "") == "1"
CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_NONE} if REDIS_SSL else None  # error: CEL703
# Fail fast when the broker is down instead of hanging in a retry loop.
CELERY_BROKER_CONNECTION_RETRY = False  # error: CEL514

# A task whose worker dies half-way is delivered again.
CELERY_TASK_ACKS_LATE = True  # error: CEL505
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False  # error: CEL807
CELERY_TASK_MAX_RETRIES = 5  # error: CEL508
CELERYD_MAX_TASKS_PER_CHILD = 200  # error: CEL804

# Task results are the finance team's audit trail: keep them.
CELERY_RESULT_EXPIRES = None  # error: CEL515
