"""SQLAlchemy transactions for CEL301: what a ``begin()`` is called on, and the advice."""

from __future__ import annotations

import pytest

from celerylint.kit.values import CallValue, Ref, Value
from celerylint.semantics.transactions import sqlalchemy_begins
from celerylint.testing import run_files

TASKS = """
from celery import shared_task


@shared_task
def send_receipt(order_id):
    return order_id
"""

ASSIGNED: dict[str, Value] = {
    "proj.db.engine": CallValue("sqlalchemy.create_engine", ("sqlite://",), ()),
    "proj.db.SessionLocal": CallValue("sqlalchemy.orm.sessionmaker", (), ()),
    "proj.db.Scoped": CallValue(
        "sqlalchemy.orm.scoped_session", (Ref("proj.db.SessionLocal"),), ()
    ),
    "proj.db.alias": Ref("proj.db.engine"),
    "proj.ext.db": CallValue("proj.ext.CustomSQLAlchemy", (), ()),
    "proj.ext.other": CallValue("proj.ext.Other", (), ()),
    "proj.ext.session": CallValue("proj.db.SessionLocal", (), ()),
}
BASES: dict[str, tuple[str, ...]] = {
    "proj.ext.CustomSQLAlchemy": ("flask_sqlalchemy.SQLAlchemy",),
    "proj.ext.Other": ("builtins.object",),
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("proj.db.engine.begin", True),
        ("proj.db.engine.begin_nested", False),  # an engine has no begin_nested()
        ("proj.db.engine.connect().begin", True),
        ("proj.db.engine.connect().begin_nested", True),
        ("proj.db.alias.begin", True),
        ("proj.db.SessionLocal.begin", True),  # sessionmaker.begin()
        ("proj.db.SessionLocal.begin_nested", False),
        ("proj.db.SessionLocal().begin_nested", True),
        ("proj.db.SessionLocal.begin().begin", True),  # ``with S.begin() as s: s.begin()``
        ("proj.db.Scoped.begin_nested", True),
        ("proj.db.Scoped().begin", True),
        ("proj.ext.db.session.begin", True),  # a subclass of Flask-SQLAlchemy
        ("proj.ext.db.engine.begin", True),
        ("proj.ext.db.begin", False),
        ("proj.ext.other.session.begin", False),
        ("proj.ext.session.begin", True),
        ("sqlalchemy.orm.Session().begin", True),
        ("sqlalchemy.orm.Session.begin", False),  # the class, not a session
        ("sqlalchemy.orm.sessionmaker.begin", False),
        ("proj.unknown.begin", False),
        ("proj.db.engine().begin", False),
        ("begin", False),
    ],
)
def test_sqlalchemy_begins(path: str, expected: bool) -> None:
    assert sqlalchemy_begins(path, ASSIGNED.get, BASES.get) is expected


def test_sqlalchemy_advice_and_no_django_fix() -> None:
    files = {
        "shop/__init__.py": "",
        "shop/tasks.py": TASKS,
        "shop/extensions.py": (
            "from flask_sqlalchemy import SQLAlchemy as BaseSQLAlchemy\n\n\n"
            "class SQLAlchemy(BaseSQLAlchemy):\n    pass\n\n\ndb = SQLAlchemy()\n"
        ),
        "shop/views.py": (
            "from django.db import transaction\n\n"
            "from shop.extensions import db\n"
            "from shop.tasks import send_receipt\n\n\n"
            "def pay(order_id):\n"
            "    with db.session.begin():\n"
            "        send_receipt.delay(order_id)\n"
            "    with transaction.atomic():\n"
            "        send_receipt.delay(order_id)\n"
        ),
    }
    found = sorted(run_files(files, {"CEL301"}), key=lambda d: d.span.line)
    assert [(d.path, d.span.line, d.span.column) for d in found] == [
        ("shop/views.py", 9, 9),
        ("shop/views.py", 11, 9),
    ]
    sqlalchemy, django = found
    assert "`db.session.begin()` (a SQLAlchemy transaction)" in sqlalchemy.message
    assert "after_commit" in sqlalchemy.message
    assert "on_commit()" not in sqlalchemy.message
    assert sqlalchemy.fix is None
    assert "transaction.on_commit()" in django.message
    assert django.fix is not None
