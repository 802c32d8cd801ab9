import requests

from ledger.worker import celery


@celery.task(ignore_result=True)
def render_invoice(invoice_id):
    return f"invoice-{invoice_id}.pdf"


@celery.task
def send_invoice_email(invoice_id):
    requests.post("https://mail.example.com/send", json={"invoice": invoice_id}, timeout=10)


class MonthlyStatement(celery.Task):
    name = "ledger.tasks.mail.monthly_statement"

    def run(self, customer_id):
        requests.post("https://mail.example.com/statement", json={"c": customer_id}, timeout=10)


celery.register_task(MonthlyStatement())
