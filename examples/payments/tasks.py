import logging
import time

import requests
from celery import Task, shared_task
from celery.exceptions import Reject
from django.core.mail import send_mail
from django.db import transaction

from payments import gateway
from payments.models import LedgerEntry, Payment
from payments.retry_policy import GATEWAY_RETRY, reconciliation_task
from proj.celery import app

log = logging.getLogger(__name__)

MERCHANT_WEBHOOK = "https://merchant.example.com/hooks/payments"


# The reference task: bounded retries with backoff, a lock inside a transaction, a status
# check and an idempotency key, so a second delivery of the message is harmless.
@shared_task(bind=True, acks_late=True, **GATEWAY_RETRY)
def capture_payment(self, payment_id):
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.PENDING:
            return payment.provider_ref
        payment.provider_ref = gateway.create_charge(
            payment.pk, payment.amount, idempotency_key=f"payment-{payment.pk}"
        )
        payment.status = Payment.CAPTURED
        payment.save(update_fields=["provider_ref", "status"])
    return payment.provider_ref


@shared_task(max_retries=3, default_retry_delay=60)
def refund_payment(self, payment_id):  # error@20: CEL201
    payment = Payment.objects.get(pk=payment_id)
    try:
        gateway.refund_charge(payment.provider_ref)
    except gateway.GatewayError as exc:
        raise self.retry(exc=exc)


@shared_task(bind=True, max_retries=20)
def poll_payout(self, payout_id):
    status = gateway.payout_status(payout_id)
    if status == "pending":
        self.retry(countdown=30, throw=False)  # error: CEL202
    return status


@shared_task(bind=True, max_retries=5)
def notify_merchant(self, payment_id):
    try:
        response = requests.post(
            MERCHANT_WEBHOOK,
            json={"payment": payment_id},
            headers={"Idempotency-Key": f"payment-{payment_id}"},
            timeout=10,
        )
        if response.status_code == 429:
            raise self.retry(countdown=60)  # error: CEL203
    except Exception:
        log.exception("merchant webhook failed for payment %s", payment_id)


@shared_task(bind=True, retry_backoff=True, max_retries=5)  # error@25: CEL206
def email_payment_receipt(self, payment_id):
    payment = Payment.objects.get(pk=payment_id)
    try:
        send_mail(
            "Payment received",
            f"We received {payment.amount}.",
            "billing@example.com",
            [f"order-{payment.order_id}@example.com"],
        )
    except ConnectionError as exc:
        raise self.retry(exc=exc)


@shared_task(
    autoretry_for=(gateway.GatewayError,),
    retry_backoff=5,
)
def sync_disputes(day):
    return gateway.settlement_report(day)


@reconciliation_task
def reconcile_settlements(day):
    for row in gateway.settlement_report(day):
        LedgerEntry.objects.create(payment_id=row["payment"], amount=row["amount"])  # error: CEL303


@shared_task(bind=True, acks_late=True)
def import_settlement_file(self, path):
    try:
        with open(path, encoding="utf-8") as report:
            return [line.split(",") for line in report]
    except ValueError as exc:
        raise Reject(exc, requeue=True)  # error: CEL304


@shared_task
def wait_for_payout(payout_id):
    while gateway.payout_status(payout_id) == "pending":
        time.sleep(15)  # error: CEL305
    return payout_id


@shared_task(ignore_result=True)
def refresh_exchange_rates():
    rates = requests.get("https://rates.example.com/latest.json").json()  # error@13: CEL306
    return rates["EUR"]


@shared_task
def flag_suspicious(payment_id, reasons=[]):  # error@41: CEL307
    reasons.append("flagged")
    Payment.objects.filter(pk=payment_id).update(status="review")
    return reasons


class FraudCheckTask(Task):
    name = "payments.fraud_check"
    threshold = 500

    def run(self, payment_id):
        payment = Payment.objects.get(pk=payment_id)
        self.last_score = float(payment.amount) / 10  # error: CEL308
        return self.last_score > self.threshold


fraud_check = app.register_task(FraudCheckTask())


@app.task(acks_late=True)
def book_payment(payment_id):
    payment = Payment.objects.select_for_update().get(pk=payment_id)  # error@15: CEL309
    return payment.amount


@shared_task(bind=True, max_retry=5)  # error@25: CEL509
def expire_stale_payments(self):
    return Payment.objects.filter(status=Payment.PENDING).count()


# A broad handler in the loop swallows `SoftTimeLimitExceeded` (the global soft limit is
# 240 s): the loop goes on until the hard limit kills the worker process.
@shared_task
def refresh_exchange_rates(currencies):
    for currency in currencies:
        try:
            gateway.refresh_rate(currency)
        except Exception:  # error: CEL208
            log.exception("cannot refresh %s", currency)
