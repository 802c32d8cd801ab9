"""CEL301's own phase 1: the ``transaction.on_commit(functools.partial(...))`` fix of each
dispatch statement that may run in a transaction (``facts/on_commit.py`` builds it), and
the phase-2 lookup of a finding's fix."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from celerylint.diagnostics import Fix, Span
from celerylint.factdata import FixFact, ModuleFacts
from celerylint.facts.on_commit import DISPATCH, decorated, deferred_dispatch, uses_other_database
from celerylint.kit.context import FileContext
from celerylint.kit.edits import NodeFix
from celerylint.semantics.transactions import transaction_scope


class OnCommitFixCollector:
    """CEL301's own phase 1: the ready ``on_commit`` fix of each dispatch statement that may
    run in a transaction, keyed by the call's span (phase 2 decides whether it does)."""

    code = "CEL301"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._found: list[tuple[cst.Call, NodeFix]] = []

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        ctx = self.ctx
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in DISPATCH
            and ctx.functions
            and (ctx.local_with_blocks or decorated(ctx))
        ):
            return
        scope = transaction_scope(ctx)
        if not (scope.atomic or scope.candidates) or uses_other_database(ctx):
            return
        fix = deferred_dispatch(self.ctx, call)
        if fix is not None:
            ctx.want_fix(fix)
            ctx.want_position(call)
            self._found.append((call, fix))

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> tuple[FixFact, ...] | None:
        found = []
        for call, node_fix in self._found:
            fix = self.ctx.realized_fix(node_fix)
            if fix is not None and span_of is not None:
                found.append(FixFact(span_of(call), fix))
        return tuple(found) or None


def on_commit_fix(facts: ModuleFacts, span: Span | None) -> Fix | None:
    """The ready ``on_commit`` fix of the dispatch at ``span`` (None when phase 1 made none)."""
    found: tuple[FixFact, ...] = facts.rule_data(OnCommitFixCollector.code) or ()
    return next((f.fix for f in found if f.span == span), None)
