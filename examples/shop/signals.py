from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.models import Order
from shop.tasks import rebuild_search_index


@receiver(post_save, sender=Order)
def reindex_order(sender, instance, created, **kwargs):
    # the save may still be inside the caller's transaction: use transaction.on_commit
    rebuild_search_index.delay(instance.pk)  # error: CEL310
