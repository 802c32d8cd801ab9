from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import NO_SPAN, FixSafety, Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.idempotency._on_commit_fixes import OnCommitFixCollector, on_commit_fix
from celerylint.rules.idempotency._sqlalchemy_examples import SQLALCHEMY_EXAMPLES

DJANGO_ADVICE = "use `transaction.on_commit()`"


class DispatchInsideTransaction(ProjectRule):
    """
    ## What it does
    Reports a task dispatched while a database transaction is open: `.delay()`,
    `.apply_async()`, `app.send_task()`, a canvas (`t.s(...).delay()`, `chain(...)()`,
    `group(...).apply_async()`), inside `with transaction.atomic():`, in a function decorated
    with `@transaction.atomic` (with or without `using=`), or inside a project helper that
    wraps `transaction.atomic` (a traced `atomic` context manager, a decorator that opens
    one). A project function that dispatches a task, called inside the block, is reported at
    that call (one level).

    SQLAlchemy transactions count too: `with session.begin():`, `with
    session.begin_nested():`, `with db.session.begin():` (Flask-SQLAlchemy), `with
    Session.begin() as session:` on a `sessionmaker`, `with Session(engine) as s,
    s.begin():`, `with engine.begin() as conn:`, and a bare `session.begin()` (or `trans =
    conn.begin()`) statement followed in the same block by `session.commit()` (`trans.commit()`):
    a dispatch between the two is reported (one whose `begin()` sits in another block, or
    with no `commit()` in the block, is not). The receiver must be known as a SQLAlchemy
    object (made by `create_engine()`, `sessionmaker()`, `scoped_session()`, `Session()`,
    `flask_sqlalchemy.SQLAlchemy()` -- also imported from a project module, as `db` of
    `from app.extensions import db` -- or a parameter annotated with `Session`); a `begin()`
    on anything else (a project object, a parameter without a type) is left alone.

    Deferred dispatch is fine: `transaction.on_commit(...)` / `connection.on_commit(...)` with
    a lambda, `functools.partial` or a nested function, and `delay_on_commit()`.

    ## Why is this bad?
    The message reaches the broker at once, but the rows the task reads are only visible
    after `COMMIT`. A fast worker runs the task first and sees the old data, or none
    (`DoesNotExist`); after a rollback the task runs for something that never existed
    (Tasks guide → *Database transactions*).

    ## Use instead
    ```python
    with transaction.atomic():
        order = Order.objects.create(total=total)
        transaction.on_commit(partial(send_receipt.delay, order.pk))
        # or, with Celery >= 5.4 and Django's task class: send_receipt.delay_on_commit(order.pk)
    ```

    With SQLAlchemy, dispatch after the `with` block (after `commit()`), or from an
    `after_commit` event of the session (`sqlalchemy.event.listens_for(session,
    "after_commit")`).

    ## Fix safety
    The fix wraps a dispatch statement whose result is unused in
    `transaction.on_commit(functools.partial(...))`, importing `transaction` and `functools`
    when needed (`partial`, not a lambda, so that loop variables keep their current value).
    It is unsafe: the task no longer runs when the transaction rolls back (usually the
    point), it runs after the outermost `atomic` block commits rather than at once, and the
    call no longer returns an `AsyncResult`. Blocks with `atomic(using=...)`, dispatches
    through helpers and canvases whose result is used are left alone. On Celery 5.4+ with
    Django's task class, `delay_on_commit()` is the shorter spelling. SQLAlchemy blocks get
    no fix (`on_commit` is Django's).
    """

    code = "CEL301"
    collector = OnCommitFixCollector
    name = "dispatch-inside-transaction"
    message = "`{call}()` dispatches a task inside {atomic}{via}: the worker can run it before the commit, or after a rollback; {advice}"
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
                "shop/views.py": """
                    from django.db import transaction

                    from shop.models import Order
                    from shop.tasks import send_receipt


                    def checkout(request):
                        with transaction.atomic():
                            order = Order.objects.create(total=10)
                            send_receipt.delay(order.pk)  # error: CEL301
                        return order


                    @transaction.atomic(using="default")
                    def refund(request, order_id):
                        send_receipt.s(order_id).apply_async(countdown=5)  # error: CEL301


                    @transaction.atomic
                    def resend(request, order_id):
                        send_receipt.apply_async((order_id,))  # error: CEL301
                """,
            },
            fixed={
                "shop/views.py": """
                    from django.db import transaction

                    from shop.models import Order
                    from shop.tasks import send_receipt
                    import functools


                    def checkout(request):
                        with transaction.atomic():
                            order = Order.objects.create(total=10)
                            transaction.on_commit(functools.partial(send_receipt.delay, order.pk))  # error: CEL301
                        return order


                    @transaction.atomic(using="default")
                    def refund(request, order_id):
                        send_receipt.s(order_id).apply_async(countdown=5)  # error: CEL301


                    @transaction.atomic
                    def resend(request, order_id):
                        transaction.on_commit(functools.partial(send_receipt.apply_async, (order_id,)))  # error: CEL301
                """,
            },
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/db.py": """
                    import contextlib

                    from django.db import transaction


                    @contextlib.contextmanager
                    def traced_atomic(name):
                        with transaction.atomic():
                            yield
                """,
                "shop/services.py": """
                    from shop.tasks import send_receipt


                    def notify_customer(order_id):
                        send_receipt.delay(order_id)
                """,
                "shop/views.py": """
                    from celery import chain
                    from django.db import transaction

                    from shop import services
                    from shop.db import traced_atomic
                    from shop.services import notify_customer
                    from shop.tasks import send_receipt


                    def checkout(request, order_id):
                        with traced_atomic("checkout"):
                            send_receipt.delay(order_id)  # error: CEL301
                        with transaction.atomic():
                            notify_customer(order_id)  # error: CEL301
                            services.notify_customer(order_id)  # error: CEL301
                            chain(send_receipt.s(order_id), send_receipt.si(order_id))()  # error: CEL301
                """,
            }
        ),
        # SQLAlchemy and Flask-SQLAlchemy transactions and their near misses
        *SQLALCHEMY_EXAMPLES,
        # a transaction on a read replica: the code only reads there, nothing waits for
        # its commit
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def build_report(month):
                        return month
                """,
                "shop/reports.py": """
                    from django.db import transaction

                    from shop.tasks import build_report


                    def monthly(month):
                        with transaction.atomic(using="replica"):
                            build_report.delay(month)
                """,
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/services.py": """
                    from django.db import transaction

                    from shop.tasks import send_receipt


                    def notify_customer(order_id):
                        transaction.on_commit(lambda: send_receipt.delay(order_id))
                """,
                "shop/views.py": """
                    from functools import partial

                    from django.db import connection, transaction

                    from shop.models import Order
                    from shop.services import notify_customer
                    from shop.tasks import send_receipt


                    def checkout(request):
                        with transaction.atomic():
                            order = Order.objects.create(total=10)
                            transaction.on_commit(lambda: send_receipt.delay(order.pk))
                            transaction.on_commit(partial(send_receipt.delay, order.pk))
                            connection.on_commit(send_receipt.s(order.pk).delay)
                            send_receipt.delay_on_commit(order.pk)
                            notify_customer(order.pk)

                            def _notify():
                                send_receipt.delay(order.pk)

                            transaction.on_commit(_notify)
                        send_receipt.delay(order.pk)  # after the block: committed
                        return order
                """,
            }
        ),
        Valid(
            files={
                "mail/__init__.py": "",
                "mail/base.py": """
                    from celery import Task
                    from django.db import transaction


                    class AfterCommitTask(Task):
                        def apply_async(self, *args, **kwargs):
                            transaction.on_commit(lambda: super(AfterCommitTask, self).apply_async(*args, **kwargs))
                """,
                "mail/tasks.py": """
                    from celery import shared_task

                    from mail.base import AfterCommitTask


                    @shared_task(base=AfterCommitTask)
                    def deliver(outbox_id):
                        return outbox_id
                """,
                "mail/jobs.py": """
                    from django.db import transaction

                    from mail.tasks import deliver


                    def requeue_stuck(ids):
                        with transaction.atomic():
                            for pk in ids:
                                deliver.apply_async(args=(pk,))  # the base class defers it to the commit
                """,
            }
        ),
        Valid(
            """
            import contextlib
            import threading

            from django.db import transaction

            lock = threading.Lock()


            @contextlib.contextmanager
            def span(name):
                yield


            def sync(client, queue):
                with lock, span("sync"):
                    queue.delay(1)  # not a task the project defines
                with transaction.atomic():
                    client.delay()  # a parameter: unknown
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        for facts in index.by_path.values():
            for call in facts.tx_calls:
                django = index.transactions.in_transaction(call.atomic, call.candidates)
                begin = None if django else index.transactions.sqlalchemy_transaction(call)
                if not django and begin is None:
                    continue
                found = index.transactions.dispatch_of(call)
                if found is None:
                    continue
                text, dispatch = found
                if begin is not None:
                    atomic = f"`{begin}()` (a SQLAlchemy transaction)"
                    advice = (
                        "dispatch after the block (after `commit()`), "
                        "or from an `after_commit` session event"
                    )
                elif call.atomic:
                    atomic = "`transaction.atomic()`"
                    advice = DJANGO_ADVICE
                else:
                    wrapper = next(
                        c for c in call.candidates if index.transactions.is_atomic_wrapper(c)
                    )
                    atomic = f"`{wrapper.rsplit('.', 1)[-1]}()` (it opens `transaction.atomic()`)"
                    advice = DJANGO_ADVICE
                via = f" (it calls `{dispatch}()`)" if dispatch != text else ""
                # ``transaction.on_commit`` is Django's: no fix for a SQLAlchemy block
                fix = on_commit_fix(facts, call.span) if django and call.kind != "call" else None
                yield Finding(
                    facts.path,
                    call.span or NO_SPAN,
                    {"call": text, "atomic": atomic, "via": via, "advice": advice},
                    fix=fix,
                )
