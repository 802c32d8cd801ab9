"""CEL301's SQLAlchemy and Flask-SQLAlchemy examples (``begin()`` blocks, the bare
``begin()`` ... ``commit()`` form, and their near misses), kept apart from the rule's
module for its length. They are CEL301's examples, in this order after its first two
(``DispatchInsideTransaction.examples``): tests run them and the rule page shows them."""

from __future__ import annotations

from celerylint.rules.base import Example, Invalid, Valid

SQLALCHEMY_EXAMPLES: tuple[Example, ...] = (
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
)
