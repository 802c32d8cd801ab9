"""Push notifications were split into their own Celery app; its configuration never came."""

from celery import Celery

push = Celery("push", include=["notifications.push"])


@push.task(ignore_result=True)  # error: CEL517
def send_push(user_id, text):
    return user_id, text
