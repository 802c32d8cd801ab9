from celery import Celery

app = Celery("scraper", include=["scraper.tasks"])  # error: CEL516
app.config_from_object("scraper.celeryconfig")
