"""The result-use collector: code that needs a result backend (``ResultUseFact``):
``AsyncResult(...)``, ``chord(...)``, and ``.get()``/``.ready()``/``.state``... on the
result of ``task.delay()``/``task.apply_async()``, directly or through a local name.
Phase 2 reads them through ``project/config_model.py`` (``ModuleFacts.result_uses``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import ResultUseFact
from celerylint.kit.context import FileContext
from celerylint.semantics.call_shapes import SEND_NOW_METHODS

SpanOf = Callable[[cst.CSTNode], Span]

RESULT_CLASSES = frozenset(
    {
        "celery.result.AsyncResult",
        "celery.result.GroupResult",
        "celery.result.ResultSet",
        "celery.AsyncResult",
    }
)
CHORD_REFS = frozenset({"celery.chord", "celery.canvas.chord"})
#: reading these on a task call's result needs a result backend
RESULT_METHODS = frozenset({"get", "wait", "ready", "successful", "failed", "join", "collect"})
RESULT_ATTRIBUTES = frozenset({"state", "status", "result", "info", "traceback", "date_done"})
_DISPATCH = SEND_NOW_METHODS


class ResultUseCollector:
    """Result uses: Celery's result classes, chords, reads of a dispatch's result."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._results: list[tuple[ResultUseFact, cst.CSTNode]] = []
        # per function: local names bound to ``task.delay(...)`` results -> the task ref
        self._result_vars: dict[int, dict[str, str]] = {}

    # -- local names bound to a dispatch's result ---------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign_target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign_target(node.target, node.value)

    def _assign_target(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._track_result_var(target.value, value)

    def _track_result_var(self, name: str, value: cst.BaseExpression) -> None:
        if not self.ctx.functions:
            return
        key = id(self.ctx.functions[-1].node)
        receiver = self._dispatch_receiver(value)
        scope = self._result_vars.setdefault(key, {})
        if receiver is not None:
            scope[name] = receiver
        else:
            scope.pop(name, None)

    # -- uses ---------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        ctx = self.ctx
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            owner = func.value
            if method in RESULT_METHODS:
                self._result_method(method, owner, node)
                return
            if method == "AsyncResult" and ctx.resolve(owner) is not None:
                self._result_use("AsyncResult", None, node)
                return
        if isinstance(func, cst.Name | cst.Attribute):
            name = func.value if isinstance(func, cst.Name) else func.attr.value
            if name in {"AsyncResult", "GroupResult", "ResultSet", "chord"}:
                ref = ctx.resolve(func)
                if ref in RESULT_CLASSES:
                    self._result_use("AsyncResult", None, node)
                elif ref in CHORD_REFS:
                    self._result_use("chord", None, node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        if attr not in RESULT_ATTRIBUTES:
            return
        base = node.value
        if isinstance(base, cst.Name):
            if self.ctx.functions:
                scope = self._result_vars.get(id(self.ctx.functions[-1].node))
                if scope is not None and base.value in scope:
                    self._result_use(attr, scope[base.value], node)
        elif isinstance(base, cst.Call):
            self._result_method(attr, base, node)

    def _dispatch_receiver(self, node: cst.BaseExpression) -> str | None:
        """The task ref of ``task.delay(...)``/``task.apply_async(...)``, else None."""
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _DISPATCH
        ):
            return self.ctx.resolve(node.func.value)
        return None

    def _result_method(self, method: str, owner: cst.BaseExpression, node: cst.CSTNode) -> None:
        receiver = self._dispatch_receiver(owner)
        if receiver is None and isinstance(owner, cst.Name) and self.ctx.functions:
            scope = self._result_vars.get(id(self.ctx.functions[-1].node))
            receiver = scope.get(owner.value) if scope else None
        if receiver is not None:
            self._result_use(method, receiver, node)

    def _result_use(self, kind: str, receiver: str | None, node: cst.CSTNode) -> None:
        self.ctx.want_position(node)
        self._results.append((ResultUseFact(kind, receiver), node))

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def place(fact: ResultUseFact, node: cst.CSTNode) -> ResultUseFact:
            return fact if span_of is None else dataclasses.replace(fact, span=span_of(node))

        return {"result_uses": tuple(place(f, n) for f, n in self._results)}
