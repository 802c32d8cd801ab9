import requests

from ledger.extensions import db
from ledger.tasks.base import COMMON_OPTIONS, bound_task, task
from ledger.worker import celery as c


@task
def charge_card(self, invoice_id):  # error@17: CEL201
    invoice = db.session.get(Invoice, invoice_id)
    requests.post("https://payments.example.com/charge", json={"id": invoice.id}, timeout=10)


@task(autoretry_for=(requests.RequestException,))
def refund(invoice_id):
    try:
        requests.post("https://payments.example.com/refund", json={"id": invoice_id}, timeout=10)  # error: CEL303
    except requests.Timeout as exc:
        raise self.retry(exc=exc)  # error@15: CEL201


@bound_task(autoretry_for=(Exception,))  # error@13: CEL205
def reconcile(self, day):
    requests.get("https://bank.example.com/statements", params={"day": day}, timeout=30)


@c.task(bind=True, max_retries=None)  # error@20: CEL204
def sync_ledger(self, account_id):
    try:
        requests.get(f"https://bank.example.com/accounts/{account_id}", timeout=10)
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=60)


@task(**COMMON_OPTIONS)
def book_payment(invoice_id, amount):
    requests.post("https://ledger.example.com/payments", json={"id": invoice_id}, timeout=10)  # error: CEL303
    Payment = db.Model.metadata.tables["payment"]
    db.session.execute(Payment.insert().values(invoice_id=invoice_id, amount=amount))
    db.session.commit()


from ledger.models import Invoice  # noqa: E402
