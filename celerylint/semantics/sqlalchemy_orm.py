"""SQLAlchemy and Flask-SQLAlchemy queries that return ORM instances (CEL302).

Phase 1 recognises the shape of a query and writes down what it is called on as a path
(``semantics/transactions.py``); the project index decides once the module-level
assignments are known whether that receiver really is a SQLAlchemy object:

- ``db.get_or_404(Model, id)``, ``db.first_or_404(stmt)``, ``db.one_or_404(stmt)`` on a
  ``flask_sqlalchemy.SQLAlchemy()`` instance;
- ``session.get(Model, id)`` and ``db.session.get(...)`` on a session (``Session()``,
  ``sessionmaker()()``, a ``scoped_session``, Flask-SQLAlchemy's ``db.session``, a parameter
  annotated ``Session``) -- ``requests.Session().get(url)`` is no such object;
- ``session.scalars(select(Model)...).one()`` / ``.first()`` / ``.one_or_none()`` and
  ``session.execute(select(Model)...).scalar_one()`` / ``.scalar_one_or_none()`` /
  ``.scalar()``, when ``select()`` is SQLAlchemy's and its first argument a plain name (a
  class: ``select(Model.id)`` or ``select(func.count())`` give plain values);
- ``Model.query.get(...)`` / ``.first()`` / ``.one()`` / ``.get_or_404()`` /
  ``.first_or_404()`` (also after ``filter_by()`` ...), with ``Model`` a project class
  deriving from ``db.Model`` of a ``SQLAlchemy()`` instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.semantics.transactions import (
    AssignedValue,
    ClassBases,
    receiver_path,
    sqlalchemy_kind,
)

if TYPE_CHECKING:
    from celerylint.kit.context import FileContext

#: SQLAlchemy's declarative bases: a class deriving from one of them (or from what one of
#: the factories returns) is an ORM model (the models layer of CEL101/CEL102)
DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
SELECT_REFS = frozenset({"sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select"})
_FLASK_SHORTCUTS = frozenset({"get_or_404", "first_or_404", "one_or_404"})
_SESSION_KINDS = ("session", "scoped")
_SCALARS_ONE = frozenset({"one", "first", "one_or_none"})
_EXECUTE_ONE = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})
_QUERY_ONE = frozenset({"get", "first", "one", "one_or_none", "get_or_404", "first_or_404"})
#: ``Model.query.<these>(...)`` keep a query
_QUERY_STEPS = frozenset({"filter", "filter_by", "order_by", "where", "join", "options"})


@dataclass(frozen=True, slots=True)
class OrmQuery:
    """A query that returns a model instance if ``path`` is a SQLAlchemy object of one
    of ``kinds`` (``"model"``: a Flask-SQLAlchemy model class)."""

    path: str
    kinds: tuple[str, ...]


def orm_query(node: cst.BaseExpression, ctx: FileContext) -> OrmQuery | None:
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    method = node.func.attr.value
    receiver = node.func.value
    if method in _FLASK_SHORTCUTS:
        found = _on(receiver, ctx, ("flask_db",)) if _class_first(node) else None
        return found if found is not None else _model_query(receiver, ctx)
    if method == "get" and len(node.args) >= 2 and _class_first(node):
        return _on(receiver, ctx, _SESSION_KINDS)
    if method in _QUERY_ONE:
        found = _model_query(receiver, ctx)
        if found is not None:
            return found
    inner = _call_on(receiver)
    if inner is None:
        return None
    name, call = inner
    if not (
        (name == "scalars" and method in _SCALARS_ONE)
        or (name == "execute" and method in _EXECUTE_ONE)
    ):
        return None
    if not call.args or not _selects_entity(call.args[0].value, ctx):
        return None
    assert isinstance(call.func, cst.Attribute)
    return _on(call.func.value, ctx, _SESSION_KINDS)


def _class_first(node: cst.Call) -> bool:
    """The first argument names a class (``get(Invoice, id)``; ``first_or_404(select(...))``)."""
    if not node.args or node.args[0].keyword is not None or node.args[0].star:
        return False
    value = node.args[0].value
    if isinstance(value, cst.Call):  # ``db.first_or_404(select(Invoice))``
        return True
    name = value.attr.value if isinstance(value, cst.Attribute) else getattr(value, "value", "")
    return isinstance(name, str) and name[:1].isupper()


def _on(receiver: cst.BaseExpression, ctx: FileContext, kinds: tuple[str, ...]) -> OrmQuery | None:
    path = receiver_path(receiver, ctx)
    return OrmQuery(path, kinds) if path is not None else None


def _call_on(node: cst.BaseExpression) -> tuple[str, cst.Call] | None:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.func.attr.value, node
    return None


def _model_query(receiver: cst.BaseExpression, ctx: FileContext) -> OrmQuery | None:
    """``Model.query`` / ``Model.query.filter_by(...)``: the path of ``Model``."""
    while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
        if receiver.func.attr.value not in _QUERY_STEPS:
            return None
        receiver = receiver.func.value
    if not (isinstance(receiver, cst.Attribute) and receiver.attr.value == "query"):
        return None
    model = receiver.value
    if not isinstance(model, cst.Name | cst.Attribute):
        return None
    ref = ctx.resolve(model)
    return OrmQuery(ref, ("model",)) if ref is not None else None


def _selects_entity(node: cst.BaseExpression, ctx: FileContext) -> bool:
    """``select(Model)...`` (any ``.where()``/``.filter_by()`` after it)."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    if not isinstance(node, cst.Call) or ctx.resolve(node.func) not in SELECT_REFS:
        return False
    return len(node.args) == 1 and isinstance(node.args[0].value, cst.Name)


def holds(
    query_path: str, kinds: tuple[str, ...], assigned: AssignedValue, bases: ClassBases
) -> bool:
    """Phase 2: is the receiver of the query a SQLAlchemy object of one of ``kinds``?"""
    if kinds == ("model",):
        return is_flask_model(query_path, assigned, bases, 0)
    return sqlalchemy_kind(query_path, assigned, bases) in kinds


def is_flask_model(ref: str, assigned: AssignedValue, bases: ClassBases, depth: int) -> bool:
    """A project class deriving (maybe through project classes) from ``db.Model``."""
    found = bases(ref)
    if found is None or depth > 8:
        return False
    return any(
        sqlalchemy_kind(base, assigned, bases) == "flask_db.Model"
        or is_flask_model(base, assigned, bases, depth + 1)
        for base in found
    )
