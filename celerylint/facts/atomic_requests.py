"""Facts about Django's ``ATOMIC_REQUESTS``: the module-level writes that set it for a
database (``DATABASES = {"default": {..., "ATOMIC_REQUESTS": True}}``,
``DATABASES["default"]["ATOMIC_REQUESTS"] = True``, ``DATABASES["default"].update(...)``)
and top-level ``ATOMIC_REQUESTS = ...`` assignments, which Django ignores. Phase 2
(``semantics/django.py``) replays them along a settings module's star imports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import DatabasesWriteFact
from celerylint.kit.context import FileContext
from celerylint.kit.values import UNKNOWN, DictValue, Value, evaluate
from celerylint.semantics.config_env import OTHER, guard_kind

SpanOf = Callable[[cst.CSTNode], Span]
_KEY = "ATOMIC_REQUESTS"


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return _string(node.slice[0].slice.value)


class AtomicRequestsCollector:
    """Fills ``ModuleFacts.databases_writes``."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._guards: list[str] = []
        self._depth = 0
        self._found: list[tuple[DatabasesWriteFact, cst.CSTNode]] = []

    # -- module-level blocks ----------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        if not self.ctx.functions and not self.ctx.classes:
            self._guards.append(guard_kind(node.test, self.ctx.resolve))
            self._depth += 1

    def leave_If(self, node: cst.If) -> None:
        if not self.ctx.functions and not self.ctx.classes:
            self._guards.pop()
            self._depth -= 1

    def visit_Else(self, node: cst.Else) -> None:
        if not self.ctx.functions and not self.ctx.classes and self._guards:
            guard = self._guards[-1]
            if guard != OTHER:
                self._guards[-1] = guard[1:] if guard.startswith("!") else "!" + guard

    def _enter(self, node: cst.CSTNode) -> None:
        if not self.ctx.functions and not self.ctx.classes:
            self._depth += 1

    def _leave(self, node: cst.CSTNode) -> None:
        if not self.ctx.functions and not self.ctx.classes:
            self._depth -= 1

    visit_Try = visit_For = visit_While = visit_With = _enter
    leave_Try = leave_For = leave_While = leave_With = _leave

    def _guard(self) -> str | None:
        for guard in reversed(self._guards):
            if guard != OTHER:
                return guard
        return OTHER if self._guards else None

    # -- writes -----------------------------------------------------------------------------

    def _record(
        self,
        op: str,
        alias: str | None,
        atomic: tuple[tuple[str, Value], ...],
        node: cst.CSTNode,
    ) -> None:
        fact = DatabasesWriteFact(op, alias, atomic, self._guard(), self._depth > 0)
        self.ctx.want_position(node)
        self._found.append((fact, node))

    def _value(self, node: cst.BaseExpression) -> Value:
        return evaluate(node, self.ctx.resolve)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.ctx.functions or self.ctx.classes:
            return
        for target in node.targets:
            self._target(target.target, node.value, node)

    def _target(
        self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.Assign
    ) -> None:
        if isinstance(target, cst.Name):
            if target.value == _KEY:
                self._record("top-level", None, ((_KEY, self._value(value)),), node)
            elif target.value == "DATABASES":
                self._record("assign", None, _aliases(self._value(value)), node)
            return
        if not isinstance(target, cst.Subscript):
            return
        key = _subscript_key(target)
        base = target.value
        if isinstance(base, cst.Name) and base.value == "DATABASES":
            # ``DATABASES["default"] = {...}``: the alias's whole entry
            if key is not None:
                self._record("alias", key, _entry(key, self._value(value)), node)
            return
        if (
            key == _KEY
            and isinstance(base, cst.Subscript)
            and isinstance(base.value, cst.Name)
            and base.value.value == "DATABASES"
        ):
            alias = _subscript_key(base)
            if alias is not None:
                self._record("item", alias, ((alias, self._value(value)),), node)

    def visit_Call(self, node: cst.Call) -> None:
        """``DATABASES["default"].update(ATOMIC_REQUESTS=True)`` / ``.update({...})``."""
        ctx = self.ctx
        func = node.func
        if ctx.functions or ctx.classes or not isinstance(func, cst.Attribute):
            return
        base = func.value
        if not (
            func.attr.value == "update"
            and isinstance(base, cst.Subscript)
            and isinstance(base.value, cst.Name)
            and base.value.value == "DATABASES"
        ):
            return
        alias = _subscript_key(base)
        if alias is None:
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == _KEY:
                self._record("item", alias, ((alias, self._value(arg.value)),), node)
            elif arg.keyword is None and not arg.star:
                found = _entry(alias, self._value(arg.value))
                if found and found[0][1] is not None:
                    self._record("item", alias, found, node)

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        if not self._found:
            return {}
        return {
            "databases_writes": tuple(
                DatabasesWriteFact(
                    f.op,
                    f.alias,
                    f.atomic,
                    f.guard,
                    f.conditional,
                    span_of(n) if span_of is not None else None,
                )
                for f, n in self._found
            )
        }


def _entry(alias: str, value: Value) -> tuple[tuple[str, Value], ...]:
    """``(alias, ATOMIC_REQUESTS value)`` of one database entry: None when the entry is a
    literal dict without the key, UNKNOWN when it is not a literal dict."""
    if not isinstance(value, DictValue):
        return ((alias, UNKNOWN),)
    for key, item in value.items:
        if key == _KEY:
            return ((alias, item),)
    return ((alias, None if value.complete else UNKNOWN),)


def _aliases(value: Value) -> tuple[tuple[str, Value], ...]:
    """Every alias of a ``DATABASES = {...}`` literal with its ``ATOMIC_REQUESTS``."""
    if not isinstance(value, DictValue):
        return ()
    out: list[tuple[str, Value]] = []
    for key, item in value.items:
        if isinstance(key, str):
            out.extend(_entry(key, item))
    return tuple(out)
