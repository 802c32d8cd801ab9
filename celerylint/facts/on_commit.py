"""Ready fixes for task dispatches inside a transaction (CEL301's unsafe fix).

A statement ``send_receipt.delay(order.pk)`` inside ``with transaction.atomic():`` (or an
``@transaction.atomic`` function) becomes
``transaction.on_commit(functools.partial(send_receipt.delay, order.pk))``: the arguments
are evaluated now, as before, and the message is sent once the transaction commits (never,
if it rolls back). ``partial`` rather than a lambda, so that loop variables keep the value
they have at this point. Only statements whose result is unused qualify, and only when
the names ``transaction`` and ``functools``/``partial`` mean what they should here (they
are imported when missing). Whether the call really runs in a transaction is CEL301's
decision in phase 2; these facts only carry the edits, keyed by the call's span.
"""

from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety
from celerylint.kit.context import FileContext
from celerylint.kit.edits import NodeFix, Replacement
from celerylint.kit.fixkit import add_module_import, import_line
from celerylint.semantics.call_shapes import SEND_NOW_METHODS, SEND_TASK

DISPATCH = SEND_NOW_METHODS | {SEND_TASK}
_TRANSACTION = "django.db.transaction"


def uses_other_database(ctx: FileContext) -> bool:
    """``atomic(using=...)`` around this point: ``on_commit`` would need the same alias."""
    calls: list[cst.BaseExpression] = [i.item for b in ctx.local_with_blocks for i in b.items]
    fn = ctx.function
    if fn is not None and isinstance(fn.node, cst.FunctionDef):
        calls += [d.decorator for d in fn.node.decorators]
    return any(
        isinstance(c, cst.Call) and any(a.keyword and a.keyword.value == "using" for a in c.args)
        for c in calls
    )


def decorated(ctx: FileContext) -> bool:
    fn = ctx.function
    return fn is not None and isinstance(fn.node, cst.FunctionDef) and bool(fn.node.decorators)


def _binding(ctx: FileContext, ref: str) -> str | None:
    """A module-level name bound to ``ref`` that means the same here."""
    resolver = ctx.resolver
    for local, target in resolver.frames[0].bindings.items():
        if target == ref and resolver.lookup(local) == ref:
            return local
    return None


def deferred_dispatch(ctx: FileContext, call: cst.Call) -> NodeFix | None:
    """The fix that sends ``call`` (a statement's dispatch) once the transaction commits:
    ``transaction.on_commit(functools.partial(<callee>, <args>))``; None when the names
    it needs mean something else here."""
    lookup = ctx.resolver.lookup
    imports: list[cst.SimpleStatementLine] = []
    transaction = _binding(ctx, _TRANSACTION)
    if transaction is None:
        if lookup("transaction") is not None:
            return None  # the name means something else here
        transaction = "transaction"
        imports.append(import_line("django.db", [("transaction", None)]))
    partial: cst.BaseExpression
    name = _binding(ctx, "functools.partial")
    if name is not None:
        partial = cst.Name(name)
    else:
        functools = _binding(ctx, "functools")
        if functools is None:
            if lookup("functools") is not None:
                return None
            functools = "functools"
            imports.append(
                cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("functools"))])])
            )
        partial = cst.Attribute(cst.Name(functools), cst.Name("partial"))
    arguments = [cst.Arg(call.func), *call.args]
    deferred = cst.Call(
        partial, [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in arguments]
    )
    on_commit = cst.Attribute(cst.Name(transaction), cst.Name("on_commit"))
    replacements: dict[cst.CSTNode, Replacement] = {call: cst.Call(on_commit, [cst.Arg(deferred)])}
    if imports:
        added = add_module_import(ctx.module_node, imports)
        if added is None:
            return None
        replacements.update(added)
    return NodeFix(
        "Send the task when the transaction commits (`transaction.on_commit`)",
        FixSafety.UNSAFE,
        tuple(replacements.items()),
    )
