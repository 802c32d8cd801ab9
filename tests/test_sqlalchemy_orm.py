"""SQLAlchemy queries returning ORM instances (CEL302): whose receiver is SQLAlchemy's."""

from __future__ import annotations

import pytest

from celerylint.kit.values import CallValue, Value
from celerylint.semantics.sqlalchemy_orm import holds

ASSIGNED: dict[str, Value] = {
    "proj.ext.db": CallValue("flask_sqlalchemy.SQLAlchemy", (), ()),
    "proj.db.SessionLocal": CallValue("sqlalchemy.orm.sessionmaker", (), ()),
    "proj.http.client": CallValue("requests.Session", (), ()),
}
BASES: dict[str, tuple[str, ...]] = {
    "proj.models.Base": ("proj.ext.db.Model",),
    "proj.models.Invoice": ("proj.models.Base",),
    "proj.models.Search": ("builtins.object",),
}
SESSION = ("session", "scoped")


@pytest.mark.parametrize(
    ("path", "kinds", "expected"),
    [
        ("proj.ext.db", ("flask_db",), True),  # db.get_or_404(...)
        ("proj.ext.db.session", SESSION, True),  # db.session.get(...)
        ("proj.db.SessionLocal()", SESSION, True),
        ("proj.db.SessionLocal", SESSION, False),  # a sessionmaker has no get()
        ("sqlalchemy.orm.Session()", SESSION, True),  # a parameter annotated Session
        ("requests.Session()", SESSION, False),
        ("proj.http.client", SESSION, False),
        ("proj.ext.db", SESSION, False),
        ("proj.models.Invoice", ("model",), True),  # Invoice.query.get(...)
        ("proj.models.Base", ("model",), True),
        ("proj.models.Search", ("model",), False),
        ("proj.unknown.Thing", ("model",), False),
    ],
)
def test_holds(path: str, kinds: tuple[str, ...], expected: bool) -> None:
    assert holds(path, kinds, ASSIGNED.get, BASES.get) is expected
