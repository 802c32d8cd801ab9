"""The routing collector: where routing literals are written, and strings that name tasks.

Settings values (``task_routes``, ``beat_schedule`` ...) reach the rules through the
configuration model; what this collector adds is *where inside them* a rule reports: the
span of each route key, route queue and beat entry ``"task"`` string, recorded only for
values assigned to names that end in ``routes``/``schedule`` (any style: module or class
attribute, ``app.conf.x``, ``app.conf["x"]``, ``conf.update(x=...)``, ``Celery(x=...)``,
``X["entry"] = {...}``, ``X.update({...})``). It also records task names written as
strings: ``app.send_task("n")``, ``signature("n")``, ``app.signature("n")`` and the
signature passed to ``add_periodic_task``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import (
    RouterBranch,
    RouterFunctionFact,
    RoutingLiteralFact,
    TaskNameRefFact,
)
from celerylint.kit.context import FileContext
from celerylint.kit.names import function_parameters
from celerylint.kit.values import UNKNOWN, DictValue, Value, evaluate, string_value
from celerylint.semantics.routing import NAME_METHODS, SIGNATURE_REFS

SpanOf = Callable[[cst.CSTNode], Span]

_RE_COMPILE = frozenset({"re.compile", "regex.compile"})
_NAME_CALLEES = frozenset({*NAME_METHODS, *(ref.rsplit(".", 1)[1] for ref in SIGNATURE_REFS)})


def _setting_kind(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith("routes"):
        return "routes"
    if lowered.endswith("schedule"):
        return "schedule"
    return None


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = string_value(node)
        return value if isinstance(value, str) else None
    return None


def _elements(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return [e.value for e in node.elements if isinstance(e, cst.Element)]
    return []


def _name_test(
    test: cst.BaseExpression, param: str
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """``name == "x"``, ``name in {...}``, ``name.startswith(("a", "b"))``, joined by
    ``or``: (op, strings) alternatives; None for any other test."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        either = _name_test(test.left, param)
        other = _name_test(test.right, param)
        return either + other if either is not None and other is not None else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        operator = target.operator
        left, right = test.left, target.comparator
        if isinstance(operator, cst.Equal):
            if isinstance(right, cst.Name) and right.value == param:
                left, right = right, left
            text = _string(right)
            if isinstance(left, cst.Name) and left.value == param and text is not None:
                return (("eq", (text,)),)
        elif isinstance(operator, cst.In) and isinstance(left, cst.Name) and left.value == param:
            items = [_string(e) for e in _elements(right)]
            if items and all(i is not None for i in items):
                return (("eq", tuple(i for i in items if i is not None)),)
        return None
    if (
        isinstance(test, cst.Call)
        and isinstance(test.func, cst.Attribute)
        and isinstance(test.func.value, cst.Name)
        and test.func.value.value == param
        and test.func.attr.value in {"startswith", "endswith"}
        and len(test.args) == 1
        and not test.args[0].keyword
        and not test.args[0].star
    ):
        arg = test.args[0].value
        single = _string(arg)
        items = [single] if single is not None else [_string(e) for e in _elements(arg)]
        if items and all(i is not None for i in items):
            return ((test.func.attr.value, tuple(i for i in items if i is not None)),)
    return None


def _returned(body: cst.BaseSuite, resolve: Callable[[cst.BaseExpression], str | None]) -> Value:
    """The literal a block returns when it is just ``return <literal>``; else UNKNOWN."""
    smalls: Sequence[cst.BaseSmallStatement]
    if isinstance(body, cst.IndentedBlock):
        if len(body.body) != 1 or not isinstance(body.body[0], cst.SimpleStatementLine):
            return UNKNOWN
        smalls = body.body[0].body
    elif isinstance(body, cst.SimpleStatementSuite):
        smalls = body.body
    else:
        return UNKNOWN
    if len(smalls) != 1 or not isinstance(smalls[0], cst.Return):
        return UNKNOWN
    ret = smalls[0]
    return evaluate(ret.value, resolve) if ret.value is not None else None


def router_summary(
    node: cst.FunctionDef, resolve: Callable[[cst.BaseExpression], str | None]
) -> tuple[RouterBranch, ...] | None:
    """The branches of a function simple enough to evaluate as a task router (``if``
    tests on its first parameter returning literals), else None."""
    params = list(function_parameters(node.params))
    if not params or not isinstance(node.body, cst.IndentedBlock):
        return None
    param = params[0].name.value
    branches: list[RouterBranch] = []
    for index, statement in enumerate(node.body.body):
        if isinstance(statement, cst.SimpleStatementLine):
            small = statement.body[0] if len(statement.body) == 1 else None
            if index == 0 and isinstance(small, cst.Expr) and _string(small.value) is not None:
                continue  # the docstring
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Return):
                result = evaluate(small.value, resolve) if small.value is not None else None
                branches.append(RouterBranch(None, result))
                return tuple(branches) if _literal_results(branches) else None
            return None
        if not isinstance(statement, cst.If):
            return None
        current: cst.If | cst.Else | None = statement
        while isinstance(current, cst.If):
            tests = _name_test(current.test, param)
            if tests is None:
                return None
            branches.append(RouterBranch(tests, _returned(current.body, resolve)))
            current = current.orelse
        if isinstance(current, cst.Else):
            branches.append(RouterBranch(None, _returned(current.body, resolve)))
    branches.append(RouterBranch(None, None))  # falling off the end returns None
    return tuple(branches) if _literal_results(branches) else None


