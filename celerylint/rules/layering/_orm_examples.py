"""CEL101's examples outside Django: models modules of Flask-SQLAlchemy and SQLAlchemy
(``rules/layering/_models_imports.py`` recognises them), kept apart from the rule's
module for its length. They are CEL101's examples, in this place after its Django ones
(``ModelsImportTasks.examples``): tests run them like the others."""

from __future__ import annotations

from celerylint.rules.base import Example, Invalid

ORM_EXAMPLES: tuple[Example, ...] = (
    # Flask-SQLAlchemy / SQLAlchemy models (no Django): a ``models/`` package whose
    # classes derive from ``db.Model`` of an imported ``SQLAlchemy()``, a ``DeclarativeBase``
    # subclass, a ``declarative_base()`` result; relative imports of the tasks
    Invalid(
        files={
            "ledger/__init__.py": "",
            "ledger/extensions.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()
            """,
            "ledger/worker.py": """
                from celery import Celery

                app = Celery("ledger")
            """,
            "ledger/tasks.py": """
                from ledger.worker import app


                @app.task
                def send_invoice(invoice_id):
                    return invoice_id
            """,
            "ledger/models/__init__.py": "from .invoice import Invoice",
            "ledger/models/invoice.py": """
                from ledger.extensions import db

                from ..tasks import send_invoice  # error: CEL101


                class Invoice(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
            """,
            "billing/__init__.py": "",
            "billing/tasks.py": """
                from celery import shared_task


                @shared_task
                def settle(payment_id):
                    return payment_id
            """,
            "billing/models.py": """
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

                from .tasks import settle  # error: CEL101


                class Base(DeclarativeBase):
                    pass


                class Payment(Base):
                    __tablename__ = "payment"
                    id: Mapped[int] = mapped_column(primary_key=True)
            """,
            "crm/__init__.py": "",
            "crm/tasks.py": """
                from celery import shared_task


                @shared_task
                def sync_contact(contact_id):
                    return contact_id
            """,
            "shipping/__init__.py": "",
            "shipping/database.py": """
                from sqlalchemy.orm import declarative_base

                Base = declarative_base()
            """,
            "shipping/tasks.py": """
                from celery import shared_task


                @shared_task
                def ship(parcel_id):
                    return parcel_id
            """,
            "shipping/models.py": """
                from shipping.database import Base
                from shipping.tasks import ship  # error: CEL101


                class Parcel(Base):
                    __tablename__ = "parcel"
            """,
            "crm/models.py": """
                from sqlalchemy import Column, Integer
                from sqlalchemy.orm import declarative_base

                from crm import tasks  # error: CEL101

                Base = declarative_base()


                class Contact(Base):
                    __tablename__ = "contact"
                    id = Column(Integer, primary_key=True)
            """,
        }
    ),
)
