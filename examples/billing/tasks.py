from proj.celery import app


@app.task(bind=True, max_retries=5)
def charge_invoice(self, invoice_id):
    from billing.models import Invoice

    return Invoice.objects.get(pk=invoice_id).amount
