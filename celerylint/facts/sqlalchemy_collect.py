"""Which project objects the file's SQLAlchemy queries are called on (``db`` of
``db.get_or_404(...)``, ``SessionLocal`` of ``SessionLocal().get(...)``, ``Invoice`` of
``Invoice.query.get(...)``) and the ``<x>.Model`` bases of its classes: the modules
defining them are analysed in full, so that the index can tell whether they are SQLAlchemy
objects (``semantics/sqlalchemy_orm.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.kit.context import FileContext
from celerylint.semantics.sqlalchemy_orm import orm_query
from celerylint.semantics.tasks import may_be_project_ref


class SqlalchemyRefCollector:
    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._refs: dict[str, None] = {}

    def _add(self, ref: str | None) -> None:
        if ref is not None and may_be_project_ref(ref):
            self._refs[ref] = None

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.functions:
            return
        query = orm_query(node, self.ctx)
        if query is not None:
            self._add(query.path.split("(", 1)[0])

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            value = base.value
            if (
                base.keyword is None
                and isinstance(value, cst.Attribute)
                and value.attr.value == "Model"
            ):
                self._add(self.ctx.resolve(value.value))

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> dict[str, Any]:
        return {"sqlalchemy_refs": tuple(self._refs)}
