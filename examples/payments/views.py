from decimal import Decimal
from functools import partial

from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from payments.models import Payment
from payments.tasks import capture_payment, flag_suspicious, refund_payment


def checkout(request, order_id):
    with transaction.atomic():
        payment = Payment.objects.create(order_id=order_id, amount=Decimal("19.90"))
        capture_payment.delay(payment.pk)  # error: CEL301
    return JsonResponse({"payment": payment.pk})


@transaction.atomic
def refund(request, payment_id):
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    payment.status = Payment.REFUNDING
    payment.save(update_fields=["status"])
    # fine: sent once the refund is committed
    transaction.on_commit(partial(refund_payment.delay, payment.pk))
    return JsonResponse({"payment": payment.pk})


def report_fraud(request, payment_id):
    payment = get_object_or_404(Payment, pk=payment_id)
    flag_suspicious.delay(payment, reasons=["reported by support"])  # error@27: CEL302
    return JsonResponse({"flagged": payment.pk})
