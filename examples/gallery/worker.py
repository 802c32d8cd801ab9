from celery import Celery

app = Celery("gallery", include=["gallery.tasks"])
app.config_from_object("gallery.celeryconfig")
