from celery import Celery

app = Celery("gallery", include=["gallery.tasks"])  # error: CEL406
app.config_from_object("gallery.celeryconfig")
