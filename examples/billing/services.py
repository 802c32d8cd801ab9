from celery import current_app

from billing.tasks import charge_invoice


def charge_later(invoice_id):
    charge_invoice.delay(invoice_id)


def email_receipt(order_id):
    # sent by name so that billing does not import the shop app's tasks
    current_app.send_task("shop.tasks.send_reciept", args=(order_id,))  # error@27: CEL405
