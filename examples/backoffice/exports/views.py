from django.db import transaction
from django.http import JsonResponse

from backoffice.exports.tasks import export_orders


@transaction.non_atomic_requests  # fine under ATOMIC_REQUESTS: this view writes nothing
def export_orders_view(request):
    # queued on the broker of whichever app is current: see backoffice/__init__.py
    export_orders.delay(int(request.GET.get("since", 0)))
    return JsonResponse({"queued": True})
