from typing import TYPE_CHECKING

from django.db import models

from shop.tasks import send_receipt  # error: CEL101

if TYPE_CHECKING:
    from shop.tasks import rebuild_search_index  # fine: never runs at import time


class Order(models.Model):
    email = models.EmailField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    paid = models.BooleanField(default=False)

    def mark_paid(self):
        self.paid = True
        self.save(update_fields=["paid"])
        send_receipt.delay(self.pk)

    def reindex(self):
        from shop.tasks import rebuild_search_index  # fine: imported when called

        rebuild_search_index.delay(self.pk)
