"""Facts about how a module makes tasks, beyond decorated functions (``extract.py``):
decorator aliases and wrapper functions (``TaskFactoryFact``), and what classes with bases
define and read (``ClassMembersFact``, for ``celery.Task`` subclasses and ``base=`` classes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import ClassMembersFact, OptionFact, ParamFact, TaskFactoryFact
from celerylint.facts.extract import _params
from celerylint.kit.context import FileContext
from celerylint.kit.names import bind_target_names
from celerylint.kit.values import Value, evaluate
from celerylint.semantics.task_scope import enclosing_class, first_parameter
from celerylint.semantics.tasks import decorator_alias, is_task_decorator_callee

SpanOf = Callable[[cst.CSTNode], Span]


def _class_members(node: cst.ClassDef) -> list[str]:
    names: list[str] = []
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            names.append(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        names.extend(bind_target_names(target.target))
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    names.append(small.target.value)
    return names


@dataclasses.dataclass
class _ClassInfo:
    node: cst.ClassDef
    members: list[str]
    reads: dict[str, None] = dataclasses.field(default_factory=dict)
    run_params: tuple[ParamFact, ...] | None = None


class TaskFactoryCollector:
    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._factories: list[tuple[TaskFactoryFact, cst.CSTNode, list[cst.CSTNode]]] = []
        self._wrappers: set[str] = set()
        self._classes: dict[str, _ClassInfo] = {}

    def _value(self, node: cst.BaseExpression) -> Value:
        return evaluate(node, self.ctx.resolve)

    def _options(
        self, call: cst.Call, forwarded: frozenset[str]
    ) -> tuple[list[OptionFact], list[cst.CSTNode], list[Value], bool]:
        options: list[OptionFact] = []
        nodes: list[cst.CSTNode] = []
        spreads: list[Value] = []
        forwards = False
        for arg in call.args:
            if arg.star == "**":
                if isinstance(arg.value, cst.Name) and arg.value.value in forwarded:
                    forwards = True
                else:
                    spreads.append(self._value(arg.value))
            elif arg.keyword is not None:
                options.append(OptionFact(arg.keyword.value, self._value(arg.value), None))
                nodes.append(arg)
                self.ctx.want_position(arg)
        return options, nodes, spreads, forwards

    # -- aliases: ``retrying = shared_task(acks_late=True)`` -------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        ctx = self.ctx
        if ctx.functions or ctx.classes or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if isinstance(target, cst.Name):
            self._alias(target.value, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        ctx = self.ctx
        if ctx.functions or ctx.classes or node.value is None:
            return
        if isinstance(node.target, cst.Name):
            self._alias(node.target.value, node.value, node)

    def _alias(self, name: str, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        found = decorator_alias(value, self.ctx.resolve)
        if found is None:
            return
        ref = found.ref
        if found.options is not None:
            options, nodes, spreads, _ = self._options(found.options, frozenset())
        else:
            options, nodes, spreads = [], [], []
        fact = TaskFactoryFact(name, "alias", ref, tuple(options), tuple(spreads), False, None)
        self.ctx.want_position(node)
        self._factories.append((fact, node, nodes))

    # -- wrappers: a module-level function whose body applies a task decorator -------------

    def _wrapper_scope(self, node: cst.CSTNode) -> str | None:
        """The module-level function in which ``node`` (a call or decorator) runs."""
        ctx = self.ctx
        functions = ctx.functions
        if not functions:
            return None
        current = functions[-1].node
        running = functions
        if isinstance(current, cst.FunctionDef) and any(
            d is node or d.decorator is node for d in current.decorators
        ):
            running = functions[:-1]  # a decorator runs where its function is defined
        if not running:
            return None
        frames = ctx.resolver.frames
        outer = running[0].node
        if len(frames) < 2 or frames[1].kind != "function" or frames[1].node is not outer:
            return None  # a method, or a function inside a class
        return outer.name.value if isinstance(outer, cst.FunctionDef) else None

    def _forwarded(self) -> frozenset[str]:
        names = set()
        for scope in self.ctx.functions:
            star = scope.node.params.star_kwarg
            if star is not None:
                names.add(star.name.value)
        return frozenset(names)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.functions:
            return
        ref = self.ctx.resolve(node.func)
        if ref is None or not is_task_decorator_callee(ref):
            return
        self._wrapper(node, ref, node)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        if not self.ctx.functions or isinstance(node.decorator, cst.Call):
            return
        ref = self.ctx.resolve(node.decorator)
        if ref is not None and is_task_decorator_callee(ref):
            self._wrapper(node, ref, None)

    def _wrapper(self, node: cst.CSTNode, ref: str, call: cst.Call | None) -> None:
        name = self._wrapper_scope(node)
        if name is None or name in self._wrappers:
            return
        self._wrappers.add(name)
        if call is not None:
            options, nodes, spreads, forwards = self._options(call, self._forwarded())
        else:
            options, nodes, spreads, forwards = [], [], [], False
        fact = TaskFactoryFact(name, "wrapper", ref, tuple(options), tuple(spreads), forwards, None)
        self.ctx.want_position(node)
        self._factories.append((fact, node, nodes))

    # -- classes: members, ``self.<attr>`` reads, ``run`` parameters ----------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        ctx = self.ctx
        if ctx.functions or len(ctx.classes) != 1:
            return
        self._classes[node.name.value] = _ClassInfo(node, _class_members(node))

    def _method_class(self) -> tuple[_ClassInfo, cst.FunctionDef] | None:
        ctx = self.ctx
        if len(ctx.classes) != 1 or not ctx.functions:
            return None
        scope = ctx.functions[0]
        info = self._classes.get(ctx.classes[0].name.value)
        if info is None or not isinstance(scope.node, cst.FunctionDef):
            return None
        return info, scope.node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value != "run" or len(self.ctx.functions) != 1:
            return
        if enclosing_class(self.ctx) is None:
            return
        found = self._method_class()
        if found is not None:
            params = _params(node.params)
            found[0].run_params = params[1:] if params else ()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.ctx.classes or not self.ctx.functions:
            return
        found = self._method_class()
        if found is None:
            return
        first = first_parameter(found[1])
        value = node.value
        if first is not None and isinstance(value, cst.Name) and value.value == first.name.value:
            found[0].reads[node.attr.value] = None

    # -- result -----------------------------------------------------------------------------

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def at(node: cst.CSTNode) -> Span | None:
            return span_of(node) if span_of is not None else None

        factories = []
        for fact, node, nodes in self._factories:
            options = tuple(
                dataclasses.replace(o, span=at(n)) for o, n in zip(fact.options, nodes, strict=True)
            )
            factories.append(dataclasses.replace(fact, options=options, span=at(node)))
        members = tuple(
            ClassMembersFact(name, tuple(info.members), tuple(info.reads), info.run_params)
            for name, info in self._classes.items()
        )
        return {"task_factories": tuple(factories), "class_members": members}
