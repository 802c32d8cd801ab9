"""What an ``except`` clause catches and whether it lets the exception go on.

Shared by the rules about exceptions Celery needs to see: its control-flow exceptions
(``Retry``, ``Reject``, ``Ignore``; CEL203) and the soft time limit
(``SoftTimeLimitExceeded``; CEL208).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from celerylint.kit.cst_walk import visit_read_only
from celerylint.kit.fixkit import add_module_import, import_line
from celerylint.semantics.task_scope import is_name

if TYPE_CHECKING:
    from celerylint.kit.context import FileContext
    from celerylint.kit.edits import Replacement

#: what a bare ``except:`` catches
BARE_EXCEPT = "builtins.BaseException"


def handler_types(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """``except (A, B)`` -> ``[A, B]``; ``except A`` -> ``[A]``."""
    return [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]


def handler_refs(handler: cst.ExceptHandler, ctx: FileContext) -> list[str | None]:
    """The resolved classes a handler catches (None for one that cannot be resolved)."""
    if handler.type is None:
        return [BARE_EXCEPT]
    return [ctx.resolve(t) for t in handler_types(handler.type)]


def handler_text(handler: cst.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    return "except " + cst.Module([]).code_for_node(handler.type)


class _RaiseFinder(cst.CSTVisitor):
    """``raise`` statements (and ``<x>.retry(...)`` calls, which raise) in a handler body;
    nested functions and lambdas do not run there."""

    def __init__(self, bound: str | None) -> None:
        self.bound = bound
        self.reraises = False  # ``raise`` or ``raise <the caught exception>``
        self.raises = False  # any ``raise``, or a ``.retry()`` call

    def visit_Raise(self, node: cst.Raise) -> None:
        self.raises = True
        if node.exc is None or (self.bound is not None and is_name(node.exc, self.bound)):
            self.reraises = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "retry":
            self.raises = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _scan(handler: cst.ExceptHandler) -> _RaiseFinder:
    name = handler.name.name if handler.name is not None else None
    finder = _RaiseFinder(name.value if isinstance(name, cst.Name) else None)
    visit_read_only(handler.body, finder)
    return finder


def reraises(handler: cst.ExceptHandler) -> bool:
    """Does the handler re-raise what it caught (``raise`` or ``raise exc``) somewhere?"""
    return _scan(handler).reraises


def raises(handler: cst.ExceptHandler) -> bool:
    """Does the handler raise anything somewhere (``raise``, ``raise Other() from exc``,
    ``self.retry(...)``)? Then the exception it caught does not end in silence."""
    return _scan(handler).raises


def let_through(
    ctx: FileContext, node: cst.Try, exc: str, caught_by: frozenset[str]
) -> dict[cst.CSTNode, Replacement] | None:
    """Replacements that insert ``except <exc>: raise`` before the first handler of
    ``node`` that catches ``exc`` (a class of ``caught_by``), importing ``exc`` when the
    module does not have it; None when no handler catches it or the name is taken."""
    handler = next(
        (
            h
            for h in node.handlers
            if h.type is None or any(ctx.resolve(t) in caught_by for t in handler_types(h.type))
        ),
        None,
    )
    if handler is None:
        return None
    module, _, name = exc.rpartition(".")
    replacements: dict[cst.CSTNode, Replacement] = {}
    bindings = ctx.resolver.frames[0].bindings
    local = next((k for k, v in bindings.items() if v == exc), None)
    if local is None:
        if name in bindings:
            return None  # the name is taken by something else
        added = add_module_import(ctx.module_node, import_line(module, [(name, None)]))
        if added is None:
            return None
        replacements.update(added)
        local = name
    inserted = cst.ExceptHandler(
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Raise()])]),
        type=cst.Name(local),
        leading_lines=handler.leading_lines,
    )
    replacements[handler] = cst.FlattenSentinel([inserted, handler.with_changes(leading_lines=())])
    return replacements
