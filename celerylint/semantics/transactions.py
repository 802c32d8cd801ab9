"""Database transactions: is this code inside ``transaction.atomic()``?

Read from the engine's context stacks: the ``with`` blocks inside the innermost function
(``ctx.local_with_blocks``) and that function's decorators. A function defined inside an
atomic block, or a lambda / ``functools.partial`` handed to ``transaction.on_commit``, does
not run inside it, which is why only the innermost function counts.

Project-defined wrappers (a context manager or decorator whose body enters
``transaction.atomic``) are recognised in two steps: phase 1 records the references of the
other context managers and decorators around the code (``TransactionScope.candidates``) and
which module-level functions enter ``atomic`` (``enters_atomic``); the project index then
decides (``ProjectIndex.is_atomic_wrapper``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.semantics.tasks import may_be_project_ref

if TYPE_CHECKING:
    from celerylint.engine.context import FileContext

ATOMIC_REFS = frozenset({"django.db.transaction.atomic"})
ON_COMMIT_REFS = frozenset({"django.db.transaction.on_commit", "django.db.connection.on_commit"})
#: ``Model.objects.select_for_update()...<this>()`` runs the query (a lazy queryset does not)
EVALUATING_METHODS = frozenset(
    {
        "get",
        "first",
        "last",
        "earliest",
        "latest",
        "exists",
        "count",
        "aggregate",
        "in_bulk",
        "update",
        "delete",
        "contains",
    }
)


@dataclass(frozen=True, slots=True)
class TransactionScope:
    atomic: bool  # certainly inside ``transaction.atomic`` (a block or decorator)
    #: references of project context managers / decorators around the code that may be
    #: wrappers of ``transaction.atomic`` (the index decides)
    candidates: tuple[str, ...]


def _callee(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.func if isinstance(expr, cst.Call) else expr


def classify(expr: cst.BaseExpression, ctx: FileContext) -> tuple[bool, str | None]:
    """(is ``transaction.atomic``, candidate wrapper reference) for a ``with`` item or
    decorator expression: ``atomic``, ``atomic(using=...)``, ``traced_atomic("x")``."""
    ref = ctx.resolve(_callee(expr))
    if ref is None:
        return False, None
    if ref in ATOMIC_REFS:
        return not _on_read_replica(expr), None
    return False, ref if may_be_project_ref(ref) else None


#: words that name a read-only database alias (``atomic(using="replica")``)
_READ_ONLY_WORDS = ("replica", "read", "slave", "follower", "standby", "reporting")


def _on_read_replica(expr: cst.BaseExpression) -> bool:
    """``atomic(using=<a read replica alias>)``: a transaction on a database the code
    only reads from, so no row the worker needs waits for its commit."""
    if not isinstance(expr, cst.Call):
        return False
    for arg in expr.args:
        if arg.keyword is not None and arg.keyword.value == "using":
            value = arg.value
            if isinstance(value, cst.SimpleString):
                text = value.evaluated_value
            elif isinstance(value, cst.Attribute):
                text = value.attr.value
            elif isinstance(value, cst.Name):
                text = value.value
            else:
                return False
            return isinstance(text, str) and any(w in text.lower() for w in _READ_ONLY_WORDS)
    return False


def transaction_scope(ctx: FileContext) -> TransactionScope:
    """Whether the current point runs inside a transaction opened in this function."""
    atomic = False
    candidates: list[str] = []
    for block in ctx.local_with_blocks:
        for item in block.items:
            is_atomic, candidate = classify(item.item, ctx)
            atomic = atomic or is_atomic
            if candidate is not None:
                candidates.append(candidate)
    fn = ctx.function
    if fn is not None and isinstance(fn.node, cst.FunctionDef):
        for decorator in fn.node.decorators:
            if fn.task is not None and decorator is fn.task.node:
                continue  # the task decorator itself opens no transaction
            is_atomic, candidate = classify(decorator.decorator, ctx)
            atomic = atomic or is_atomic
            if candidate is not None:
                candidates.append(candidate)
    return TransactionScope(atomic, tuple(dict.fromkeys(candidates)))


def enters_atomic(node: cst.CSTNode, ctx: FileContext) -> bool:
    """Does this ``with`` block, call or decorator open ``transaction.atomic``?"""
    if isinstance(node, cst.With):
        return any(classify(item.item, ctx)[0] for item in node.items)
    if isinstance(node, cst.Call):
        return ctx.resolve(node.func) in ATOMIC_REFS
    if isinstance(node, cst.Decorator):
        return classify(node.decorator, ctx)[0]
    return False


def is_on_commit(call: cst.Call, ctx: FileContext) -> bool:
    return ctx.resolve(call.func) in ON_COMMIT_REFS


def select_for_update_chain(call: cst.Call) -> bool:
    """``<qs>.select_for_update(...).<more>...`` with ``call`` the outermost call: does the
    receiver chain go through ``select_for_update()``?"""
    node: cst.BaseExpression = call
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value == "select_for_update":
            return True
        node = node.func.value
    return False


def evaluated_lock(call: cst.Call) -> bool:
    """``X.objects.select_for_update().get(...)``: a locking query that runs right here."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in EVALUATING_METHODS
        and isinstance(func.value, cst.Call)
        and select_for_update_chain(func.value)
    )
