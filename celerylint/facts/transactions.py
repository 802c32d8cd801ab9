"""Facts about database transactions (``semantics/transactions.py`` decides what is atomic):
which module-level functions enter ``transaction.atomic`` (project wrappers), calls that
may dispatch a task while a transaction is (maybe) open (Django's, or a SQLAlchemy
``with <x>.begin():`` block), and ``select_for_update()``
queries with the transaction state around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import LockFact, TxCallFact
from celerylint.kit.context import FileContext
from celerylint.semantics.call_shapes import SEND_NOW_METHODS, SIGNATURE_METHODS
from celerylint.semantics.tasks import may_be_project_ref
from celerylint.semantics.transactions import (
    TransactionScope,
    bare_begin,
    commit_receiver,
    enters_atomic,
    evaluated_lock,
    select_for_update_chain,
    transaction_scope,
)

SpanOf = Callable[[cst.CSTNode], Span]


@dataclasses.dataclass(slots=True)
class _OpenBegin:
    """A bare ``<x>.begin()`` statement not yet followed by ``<x>.commit()`` in its block;
    the dispatches seen since wait for that commit."""

    function: int  # id of the function node
    suite: int  # id of the block holding the statement
    path: str
    text: str
    receivers: tuple[str, ...]
    pending: list[tuple[TxCallFact, cst.CSTNode]] = dataclasses.field(default_factory=list)


#: ``chain(...)()``, ``group(...).delay()``: canvas objects that dispatch when called
CANVAS_REFS = frozenset(
    {
        "celery.chain",
        "celery.group",
        "celery.chord",
        "celery.signature",
        "celery.canvas.chain",
        "celery.canvas.group",
        "celery.canvas.chord",
        "celery.canvas.signature",
        "celery.canvas.Signature",
    }
)
DISPATCH_METHODS = SEND_NOW_METHODS


def _text(node: cst.CSTNode) -> str:
    text = cst.Module([]).code_for_node(node)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


class TransactionCollector:
    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._atomic_functions: dict[str, None] = {}
        self._calls: list[tuple[TxCallFact, cst.CSTNode]] = []
        self._locks: list[tuple[LockFact, cst.CSTNode | None]] = []
        self._scope_key: tuple[int, int, int] | None = None
        self._scope = TransactionScope(False, ())
        self._suites: list[int] = []
        self._open: list[_OpenBegin] = []

    def _transaction(self) -> TransactionScope:
        ctx = self.ctx
        fn = ctx.function
        blocks = ctx.with_blocks
        key = (id(fn.node) if fn is not None else 0, len(blocks), id(blocks[-1]) if blocks else 0)
        if key != self._scope_key:
            self._scope_key = key
            self._scope = transaction_scope(ctx)
        return self._scope

    def _maybe_in_transaction(self) -> bool:
        ctx = self.ctx
        if ctx.local_with_blocks:
            return True
        fn = ctx.function
        return fn is not None and isinstance(fn.node, cst.FunctionDef) and bool(fn.node.decorators)

    # -- project functions that enter ``atomic`` -------------------------------------------

    def _module_function(self) -> str | None:
        ctx = self.ctx
        frames = ctx.resolver.frames
        if not ctx.functions or len(frames) < 2 or frames[1].kind != "function":
            return None
        outer = ctx.functions[0].node
        return outer.name.value if isinstance(outer, cst.FunctionDef) else None

    def _note_atomic(self, node: cst.CSTNode) -> None:
        name = self._module_function()
        if (
            name is not None
            and name not in self._atomic_functions
            and enters_atomic(node, self.ctx)
        ):
            self._atomic_functions[name] = None

    def visit_With(self, node: cst.With) -> None:
        self._note_atomic(node)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self._note_atomic(node)

    # -- calls --------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if ctx.functions:
            func = node.func
            if isinstance(func, cst.Name) or (
                isinstance(func, cst.Attribute) and func.attr.value == "atomic"
            ):
                self._note_atomic(node)
            if evaluated_lock(node):
                self._lock(node)
        opened = self._opened_here()
        if not self._maybe_in_transaction() and not opened:
            return
        found = self._dispatch(node)
        if found is None:
            return
        scope = self._transaction()
        fn = ctx.function
        target, kind, text = found
        qualname = fn.qualname if fn is not None else None
        if scope.atomic or scope.candidates or scope.sqlalchemy:
            fact = TxCallFact(
                target,
                kind,
                text,
                qualname,
                scope.atomic,
                scope.candidates,
                sqlalchemy=scope.sqlalchemy,
            )
            ctx.want_position(node)
            self._calls.append((fact, node))
        elif opened:  # kept only if the ``commit()`` of the ``begin()`` follows
            last = opened[-1]
            fact = TxCallFact(
                target, kind, text, qualname, False, (), sqlalchemy=((last.path, last.text),)
            )
            ctx.want_position(node)
            last.pending.append((fact, node))

    # -- bare ``<x>.begin()`` ... ``<x>.commit()`` -------------------------------------------

    def _opened_here(self) -> list[_OpenBegin]:
        fn = self.ctx.function
        if fn is None or not self._open:
            return []
        return [o for o in self._open if o.function == id(fn.node)]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._suites.append(id(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._leave_suite(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._suites.append(id(node))

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._leave_suite(original_node)

    def _leave_suite(self, node: cst.CSTNode) -> None:
        if self._suites and self._suites[-1] == id(node):
            self._suites.pop()
        # a ``begin()`` whose block ends without its ``commit()``: its dispatches are dropped
        self._open = [o for o in self._open if o.suite != id(node)]

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        fn = self.ctx.function
        if fn is None or not self._suites:
            return
        for stmt in node.body:
            committed = commit_receiver(stmt)
            if committed is not None:
                self._commit(committed)
                continue
            begin = bare_begin(stmt, self.ctx)
            if begin is not None:
                path, text, receivers = begin
                self._open.append(_OpenBegin(id(fn.node), self._suites[-1], path, text, receivers))

    def _commit(self, receiver: str) -> None:
        """``<x>.commit()``: the dispatches since ``<x>.begin()`` in this block ran inside it."""
        suite = self._suites[-1]
        for found in reversed(self._open):
            if found.suite == suite and receiver in found.receivers:
                self._calls.extend(found.pending)
                self._open.remove(found)
                return

    def visit_For(self, node: cst.For) -> None:
        it = node.iter
        if self.ctx.functions and isinstance(it, cst.Call) and select_for_update_chain(it):
            self._lock(it)

    def _lock(self, node: cst.Call) -> None:
        fn = self.ctx.function
        if fn is None:
            return
        scope = self._transaction()
        where: cst.CSTNode | None = None
        if not scope.atomic:
            where = node
            self.ctx.want_position(node)
        self._locks.append((LockFact(fn.qualname, scope.atomic, scope.candidates), where))

    def _dispatch(self, node: cst.Call) -> tuple[str, str, str] | None:
        """(target, kind, text) when ``node`` may dispatch a task or call a project helper."""
        func = node.func
        if isinstance(func, cst.Call) or (
            isinstance(func, cst.Attribute) and func.attr.value in _DISPATCH_OR_SEND
        ):
            return task_dispatch(node, self.ctx)
        if isinstance(func, cst.Attribute):
            # ``services.charge_later()``: a function of an imported module, not a method
            receiver = func.value
            if not isinstance(receiver, cst.Name):
                return None
            head = self.ctx.resolver.lookup(receiver.value)
            if head is None or head.startswith(f"{self.ctx.module}."):
                return None
            ref = self.ctx.resolve(func)
            if ref is not None and may_be_project_ref(ref):
                return ref, "call", _text(func)
            return None
        if isinstance(func, cst.Name):
            ref = self.ctx.resolve(func)
            if ref is not None and may_be_project_ref(ref):
                return ref, "call", _text(func)
        return None

    # -- result -------------------------------------------------------------------------------

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def at(node: cst.CSTNode | None) -> Span | None:
            return span_of(node) if node is not None and span_of is not None else None

        return {
            "atomic_functions": tuple(self._atomic_functions),
            "tx_calls": tuple(dataclasses.replace(f, span=at(n)) for f, n in self._calls),
            "locks": tuple(dataclasses.replace(f, span=at(n)) for f, n in self._locks),
        }


_DISPATCH_OR_SEND = DISPATCH_METHODS | {"send_task"}


def task_dispatch(node: cst.Call, ctx: FileContext) -> tuple[str, str, str] | None:
    """(target, kind, text) when ``node`` may dispatch a task right now: ``t.delay()``,
    ``t.apply_async()``, ``t.s(...).delay()``, ``chain(...)()``, ``app.send_task()``
    (kind "task", "canvas" or "send_task"; the index confirms the target)."""
    resolve = ctx.resolve
    func = node.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver = func.value
        if method in DISPATCH_METHODS:
            if isinstance(receiver, cst.Name | cst.Attribute):
                ref = resolve(receiver)
                return (ref, "task", _text(func)) if ref else None
            return _canvas(ctx, receiver, func)
        if method == "send_task":
            ref = resolve(receiver)
            return (ref, "send_task", _text(func)) if ref else None
        return None
    if isinstance(func, cst.Call):  # ``group(...)()``, ``chain(...)()``
        ref = resolve(func.func)
        if ref in CANVAS_REFS:
            return ref, "canvas", _text(func.func) + "(...)"
    return None


def _canvas(
    ctx: FileContext, receiver: cst.BaseExpression, func: cst.Attribute
) -> tuple[str, str, str] | None:
    """``t.s(...).delay()``, ``chain(...).apply_async()``, ``(a.s() | b.s()).delay()``."""
    resolve = ctx.resolve
    while isinstance(receiver, cst.BinaryOperation) and isinstance(receiver.operator, cst.BitOr):
        receiver = receiver.left
    if not isinstance(receiver, cst.Call):
        return None
    inner = receiver.func
    text = f"{_text(inner)}(...).{func.attr.value}"
    if isinstance(inner, cst.Attribute) and inner.attr.value in SIGNATURE_METHODS:
        ref = resolve(inner.value)
        return (ref, "task", text) if ref else None
    ref = resolve(inner)
    if ref in CANVAS_REFS:
        return ref, "canvas", text
    return None
