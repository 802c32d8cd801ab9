from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import NO_SPAN, Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid


class SelectForUpdateOutsideAtomic(ProjectRule):
    """
    ## What it does
    Reports a `select_for_update()` query that runs in a task body (`.get()`, `.first()`,
    `.update()`, a `for` loop over it...) outside `transaction.atomic()`: neither in a
    `with transaction.atomic():` block nor in a function decorated with
    `@transaction.atomic`, nor in a project helper that opens one (a traced `atomic`).

    Only task bodies are checked (a task function, or a method of a `celery.Task`
    subclass): a view may run under `ATOMIC_REQUESTS`, and a helper may only ever be called
    inside a transaction. A lazy queryset built outside the block and evaluated inside it is
    fine and is not reported.

    ## Why is this bad?
    "Evaluating a queryset with `select_for_update()` in autocommit mode on backends which
    support `SELECT ... FOR UPDATE` is a `TransactionManagementError` error" (Django,
    QuerySet API). Tasks run in autocommit mode, so the task crashes on PostgreSQL and
    MySQL, and on SQLite (used in tests) it silently takes no lock: the idempotency guard the
    lock was meant to be does not exist.

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=3)
    def process_payment(self, payment_id):
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(id=payment_id)
            ...
    ```

    ## Fix safety
    There is no fix.
    """

    code = "CEL309"
    name = "select-for-update-outside-atomic"
    message = "`select_for_update()` runs outside `transaction.atomic()` in task `{task}`: Django raises `TransactionManagementError` (no lock is taken)"
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            from celery import Task, shared_task

            from payments.models import Payment


            @shared_task(bind=True, max_retries=3)
            def process_payment(self, payment_id):
                payment = Payment.objects.select_for_update().get(id=payment_id)  # error@15: CEL309
                payment.capture()


            class SettleTask(Task):
                def run(self, batch_id):
                    for payment in Payment.objects.select_for_update().filter(batch=batch_id):  # error@24: CEL309
                        payment.settle()
            """
        ),
        Valid(
            files={
                "payments/__init__.py": "",
                "payments/db.py": """
                    import contextlib

                    from django.db import transaction


                    @contextlib.contextmanager
                    def traced_atomic(name):
                        with transaction.atomic():
                            yield
                """,
                "payments/tasks.py": """
                    from celery import shared_task
                    from django.db import transaction

                    from payments.db import traced_atomic
                    from payments.models import Payment


                    @shared_task(bind=True, max_retries=3)
                    def process_payment(self, payment_id):
                        with transaction.atomic():
                            payment = Payment.objects.select_for_update().get(id=payment_id)
                            payment.capture()


                    @shared_task
                    @transaction.atomic
                    def settle(batch_id):
                        for payment in Payment.objects.select_for_update().filter(batch=batch_id):
                            payment.settle()


                    @shared_task
                    def refund(payment_id):
                        locked = Payment.objects.select_for_update().filter(id=payment_id)
                        with traced_atomic("refund"):
                            payment = locked.get()  # the lazy queryset runs in the block
                            payment.refund()
                """,
                "payments/views.py": """
                    from payments.models import Payment


                    def capture(request, payment_id):  # may run under ATOMIC_REQUESTS
                        return Payment.objects.select_for_update().get(id=payment_id)
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        for facts in index.by_path.values():
            for lock in facts.locks:
                if index.transactions.in_transaction(lock.atomic, lock.candidates):
                    continue
                task = index.task_for(facts.path, lock.function)
                name: str | None = task.fact.function if task is not None else None
                if name is None and lock.function.count(".") == 1:
                    cls = lock.function.split(".", 1)[0]
                    if index.task_class(f"{facts.module}.{cls}") is not None:
                        name = cls
                if name is not None:
                    yield Finding(facts.path, lock.span or NO_SPAN, {"task": name})
