from celery import chord

from gallery.worker import app


@app.task
def make_thumbnail(photo_id):
    return f"/thumbs/{photo_id}.jpg"


@app.task
def publish_album(thumbnails):
    return len(thumbnails)


@app.task
def purge_thumbnails(older_than_days):
    return older_than_days


def publish(photo_ids):
    chord(make_thumbnail.s(p) for p in photo_ids)(publish_album.s())  # error: CEL604


@app.task
def album_tags(photo_ids):
    tags = set()
    for photo_id in photo_ids:
        tags.add(f"photo-{photo_id}")
    return tags  # error@12: CEL610


def album_status(task_id):
    # the status page runs in another process than the one that sent the task
    return app.AsyncResult(task_id).state  # error@12: CEL611
