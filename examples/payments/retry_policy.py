"""Retry policies shared by the payment tasks."""

from celery import shared_task

from payments.gateway import GatewayError

# Provider outages are transient: back off, and give up after a few attempts.
GATEWAY_RETRY = {
    "autoretry_for": (GatewayError, ConnectionError),
    "retry_backoff": True,
    "max_retries": 6,
}

# Settlement bookkeeping must never be lost, so "retry everything, forever".
reconciliation_task = shared_task(
    acks_late=True,
    autoretry_for=(Exception,),  # error: CEL205
    max_retries=None,  # error: CEL204
)
