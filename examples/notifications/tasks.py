import functools

from celery import shared_task


def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@logged
@shared_task  # error: CEL105
def notify_admins(message):
    return message


@shared_task(name="shop.rebuild_search_index")  # error: CEL106
def rebuild_notifications_index():
    return None


# a custom name escapes the "notifications.*" route in settings/celery_routing.py
@shared_task(name="weekly_digest")
def send_weekly_digest():  # error@5: CEL401
    return None


# an `async def` task: the worker gets a coroutine back and the message is never pushed
@shared_task(name="notifications.push_to_devices")
async def push_to_devices(user_id):  # error@11: CEL108
    return user_id
