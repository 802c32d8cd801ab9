from billing.tasks import charge_invoice


def charge_later(invoice_id):
    charge_invoice.delay(invoice_id)
