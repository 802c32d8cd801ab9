"""The app-factory collector: module-level functions that build an object with a call and
return it (``def make_celery(app): celery = Celery(...); ...; return celery``), as
``AppFactoryFact``; phase 2 decides whether the call makes a Celery app
(``ProjectIndex.app_factories``). The ``conf`` writes on the factory's local are the
configuration collector's (``facts/config_collect.py``, ``LOCAL_RECEIVER``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import AppFactoryFact
from celerylint.kit.context import FileContext
from celerylint.kit.names import bind_target_names
from celerylint.kit.values import Value, evaluate

SpanOf = Callable[[cst.CSTNode], Span]

#: the "local" of a factory that returns its call directly (``return Celery(name)``); no
#: ``conf`` write inside the function can name it
RETURNED_CALL = "<returned>"


def _base_name(node: cst.BaseExpression) -> str | None:
    """``celery`` for ``celery``, ``celery.conf``, ``celery.conf.beat_schedule``."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def in_factory_body(ctx: FileContext) -> bool:
    """Is this point in a module-level function's own body (not a nested function or
    class), where it may be an app factory?"""
    if len(ctx.functions) != 1 or ctx.classes:
        return False
    return isinstance(ctx.functions[0].node, cst.FunctionDef)


@dataclasses.dataclass(slots=True)
class _Factory:
    """What a module-level function binds and returns (``AppFactoryFact`` candidates)."""

    calls: dict[str, Value] = dataclasses.field(default_factory=dict)  # ``name = CALL(...)``
    bound: dict[str, int] = dataclasses.field(default_factory=dict)  # bindings per name
    returns: list[str | None] = dataclasses.field(default_factory=list)  # returned names
    passed: set[str] = dataclasses.field(default_factory=set)  # names given to calls

    def bind(self, name: str) -> None:
        self.bound[name] = self.bound.get(name, 0) + 1

    def fact(self, function: str) -> AppFactoryFact | None:
        if len(self.returns) != 1 or self.returns[0] is None:
            return None  # several returns, or one that returns something else
        local = self.returns[0]
        if self.bound.get(local) != 1 or local not in self.calls:
            return None  # a parameter, a global, or a local bound twice
        return AppFactoryFact(function, local, self.calls[local], local in self.passed)


class AppFactoryCollector:
    """Per module-level function: what it binds with calls, rebinds, passes on, returns."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        # per module-level function: what may make it an app factory (``_Factory``)
        self._factories: dict[str, _Factory] = {}

    def _factory(self) -> _Factory | None:
        """The module-level function whose own body this point is in, or None."""
        if not in_factory_body(self.ctx):
            return None
        return self._factories.setdefault(self.ctx.functions[0].qualname, _Factory())

    def _taint(self, target: cst.BaseExpression) -> None:
        """A binding other than ``name = CALL(...)``: the name is no factory's result."""
        factory = self._factory()
        if factory is None:
            return  # nested scopes bind their own names
        for name in bind_target_names(target):
            factory.bind(name)

    def visit_Return(self, node: cst.Return) -> None:
        factory = self._factory()
        if factory is not None:
            value = node.value
            if isinstance(value, cst.Call):  # ``return Celery(name, ...)``
                factory.calls[RETURNED_CALL] = evaluate(value, self.ctx.resolve)
                factory.bind(RETURNED_CALL)
                factory.returns.append(RETURNED_CALL)
                return
            factory.returns.append(value.value if isinstance(value, cst.Name) else None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._taint(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        factory = self._factory()
        if factory is not None:
            for item in node.names:
                factory.bind(item.name.value)
                factory.bind(item.name.value)  # a module global: never this function's own

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        # a nested function rebinding the factory's local
        functions = self.ctx.functions
        if len(functions) >= 2 and "." not in functions[0].qualname:
            outer = self._factories.setdefault(functions[0].qualname, _Factory())
            for item in node.names:
                outer.bind(item.name.value)

    def visit_For(self, node: cst.For) -> None:
        self._taint(node.target)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None:
                self._taint(item.asname.name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._binding(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._binding(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._taint(node.target)

    def _binding(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        factory = self._factory()
        if factory is None:
            return
        if isinstance(target, cst.Name) and isinstance(value, cst.Call):
            factory.calls[target.value] = evaluate(value, self.ctx.resolve)
        self._taint(target)

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if ctx.functions and "." not in ctx.functions[0].qualname:
            passed = [name for a in node.args if (name := _base_name(a.value)) is not None]
            if passed:
                factory = self._factories.setdefault(ctx.functions[0].qualname, _Factory())
                factory.passed.update(passed)

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        return {
            "app_factories": tuple(
                fact
                for name, factory in self._factories.items()
                if (fact := factory.fact(name)) is not None
            ),
        }
