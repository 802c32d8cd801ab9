"""The retry collector: ``self.retry(...)`` calls inside a (maybe) task (``RetryFact``),
with the arguments rules read (CEL506: ``countdown``, ``eta``; CEL204: ``max_retries``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import RetryFact
from celerylint.kit.context import FileContext
from celerylint.kit.values import evaluate
from celerylint.semantics.calls import eta_delay, keyword

SpanOf = Callable[[cst.CSTNode], Span]

#: the ``self.retry(...)`` arguments rules read (CEL506: countdown, eta; CEL204: max_retries)
_RETRY_KWARGS = frozenset({"countdown", "eta", "max_retries"})


class RetryCollector:
    """Every ``<x>.retry(...)`` call in a (maybe) task's body."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._retries: list[tuple[RetryFact, cst.CSTNode | None]] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        ctx = self.ctx
        if not (isinstance(func, cst.Attribute) and func.attr.value == "retry"):
            return
        if ctx.task is None:
            return
        kwargs = tuple(
            (a.keyword.value, evaluate(a.value, ctx.resolve))
            for a in node.args
            if a.keyword is not None and a.keyword.value in _RETRY_KWARGS
        )
        if any(name != "max_retries" for name, _ in kwargs):
            ctx.want_position(node)
            eta = keyword(node, "eta")
            delay = eta_delay(eta.value, ctx.resolve) if eta is not None else None
            fact = RetryFact(ctx.task.qualname, kwargs, eta_delay=delay)
            self._retries.append((fact, node))
        else:  # every retry call counts for "does each one set max_retries"
            self._retries.append((RetryFact(ctx.task.qualname, kwargs), None))

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def place(fact: RetryFact, node: cst.CSTNode | None) -> RetryFact:
            if node is None or span_of is None:
                return fact
            return dataclasses.replace(fact, span=span_of(node))

        return {"retries": tuple(place(f, n) for f, n in self._retries)}
