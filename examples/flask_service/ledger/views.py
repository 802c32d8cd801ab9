from celery import chord
from flask import Blueprint

from ledger.cache import batch
from ledger.extensions import db
from ledger.models import Invoice
from ledger.tasks.billing import charge_card, sync_ledger
from ledger.tasks.mail import render_invoice, send_invoice_email

bp = Blueprint("ledger", __name__)


@bp.post("/invoices/<int:invoice_id>/pay")
def pay(invoice_id):
    invoice = db.get_or_404(Invoice, invoice_id)
    with db.session.begin():
        invoice.total = 0
        charge_card.delay(invoice.id)  # error: CEL301, CEL606
    sync_ledger.delay(invoice)  # error@23: CEL302
    return {"ok": True}


@bp.post("/invoices/<int:invoice_id>/send")
def send(invoice_id):
    header = [render_invoice.s(invoice_id), render_invoice.s(invoice_id)]
    chord(header)(send_invoice_email.s())  # error@11: CEL603
    return {"ok": True}


@bp.post("/invoices/<int:invoice_id>/remind")
def remind(invoice_id):
    # a near-miss: `batch.begin()` is no database transaction
    with batch.begin():
        send_invoice_email.delay(invoice_id)
    return {"ok": True}
