from celery import Celery

app = Celery("scraper", include=["scraper.tasks"])
app.config_from_object("scraper.celeryconfig")
