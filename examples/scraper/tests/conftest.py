from scraper.worker import app

# Run tasks in-process: the tests have no RabbitMQ.
app.conf.task_always_eager = True  # error: CEL502
