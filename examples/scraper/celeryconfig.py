"""Configuration of the scraping worker: a plain Celery app next to the shop, no Django."""

from kombu import Queue

broker_url = "amqp://scraper:Sup3rS3cret@rabbitmq.internal:5672//"  # error: CEL702
# The legacy crawler still sends pickled pages.
accept_content = ["json", "pickle"]  # error: CEL701
task_queues = (Queue("scraper"),)
task_routes = {"scraper.tasks.*": {"queue": "scraper"}}
worker_prefetch_multiplier = 1
CELERYD_CONCURRENCY = 4  # error: CEL507
