"""What happens after an order is paid."""

from celery import chain

from billing.tasks import charge_invoice
from shop.tasks import rebuild_search_index, send_cart_reminder, send_receipt


def complete_checkout(order, invoice_id):
    # charge first, then send the receipt; send_receipt takes only the order id, but a
    # mutable signature also gets charge_invoice's return value
    chain(charge_invoice.s(invoice_id), send_receipt.s(order.pk)).delay()  # error@41: CEL605
    # give the search index a moment: the order row may still be replicating
    rebuild_search_index.delay(order.pk, countdown=30)  # error: CEL607


def resend_receipt(order):
    send_receipt.delay(order.pk, order.email)  # error: CEL606


def remind_abandoned_cart(order):
    # remind tomorrow; a reminder more than an hour late is pointless
    send_cart_reminder.apply_async((order.pk,), countdown=24 * 3600, expires=3600)  # error: CEL609
