"""Configuration of the photo worker: RabbitMQ for messages and for results."""

from kombu import Queue

broker_url = "amqp://rabbitmq:5672//"
# results travel back over RabbitMQ: fine for .get() on one task, not for chords
result_backend = "rpc://"
task_queues = (Queue("gallery"),)
task_routes = {"gallery.tasks.*": {"queue": "gallery"}}
beat_schedule = {
    "purge-stale-thumbnails": {
        "task": "gallery.tasks.purge_thumbnails",
        "schedule": 6 * 3600,
        "args": (30),  # error: CEL608
    },
}
