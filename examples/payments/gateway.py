"""A thin client for the payment provider's REST API."""

import requests

API = "https://api.payments.example.com/v1"
TIMEOUT = (3.05, 20)


class GatewayError(Exception):
    """The provider failed on its side (5xx, maintenance): worth retrying."""


def _checked(response):
    if response.status_code >= 500:
        raise GatewayError(response.text)
    response.raise_for_status()
    return response.json()


def create_charge(payment_id, amount, idempotency_key):
    response = requests.post(
        f"{API}/charges",
        json={"reference": payment_id, "amount": str(amount)},
        headers={"Idempotency-Key": idempotency_key},
        timeout=TIMEOUT,
    )
    return _checked(response)["id"]


def refund_charge(provider_ref):
    return _checked(requests.post(f"{API}/charges/{provider_ref}/refund", timeout=TIMEOUT))


def payout_status(payout_id):
    return _checked(requests.get(f"{API}/payouts/{payout_id}", timeout=TIMEOUT))["status"]


def settlement_report(day):
    return _checked(requests.get(f"{API}/settlements/{day}", timeout=TIMEOUT))["rows"]
