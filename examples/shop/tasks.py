from celery import shared_task
from django.core.mail import send_mail


@shared_task
def send_receipt(order_id):
    from shop.models import Order

    order = Order.objects.get(pk=order_id)
    send_mail("Your receipt", f"Total: {order.total}", "shop@example.com", [order.email])


@shared_task(name="shop.rebuild_search_index")
def rebuild_search_index(order_id):
    return order_id


@shared_task
def send_cart_reminder(order_id):
    from shop.models import Order

    order = Order.objects.get(pk=order_id)
    if not order.paid:
        send_mail("Still thinking?", "Your cart is waiting.", "shop@example.com", [order.email])
