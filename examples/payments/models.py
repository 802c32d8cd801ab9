from django.db import models


class Payment(models.Model):
    PENDING = "pending"
    CAPTURED = "captured"
    REFUNDING = "refunding"

    order_id = models.IntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20, default=PENDING)
    provider_ref = models.CharField(max_length=64, blank=True)


class LedgerEntry(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    booked_at = models.DateTimeField(auto_now_add=True)
