"""The task-return collector: values task functions return that JSON cannot encode
(CEL610), and calls that teach kombu's JSON encoder more types.

Names are followed inside each task function only, in source order
(``semantics/result_values.py``); nested functions and classes keep their own returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import TaskReturnFact
from celerylint.kit.context import FileContext
from celerylint.semantics.result_values import JSON_CUSTOMIZERS, ValueTable, describe

SpanOf = Callable[[cst.CSTNode], Span]

_CUSTOMIZER_NAMES = frozenset(ref.rsplit(".", 1)[1] for ref in JSON_CUSTOMIZERS)


def _registers_json(call: cst.Call) -> bool:
    """``kombu.serialization.register(name, ...)`` replaces the "json" serializer (or a
    serializer whose name is not literal); registering another name changes nothing here."""
    first = call.args[0] if call.args else None
    if first is None or first.star or first.keyword is not None:
        return True
    value = first.value
    return not (isinstance(value, cst.SimpleString) and value.evaluated_value != "json")


class TaskReturnCollector:
    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._tables: dict[int, ValueTable] = {}
        self._returns: list[tuple[TaskReturnFact, cst.CSTNode]] = []
        self._json_customized = False

    def _table(self) -> ValueTable | None:
        """The table of the innermost function, when that function is a (maybe) task."""
        fn = self.ctx.task
        if fn is None or not isinstance(fn.node, cst.FunctionDef):
            return None
        key = id(fn.node)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = ValueTable(self.ctx.resolve)
        return table

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._tables.pop(id(node), None)

    # -- bindings ----------------------------------------------------------------------------

    def leave_Assign(self, node: cst.Assign) -> None:
        table = self._table()
        if table is not None:
            for target in node.targets:
                table.bind(target.target, node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        table = self._table()
        if table is not None:
            table.bind(node.target, node.value)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        table = self._table()
        if table is not None:
            table.augmented(node)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        table = self._table()
        if table is not None:
            table.bind(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        table = self._table()
        if table is not None:
            table.bind(node.target, None)

    def visit_With(self, node: cst.With) -> None:
        table = self._table()
        if table is None:
            return
        for item in node.items:
            if item.asname is not None:
                # ``with open(p) as f``: ``f`` is the file (``__enter__`` returns it);
                # other context managers may return anything
                table.bind(item.asname.name, item.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        table = self._table()
        if table is not None and node.name is not None:
            table.bind(node.name.name, None)

    # -- returns -----------------------------------------------------------------------------

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        table = self._table()
        fn = self.ctx.task
        if table is None or fn is None:
            return
        hit = table.inside(node.value)
        if hit is None:
            return
        expr, found = hit
        maker = describe(found.maker) if found.maker is not expr else None
        fact = TaskReturnFact(fn.qualname, found.kind, describe(expr), maker)
        self.ctx.want_position(expr)
        self._returns.append((fact, expr))

    # -- kombu JSON customisations -------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        if self._json_customized:
            return
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Name):
            name = func.value
        if name in _CUSTOMIZER_NAMES and self.ctx.resolve(func) in JSON_CUSTOMIZERS:
            self._json_customized = name == "register_type" or _registers_json(node)

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def at(node: cst.CSTNode) -> Span | None:
            return span_of(node) if span_of is not None else None

        return {
            "task_returns": tuple(dataclasses.replace(f, span=at(n)) for f, n in self._returns),
            "json_customized": self._json_customized,
        }
