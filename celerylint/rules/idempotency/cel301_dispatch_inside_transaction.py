from __future__ import annotations

from collections.abc import Callable, Iterator

import libcst as cst

from celerylint.diagnostics import NO_SPAN, FixSafety, Severity, Span
from celerylint.factdata import FixFact
from celerylint.facts.on_commit import DISPATCH, decorated, deferred_dispatch, uses_other_database
from celerylint.kit.context import FileContext
from celerylint.kit.edits import NodeFix
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.transactions import transaction_scope

DJANGO_ADVICE = "use `transaction.on_commit()`"


class OnCommitFixCollector:
    """CEL301's own phase 1: the ready ``on_commit`` fix of each dispatch statement that may
    run in a transaction, keyed by the call's span (phase 2 decides whether it does)."""

    code = "CEL301"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._found: list[tuple[cst.Call, NodeFix]] = []

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        ctx = self.ctx
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in DISPATCH
            and ctx.functions
            and (ctx.local_with_blocks or decorated(ctx))
        ):
            return
        scope = transaction_scope(ctx)
        if not (scope.atomic or scope.candidates) or uses_other_database(ctx):
            return
        fix = deferred_dispatch(self.ctx, call)
        if fix is not None:
            ctx.want_fix(fix)
            ctx.want_position(call)
            self._found.append((call, fix))

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> tuple[FixFact, ...] | None:
        found = []
        for call, node_fix in self._found:
            fix = self.ctx.realized_fix(node_fix)
            if fix is not None and span_of is not None:
                found.append(FixFact(span_of(call), fix))
        return tuple(found) or None


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

    ## Example
    ```python
    with transaction.atomic():
        order = Order.objects.create(total=total)
        send_receipt.delay(order.pk)
    ```

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
        # SQLAlchemy: a session's, a sessionmaker's, an engine's or a connection's
        # ``begin()`` (Flask-SQLAlchemy's ``db.session`` included); no ``on_commit`` fix
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/extensions.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "shop/database.py": """
                    from sqlalchemy import create_engine
                    from sqlalchemy.orm import scoped_session, sessionmaker

                    engine = create_engine("postgresql://db/shop")
                    SessionLocal = sessionmaker(bind=engine)
                    Session = scoped_session(SessionLocal)
                """,
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/orders.py": """
                    from sqlalchemy.orm import Session as OrmSession

                    from shop.database import Session, SessionLocal, engine
                    from shop.extensions import db
                    from shop.models import Order
                    from shop.tasks import send_receipt


                    def checkout(total):
                        with db.session.begin():
                            order = Order(total=total)
                            db.session.add(order)
                            send_receipt.delay(order.id)  # error@9: CEL301


                    def refund(session: OrmSession, order_id):
                        with session.begin():
                            send_receipt.apply_async((order_id,))  # error@9: CEL301


                    def resend(order_id):
                        with OrmSession(engine) as s, s.begin():
                            send_receipt.delay(order_id)  # error@9: CEL301
                        with SessionLocal.begin() as session:
                            session.get(Order, order_id)
                            send_receipt.delay(order_id)  # error@9: CEL301
                        nested = SessionLocal()
                        with nested.begin_nested():
                            send_receipt.s(order_id).delay()  # error@9: CEL301
                        with Session.begin_nested():
                            send_receipt.delay(order_id)  # error@9: CEL301
                        with engine.begin() as conn:
                            conn.execute(Order.__table__.select())
                            send_receipt.delay(order_id)  # error@9: CEL301
                """,
            }
        ),
        # the Flask service form: ``db`` imported from the project's extensions module, a
        # task of an app (``@app.task``); a bare ``begin()`` ... ``commit()`` in one block
        Invalid(
            files={
                "ledger/__init__.py": "",
                "ledger/extensions.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "ledger/database.py": """
                    from sqlalchemy import create_engine
                    from sqlalchemy.orm import sessionmaker

                    engine = create_engine("postgresql://db/ledger")
                    SessionLocal = sessionmaker(bind=engine)
                """,
                "ledger/tasks.py": """
                    from celery import Celery

                    app = Celery("ledger")


                    @app.task
                    def charge_card(invoice_id):
                        return invoice_id
                """,
                "ledger/views.py": """
                    from ledger.database import SessionLocal, engine
                    from ledger.extensions import db
                    from ledger.tasks import charge_card


                    def pay(invoice):
                        with db.session.begin():
                            invoice.total = 0
                            charge_card.delay(invoice.id)  # error: CEL301


                    def settle(invoice_id, retry):
                        session = SessionLocal()
                        session.begin()
                        if retry:
                            charge_card.delay(invoice_id)  # error: CEL301
                        session.commit()
                        db.session.begin()
                        charge_card.apply_async((invoice_id,))  # error: CEL301
                        db.session.commit()
                        conn = engine.connect()
                        trans = conn.begin()
                        charge_card.delay(invoice_id)  # error: CEL301
                        trans.commit()
                """,
            }
        ),
        # near misses of the bare form: dispatch after ``commit()``; a ``begin()`` with no
        # ``commit()`` in its block; ``begin()`` on an object that is not SQLAlchemy's (a
        # project batch, a parameter without a type); a listener defined in between
        Valid(
            files={
                "ledger/__init__.py": "",
                "ledger/extensions.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "ledger/cache.py": """
                    class LocalBatch:
                        def begin(self):
                            return self

                        def commit(self):
                            return None

                        def __enter__(self):
                            return self

                        def __exit__(self, *exc):
                            return None


                    batch = LocalBatch()
                """,
                "ledger/tasks.py": """
                    from celery import Celery

                    app = Celery("ledger")


                    @app.task
                    def charge_card(invoice_id):
                        return invoice_id
                """,
                "ledger/views.py": """
                    from sqlalchemy import event

                    from ledger.cache import batch
                    from ledger.extensions import db
                    from ledger.tasks import charge_card


                    def remind(invoice_id, store, fresh):
                        with batch.begin():
                            charge_card.delay(invoice_id)
                        batch.begin()
                        charge_card.delay(invoice_id)
                        batch.commit()
                        store.begin()
                        charge_card.delay(invoice_id)
                        store.commit()
                        db.session.begin()
                        db.session.add(invoice_id)
                        db.session.commit()
                        charge_card.delay(invoice_id)  # after the commit


                    def maybe(invoice_id, fresh):
                        if fresh:
                            db.session.begin()
                        charge_card.delay(invoice_id)  # the begin() may not have run
                        db.session.commit()
                        db.session.begin()
                        charge_card.delay(invoice_id)  # no commit() in this block
                        if fresh:
                            db.session.commit()


                    def listen(invoice_id):
                        db.session.begin()
                        event.listen(db.session, "after_commit", lambda s: charge_card.delay(invoice_id))

                        def _later():
                            charge_card.delay(invoice_id)

                        db.session.commit()
                        return _later
                """,
            }
        ),
        # SQLAlchemy near misses: dispatch after the block or from an ``after_commit``
        # listener; a ``begin()`` on something that is not a SQLAlchemy session or engine
        # (a parameter without a type, another library's object, a name bound twice)
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/extensions.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "shop/database.py": """
                    from sqlalchemy import create_engine
                    from sqlalchemy.orm import scoped_session, sessionmaker

                    engine = create_engine("postgresql://db/shop")
                    SessionLocal = sessionmaker(bind=engine)
                    Session = scoped_session(SessionLocal)
                """,
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/orders.py": """
                    import threading

                    from sqlalchemy import event

                    from shop.database import SessionLocal
                    from shop.extensions import db
                    from shop.tasks import send_receipt

                    ledger = threading.Lock()


                    def checkout(order):
                        with db.session.begin():
                            db.session.add(order)

                            @event.listens_for(db.session, "after_commit", once=True)
                            def _notify(session):
                                send_receipt.delay(order.id)

                        send_receipt.delay(order.id)  # after the block: committed


                    def sync(store, client, order_id, fresh):
                        with store.begin():  # a parameter: unknown
                            send_receipt.delay(order_id)
                        with client.session.begin_nested():
                            send_receipt.delay(order_id)
                        session = SessionLocal() if fresh else store
                        with session.begin():  # maybe not a session
                            send_receipt.delay(order_id)
                        with SessionLocal.begin_nested():  # a sessionmaker has no begin_nested()
                            send_receipt.delay(order_id)
                """,
                "shop/ledger.py": """
                    from shop.tasks import send_receipt


                    class Ledger:
                        def begin(self):
                            return self


                    book = Ledger()


                    def post(order_id):
                        with book.begin():  # a project object, not SQLAlchemy
                            send_receipt.delay(order_id)
                """,
            }
        ),
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
                fix = (
                    next(
                        (f.fix for f in facts.rule_data(self.code) or () if f.span == call.span),
                        None,
                    )
                    if django and call.kind != "call"
                    else None
                )
                yield Finding(
                    facts.path,
                    call.span or NO_SPAN,
                    {"call": text, "atomic": atomic, "via": via, "advice": advice},
                    fix=fix,
                )
