from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import NO_SPAN, FixSafety, Severity
from celerylint.project.django import atomic_request_databases
from celerylint.project.handlers import is_django_view
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid

_SETTINGS = {
    "proj/__init__.py": "from .celery import app as celery_app\n",
    "proj/celery.py": """
        from celery import Celery

        app = Celery("proj")
        app.config_from_object("django.conf:settings", namespace="CELERY")
    """,
    "proj/wsgi.py": """
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.production")
    """,
    "proj/settings/__init__.py": "",
    "proj/settings/base.py": """
        import environ

        env = environ.Env()

        DATABASES = {"default": env.db("DATABASE_URL")}
        DATABASES["default"]["ATOMIC_REQUESTS"] = True
        CELERY_BROKER_URL = env("CELERY_BROKER_URL")
    """,
    "proj/settings/production.py": """
        from .base import *  # noqa: F403

        DEBUG = False
    """,
    "shop/__init__.py": "",
    "shop/tasks.py": """
        from celery import shared_task


        @shared_task
        def send_receipt(order_id):
            return order_id
    """,
}


class DispatchUnderAtomicRequests(ProjectRule):
    """
    ## What it does
    Reports a task dispatched (`.delay()`, `.apply_async()`, a canvas, `app.send_task()`)
    in a Django view (a function taking `request` in a `views` module, a method of a
    class-based view, DRF view or `ModelAdmin`) when the production settings set
    `DATABASES[alias]["ATOMIC_REQUESTS"] = True`, unless the view is marked
    `@transaction.non_atomic_requests` or the dispatch is deferred with
    `transaction.on_commit(...)` / `delay_on_commit()`. With several production settings
    modules, only those whose `INSTALLED_APPS` include the view's app count.

    Settings that only test or development modules use, and values read from the
    environment with a false default, do not count.

    ## Why is this bad?
    With `ATOMIC_REQUESTS`, Django runs each view inside `transaction.atomic()` and
    commits when it returns. A task sent from the view reaches the broker at once, so a
    fast worker reads the rows the view wrote before they are committed
    (`DoesNotExist`, the old values), and when the view fails the transaction rolls back
    but the task still runs (Django docs → *Tying transactions to HTTP requests*).

    ## Use instead
    ```python
    def checkout(request):
        order = Order.objects.create(total=request.POST["total"])
        transaction.on_commit(partial(send_receipt.delay, order.pk))
    ```

    ## Fix safety
    As for CEL301: the fix wraps a dispatch statement whose result is unused in
    `transaction.on_commit(functools.partial(...))`, importing `transaction` and
    `functools` when needed. It is unsafe: the task no longer runs when the request's
    transaction rolls back, it runs when the view returns rather than at once, and the
    call no longer returns an `AsyncResult`.
    """

    code = "CEL311"
    name = "dispatch-under-atomic-requests"
    message = "`{call}()` dispatches a task in view `{view}`, which runs inside a transaction (`ATOMIC_REQUESTS` for database `{alias}`, {where}): the worker can run it before the commit, or after a rollback; use `transaction.on_commit()`"
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    examples = (
        Invalid(
            files={
                **_SETTINGS,
                "shop/views.py": """
                    from django.views import View

                    from shop.models import Order
                    from shop.tasks import send_receipt


                    def checkout(request):
                        order = Order.objects.create(total=10)
                        send_receipt.delay(order.pk)  # error: CEL311
                        return order


                    class RefundView(View):
                        def post(self, request, order_id):
                            result = send_receipt.apply_async((order_id,))  # error@18: CEL311
                            return result.id
                """,
            },
            fixed={
                "shop/views.py": """
                    from django.views import View

                    from shop.models import Order
                    from shop.tasks import send_receipt
                    from django.db import transaction
                    import functools


                    def checkout(request):
                        order = Order.objects.create(total=10)
                        transaction.on_commit(functools.partial(send_receipt.delay, order.pk))  # error: CEL311
                        return order


                    class RefundView(View):
                        def post(self, request, order_id):
                            result = send_receipt.apply_async((order_id,))  # error@18: CEL311
                            return result.id
                """,
            },
        ),
        # non-atomic views, deferred dispatches, a Flask route and a helper that is no view
        Valid(
            files={
                **_SETTINGS,
                "shop/views.py": """
                    from functools import partial

                    from django.db import transaction
                    from django.utils.decorators import method_decorator
                    from django.views import View

                    from shop.tasks import send_receipt


                    @transaction.non_atomic_requests
                    def checkout(request):
                        send_receipt.delay(1)


                    @method_decorator(transaction.non_atomic_requests, name="dispatch")
                    class RefundView(View):
                        def post(self, request, order_id):
                            send_receipt.delay(order_id)


                    def resend(request, order_id):
                        transaction.on_commit(partial(send_receipt.delay, order_id))
                        send_receipt.delay_on_commit(order_id)


                    def _notify(order_id):
                        send_receipt.delay(order_id)
                """,
                "shop/api.py": """
                    from flask import Flask

                    from shop.tasks import send_receipt

                    web = Flask(__name__)


                    @web.route("/resend")
                    def resend():
                        send_receipt.delay(1)
                """,
            }
        ),
        # ``ATOMIC_REQUESTS`` only in the test settings, or from the environment with a
        # false default
        Valid(
            files={
                **_SETTINGS,
                "proj/settings/base.py": """
                    import os

                    DATABASES = {
                        "default": {
                            "ENGINE": "django.db.backends.postgresql",
                            "ATOMIC_REQUESTS": os.environ.get("ATOMIC", "") == "1",
                        },
                        "replica": {"ENGINE": "django.db.backends.postgresql"},
                    }
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                """,
                "proj/settings/test.py": """
                    from .base import *  # noqa: F403

                    DATABASES["default"]["ATOMIC_REQUESTS"] = True
                """,
                "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = proj.settings.test\n",
                "shop/views.py": """
                    from shop.tasks import send_receipt


                    def checkout(request):
                        send_receipt.delay(1)
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        databases = atomic_request_databases(index)
        if not databases:
            return
        for facts in index.by_path.values():
            for hook in facts.hook_dispatches:
                if hook.hook != "view" or hook.non_atomic:
                    continue
                serving = next((d for d in databases if d.serves(facts.module)), None)
                if serving is None:
                    continue
                if not is_django_view(hook.handler, index):
                    continue
                if not index.transactions.dispatches(hook.kind, hook.target):
                    continue
                if index.transactions.in_transaction(False, hook.candidates):
                    continue  # CEL301 reports it
                where = (
                    f"set in `{serving.module}`"
                    if serving.module == serving.unit
                    else f"set in `{serving.module}`, used by `{serving.unit}`"
                )
                fix = next((f.fix for f in facts.hook_fixes if f.span == hook.span), None)
                args = {"call": hook.text, "view": hook.function, "alias": serving.alias}
                yield Finding(facts.path, hook.span or NO_SPAN, {**args, "where": where}, fix=fix)