def _literal_results(branches: list[RouterBranch]) -> bool:
    """Every branch returns a literal route or None, and some branch routes."""
    return all(b.result is None or isinstance(b.result, str | DictValue) for b in branches) and any(
        b.result is not None for b in branches
    )


class RoutingCollector:
    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._literals: list[tuple[RoutingLiteralFact, cst.CSTNode]] = []
        self._names: list[tuple[TaskNameRefFact, cst.CSTNode]] = []
        self._periodic: set[int] = set()  # signature calls passed to add_periodic_task
        self._routers: list[RouterFunctionFact] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        ctx = self.ctx
        if len(ctx.functions) != 1 or ctx.classes or node.decorators or node.asynchronous:
            return
        branches = router_summary(node, ctx.resolve)
        if branches is not None:
            self._routers.append(RouterFunctionFact(node.name.value, branches))

    def _literal(self, role: str, node: cst.BaseExpression) -> None:
        text = _string(node)
        if (
            text is None
            and isinstance(node, cst.Call)
            and node.args
            and self.ctx.resolve(node.func) in _RE_COMPILE
        ):
            text = _string(node.args[0].value)  # ``re.compile(r"...")``: by its pattern
        if text is not None:
            self.ctx.want_position(node)
            self._literals.append((RoutingLiteralFact(role, text, None), node))

    # -- route tables -----------------------------------------------------------------------

    def _routes(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    self._literal("route-key", element.key)
                    self._route_value(element.value)
            return
        for item in _elements(node):
            if isinstance(item, cst.Tuple) and len(item.elements) == 2:
                self._literal("route-key", item.elements[0].value)
                self._route_value(item.elements[1].value)
            else:
                self._routes(item)

    def _route_value(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement) and _string(element.key) == "queue":
                    self._literal("route-queue", element.value)
        else:
            self._literal("route-queue", node)

    # -- beat schedules ---------------------------------------------------------------------

    def _schedule(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    self._beat_entry(element.value)

    def _beat_entry(self, node: cst.BaseExpression) -> None:
        if not isinstance(node, cst.Dict):
            return
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = _string(element.key)
            if key == "task":
                self._literal("beat-task", element.value)
            elif key == "options" and isinstance(element.value, cst.Dict):
                for option in element.value.elements:
                    if isinstance(option, cst.DictElement) and _string(option.key) == "queue":
                        self._literal("beat-queue", option.value)

    def _setting_value(self, name: str, value: cst.BaseExpression, entry: bool = False) -> None:
        kind = _setting_kind(name)
        if kind == "routes" and not entry:
            self._routes(value)
        elif kind == "schedule":
            if entry:
                self._beat_entry(value)
            else:
                self._schedule(value)

    # -- writes -----------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node.value)

    def _target(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._setting_value(target.value, value)
        elif isinstance(target, cst.Attribute):
            self._setting_value(target.attr.value, value)
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if not isinstance(index, cst.Index):
                return
            key = _string(index.value)
            base = target.value
            if key is not None and _setting_kind(key) is not None:
                self._setting_value(key, value)  # ``app.conf["task_routes"] = {...}``
            elif isinstance(base, cst.Name | cst.Attribute):
                owner = base.value if isinstance(base, cst.Name) else base.attr.value
                self._setting_value(owner, value, entry=True)  # ``SCHEDULE["x"] = {...}``

    # -- calls ------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        for arg in node.args:
            if arg.keyword is not None:
                self._setting_value(arg.keyword.value, arg.value)
        if method == "update" and isinstance(func, cst.Attribute):
            owner = func.value
            owner_name = (
                owner.value
                if isinstance(owner, cst.Name)
                else owner.attr.value
                if isinstance(owner, cst.Attribute)
                else None
            )
            for arg in node.args:
                if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.Dict):
                    continue
                if owner_name is not None and _setting_kind(owner_name) is not None:
                    self._setting_value(owner_name, arg.value)  # ``SCHEDULE.update({...})``
                for element in arg.value.elements:  # ``conf.update({"task_routes": ...})``
                    if isinstance(element, cst.DictElement):
                        key = _string(element.key)
                        if key is not None:
                            self._setting_value(key, element.value)
            return
        if method == "add_periodic_task":
            for arg in node.args:
                if isinstance(arg.value, cst.Call):
                    self._periodic.add(id(arg.value))
            return
        self._task_name(node, method)

    def _task_name(self, node: cst.Call, method: str | None) -> None:
        if not node.args or node.args[0].keyword is not None or node.args[0].star:
            return
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if last not in _NAME_CALLEES:
            return
        callee = self.ctx.resolve(node.func)
        if callee is None:
            return
        if callee not in SIGNATURE_REFS and method not in NAME_METHODS:
            return
        first = node.args[0].value
        name = _string(first)
        if name is None:
            return
        self.ctx.want_position(first)
        fn = self.ctx.function
        fact = TaskNameRefFact(
            name,
            callee,
            id(node) in self._periodic,
            fn.qualname if fn is not None else None,
            None,
        )
        self._names.append((fact, first))

    # -- result -----------------------------------------------------------------------------

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def place(fact: Any, node: cst.CSTNode) -> Any:
            return dataclasses.replace(fact, span=span_of(node)) if span_of is not None else fact

        return {
            "routing_literals": tuple(place(f, n) for f, n in self._literals),
            "task_name_refs": tuple(place(f, n) for f, n in self._names),
            "router_functions": tuple(self._routers),
        }
