from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import NO_SPAN, FixSafety, Severity
from celerylint.factdata import HookDispatchFact, ModuleFacts
from celerylint.project.django import is_model_class
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid


class DispatchInSignalOrSave(ProjectRule):
    """
    ## What it does
    Reports a task dispatched (`.delay()`, `.apply_async()`, a canvas, `app.send_task()`)
    in a receiver of one of Django's model signals (`pre_save`, `post_save`, `pre_delete`,
    `post_delete`, `m2m_changed`, connected with `@receiver(...)` or
    `<signal>.connect(func)`) or in the `save()`/`delete()` method of a Django model,
    unless it is deferred with `transaction.on_commit(...)` or `delay_on_commit()`.

    Receivers of other signals (`request_finished`, a project's own `Signal()`) are not
    reported: nothing says they run while a row is written.

    ## Why is this bad?
    These hooks run while the row is being written, often inside a transaction: Django
    sends `pre_delete`, `post_delete` and `m2m_changed` inside its own, and `save()` is
    called inside the caller's (`transaction.atomic()`, `ATOMIC_REQUESTS`, the admin's
    change views). The message reaches the broker at once, so a fast worker reads the row
    before it is committed (`DoesNotExist`, or the old values), and after a rollback the
    task runs for a change that never happened. In `pre_save` and before `super().save()`
    the row is not even written yet.

    ## Use instead
    ```python
    @receiver(post_save, sender=Order)
    def order_saved(sender, instance, created, **kwargs):
        if created:
            transaction.on_commit(partial(send_receipt.delay, instance.pk))
            # or, with Celery >= 5.4 and Django's task class: send_receipt.delay_on_commit(...)
    ```

    ## Fix safety
    As for CEL301: the fix wraps a dispatch statement whose result is unused in
    `transaction.on_commit(functools.partial(...))`, importing `transaction` and
    `functools` when needed. It is unsafe: the task no longer runs when the transaction
    rolls back, it runs after the outermost transaction commits rather than at once (in
    autocommit mode `on_commit` runs the function immediately), and the call no longer
    returns an `AsyncResult`.
    """

    code = "CEL310"
    name = "dispatch-in-signal-or-save"
    message = "`{call}()` dispatches a task in {where}, which runs while the row is written (often inside a transaction): the worker can run it before the commit, or after a rollback; use `transaction.on_commit()`"
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    examples = (
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/models.py": """
                    from django.db import models


                    class Order(models.Model):
                        total = models.IntegerField()

                        def save(self, *args, **kwargs):
                            from shop.tasks import send_receipt

                            super().save(*args, **kwargs)
                            send_receipt.delay(self.pk)  # error: CEL310
                """,
                "shop/decorators.py": """
                    def on_backend(name):
                        def wrap(fn):
                            return fn

                        return wrap
                """,
                "shop/signals.py": """
                    from django.db.models.signals import m2m_changed, post_delete, post_save
                    from django.dispatch import receiver

                    from shop.decorators import on_backend
                    from shop.models import Order
                    from shop.tasks import send_receipt


                    @receiver(post_save, sender=Order)
                    def order_saved(sender, instance, created, **kwargs):
                        if created:
                            send_receipt.delay(instance.pk)  # error: CEL310


                    @receiver([post_delete, m2m_changed], sender=Order)
                    def order_changed(sender, instance, **kwargs):
                        send_receipt.s(instance.pk).apply_async(countdown=5)  # error: CEL310


                    @on_backend("geo")  # a project decorator, no transaction
                    def order_deleted(sender, instance, **kwargs):
                        send_receipt.apply_async((instance.pk,))  # error: CEL310


                    post_delete.connect(order_deleted, sender=Order)
                """,
            },
            fixed={
                "shop/models.py": """
                    from django.db import models
                    from django.db import transaction
                    import functools


                    class Order(models.Model):
                        total = models.IntegerField()

                        def save(self, *args, **kwargs):
                            from shop.tasks import send_receipt

                            super().save(*args, **kwargs)
                            transaction.on_commit(functools.partial(send_receipt.delay, self.pk))  # error: CEL310
                """,
                "shop/signals.py": """
                    from django.db.models.signals import m2m_changed, post_delete, post_save
                    from django.dispatch import receiver

                    from shop.decorators import on_backend
                    from shop.models import Order
                    from shop.tasks import send_receipt
                    from django.db import transaction
                    import functools


                    @receiver(post_save, sender=Order)
                    def order_saved(sender, instance, created, **kwargs):
                        if created:
                            transaction.on_commit(functools.partial(send_receipt.delay, instance.pk))  # error: CEL310


                    @receiver([post_delete, m2m_changed], sender=Order)
                    def order_changed(sender, instance, **kwargs):
                        transaction.on_commit(functools.partial(send_receipt.s(instance.pk).apply_async, countdown=5))  # error: CEL310


                    @on_backend("geo")  # a project decorator, no transaction
                    def order_deleted(sender, instance, **kwargs):
                        transaction.on_commit(functools.partial(send_receipt.apply_async, (instance.pk,)))  # error: CEL310


                    post_delete.connect(order_deleted, sender=Order)
                """,
            },
        ),
        # deferred dispatches; receivers of signals sent outside any write; a ``save``
        # method of a class that is not a model; ``delay`` of something that is no task
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/signals.py": """
                    from functools import partial

                    from django.core.signals import request_finished
                    from django.db import transaction
                    from django.db.models.signals import post_save
                    from django.dispatch import Signal, receiver

                    from shop.models import Order
                    from shop.tasks import send_receipt

                    order_paid = Signal()


                    @receiver(post_save, sender=Order)
                    def order_saved(sender, instance, created, **kwargs):
                        transaction.on_commit(lambda: send_receipt.delay(instance.pk))
                        transaction.on_commit(partial(send_receipt.delay, instance.pk))
                        send_receipt.delay_on_commit(instance.pk)

                        def _later():
                            send_receipt.delay(instance.pk)

                        transaction.on_commit(_later)


                    @receiver(order_paid)
                    def paid(sender, order, **kwargs):
                        send_receipt.delay(order.pk)


                    @receiver(request_finished)
                    def finished(sender, **kwargs):
                        send_receipt.delay(0)


                    def not_connected(sender, instance, **kwargs):
                        send_receipt.delay(instance.pk)


                    order_paid.connect(not_connected)
                """,
                "shop/models/__init__.py": "",
                "shop/models/forms.py": """
                    from django.forms.models import ModelForm


                    class OrderForm(ModelForm):
                        def save(self, commit=True):
                            from shop.tasks import send_receipt

                            order = super().save(commit)
                            send_receipt.delay(order.pk)
                            return order
                """,
                "shop/cache.py": """
                    from shop.tasks import send_receipt


                    class Draft:
                        def save(self, queue):
                            send_receipt.delay(1)
                            queue.delay(self)

                        def delete(self):
                            self.timer.delay(5)
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        connected: dict[str, str] = {}
        for facts in index.by_path.values():
            for connect in facts.signal_connects:
                connected.setdefault(index.resolve(connect.receiver), connect.signal)
        for facts in index.by_path.values():
            for hook in facts.hook_dispatches:
                where = self._where(index, facts, hook, connected)
                if where is None or not index.transactions.dispatches(hook.kind, hook.target):
                    continue
                if index.transactions.in_transaction(False, hook.candidates):
                    continue  # CEL301 reports it
                fix = next((f.fix for f in facts.hook_fixes if f.span == hook.span), None)
                yield Finding(
                    facts.path, hook.span or NO_SPAN, {"call": hook.text, "where": where}, fix=fix
                )

    @staticmethod
    def _where(
        index: ProjectIndex, facts: ModuleFacts, hook: HookDispatchFact, connected: dict[str, str]
    ) -> str | None:
        if hook.hook == "view":
            return None  # CEL311's
        if hook.hook in ("save", "delete"):
            if not is_model_class(index, facts.module, hook.owner_bases):
                return None
            return f"`{hook.function}()`"
        if hook.hook:
            return f"`{hook.hook}` receiver `{hook.function}()`"
        signal = connected.get(f"{facts.module}.{hook.function}")
        if signal is None:
            return None
        return f"`{signal}` receiver `{hook.function}()`"
