from django.db import models

from billing.services import charge_later  # error: CEL102


class Invoice(models.Model):
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    def schedule_charge(self):
        charge_later(self.pk)
