"""The fact collector: runs in the same traversal as the per-file rules.

Like libcst's gather visitors it only fills lists; facts keep CST nodes just long
enough to resolve their positions, then become plain data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import (
    LOCAL_RECEIVER,
    AppCallFact,
    AssignmentFact,
    CallSiteFact,
    ClassFact,
    ImportFact,
    OptionFact,
    ParamFact,
    TaskFact,
)
from celerylint.kit.context import FileContext
from celerylint.kit.cst_walk import visit_read_only
from celerylint.kit.names import dotted_name, import_bindings, resolve_relative
from celerylint.kit.values import CallValue, Value, evaluate
from celerylint.semantics.call_shapes import TASK_CALL_METHODS
from celerylint.semantics.calls import eta_delay, keyword, task_arguments
from celerylint.semantics.django import is_models_module

#: app calls recorded on an app factory's local (``celery.config_from_object(...)``)
_FACTORY_CONFIG_METHODS = frozenset({"config_from_object", "config_from_envvar"})

APP_METHODS = frozenset(
    {
        "config_from_object",
        "config_from_envvar",
        "autodiscover_tasks",
        "add_periodic_task",
        "register_task",
        "send_task",
        "conf.update",
        "conf.setdefault",
        "add_defaults",
        "config_from_cmdline",
    }
)

SpanOf = Callable[[cst.CSTNode], Span]


def _params(params: cst.Parameters) -> tuple[ParamFact, ...]:
    out: list[ParamFact] = []
    for p in params.posonly_params:
        out.append(ParamFact(p.name.value, "posonly", p.default is not None))
    for p in params.params:
        out.append(ParamFact(p.name.value, "normal", p.default is not None))
    if isinstance(params.star_arg, cst.Param):
        out.append(ParamFact(params.star_arg.name.value, "var", False))
    for p in params.kwonly_params:
        out.append(ParamFact(p.name.value, "kwonly", p.default is not None))
    if params.star_kwarg is not None:
        out.append(ParamFact(params.star_kwarg.name.value, "varkw", False))
    return tuple(out)


class FactCollector:
    """Imports, task candidates, classes, module-level assignments, app calls, task calls."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        # positions are costly: only where a rule reports at the import (models modules)
        self.positions_for_imports = is_models_module(ctx.module)
        self._imports: list[tuple[ImportFact, cst.CSTNode | None]] = []
        self._tasks: list[tuple[TaskFact, cst.CSTNode, cst.CSTNode, list[cst.CSTNode | None]]] = []
        self._classes: list[tuple[ClassFact, cst.CSTNode, list[cst.CSTNode | None]]] = []
        self._assignments: list[tuple[AssignmentFact, cst.CSTNode | None]] = []
        self._app_calls: list[tuple[AppCallFact, cst.CSTNode]] = []
        self._call_sites: list[tuple[CallSiteFact, cst.CSTNode]] = []
        #: what names passed on as values refer to (``ModuleFacts.value_refs``)
        self._value_refs: set[str] = set()
        self._module_block_depth = 0

    def _want(self, node: cst.CSTNode) -> cst.CSTNode:
        self.ctx.want_position(node)
        return node

    def _value(self, node: cst.BaseExpression) -> Value:
        return evaluate(node, self.ctx.resolve)

    # -- imports ----------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        if not self.ctx.load_time:
            return
        where = self._want(node) if self.positions_for_imports else None
        for alias in node.names:
            target = dotted_name(alias.name)
            if target is None:
                continue
            bound = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else target.split(".", 1)[0]
            )
            self._imports.append((ImportFact(target, None, bound, True, None), where))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not self.ctx.load_time:
            return
        ctx = self.ctx
        base = resolve_relative(
            ctx.module,
            ctx.is_package,
            len(node.relative),
            dotted_name(node.module) if node.module is not None else None,
        )
        if base is None:
            return
        where = self._want(node) if self.positions_for_imports else None
        if isinstance(node.names, cst.ImportStar):
            self._imports.append((ImportFact(base, "*", "", True, None), where))
            return
        for local, target in import_bindings(node, ctx.module, ctx.is_package):
            name = target.rsplit(".", 1)[1]
            self._imports.append((ImportFact(base, name, local, True, None), where))

    # -- tasks and classes ------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = self.ctx.function
        if scope is None or scope.task is None:
            return
        task = scope.task
        options: list[OptionFact] = []
        option_nodes: list[cst.CSTNode | None] = []
        spreads: list[Value] = []
        if task.call is not None:
            for arg in task.call.args:
                if arg.star == "**":
                    spreads.append(self._value(arg.value))
                elif arg.keyword is not None:
                    options.append(OptionFact(arg.keyword.value, self._value(arg.value), None))
                    option_nodes.append(self._want(arg))
        reads, escapes = _first_parameter_uses(node)
        fact = TaskFact(
            function=scope.qualname,
            decorator=task.ref,
            called=task.call is not None,
            options=tuple(options),
            spreads=tuple(spreads),
            params=_params(node.params),
            decorator_index=task.index,
            decorator_count=len(node.decorators),
            module_level=len(self.ctx.functions) == 1 and not self.ctx.classes,
            span=None,
            decorator_span=None,
            is_async=node.asynchronous is not None,
            self_reads=reads,
            self_escapes=escapes,
        )
        self._tasks.append((fact, self._want(node.name), self._want(task.node), option_nodes))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        ctx = self.ctx
        if ctx.functions or len(ctx.classes) != 1:
            return
        bases = tuple(
            ref for arg in node.bases if arg.keyword is None and (ref := ctx.resolve(arg.value))
        )
        attributes: list[OptionFact] = []
        nodes: list[cst.CSTNode | None] = []
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        attributes.append(OptionFact(target.value, self._value(small.value), None))
                        nodes.append(self._want(small) if bases else None)
        fact = ClassFact(node.name.value, bases, tuple(attributes), None)
        self._classes.append((fact, self._want(node.name), nodes))

    # -- module-level assignments -----------------------------------------------------------

    def _enter_block(self, node: cst.CSTNode) -> None:
        if not self.ctx.functions and not self.ctx.classes:
            self._module_block_depth += 1

    def _leave_block(self, node: cst.CSTNode) -> None:
        if not self.ctx.functions and not self.ctx.classes:
            self._module_block_depth -= 1

    visit_If = visit_Try = visit_For = visit_While = visit_With = _enter_block
    leave_If = leave_Try = leave_For = leave_While = leave_With = _leave_block

    def _pass_on(self, node: cst.BaseExpression | None) -> None:
        """Record what a name (or the names in a literal list, tuple, set or dict) given
        away as a value refers to: a call argument, a returned or assigned value."""
        if isinstance(node, cst.Name | cst.Attribute):
            ref = self.ctx.resolve(node)
            if ref is not None:
                self._value_refs.add(ref)
        elif isinstance(node, cst.List | cst.Tuple | cst.Set):
            for element in node.elements:
                self._pass_on(element.value)
        elif isinstance(node, cst.Dict):
            for item in node.elements:
                self._pass_on(item.value)

    def visit_Return(self, node: cst.Return) -> None:
        self._pass_on(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self._pass_on(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._pass_on(node.value)
        if self.ctx.functions or self.ctx.classes:
            return
        value: Value | None = None
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if value is None:
                    value = self._value(node.value)
                self._assignment(target.target.value, value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._pass_on(node.value)
        if self.ctx.functions or self.ctx.classes or node.value is None:
            return
        if isinstance(node.target, cst.Name):
            self._assignment(node.target.value, self._value(node.value), node)

    def _assignment(self, name: str, value: Value, node: cst.CSTNode) -> None:
        # positions cost: settings (upper case) and Celery apps (``--show-settings``) only
        where = self._want(node) if name.isupper() or _may_be_app(value) else None
        fact = AssignmentFact(name, value, None, self._module_block_depth > 0)
        self._assignments.append((fact, where))

    # -- calls ------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            self._pass_on(arg.value)
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        receiver_node = func.value
        if isinstance(receiver_node, cst.Attribute) and receiver_node.attr.value == "conf":
            method = f"conf.{method}"
            receiver_node = receiver_node.value
        is_task_call = method in TASK_CALL_METHODS
        if not is_task_call and method not in APP_METHODS:
            return
        receiver = self.ctx.resolve(receiver_node)
        function: str | None = None
        if receiver is None and method in _FACTORY_CONFIG_METHODS:
            receiver, function = self._factory_local(receiver_node)
        if method in APP_METHODS and receiver is None:
            return
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        starred = False
        for arg in node.args:
            if arg.star:
                starred = True
            elif arg.keyword is not None:
                kwargs.append((arg.keyword.value, self._value(arg.value)))
            else:
                args.append(self._value(arg.value))
        if method in APP_METHODS:
            assert receiver is not None
            fact = AppCallFact(receiver, method, tuple(args), tuple(kwargs), None, function)
            self._app_calls.append((fact, self._want(node)))
            if method != "send_task":
                return
        fn = self.ctx.function
        shape = task_arguments(node, method, self.ctx.resolve)
        site = CallSiteFact(
            receiver,
            method,
            tuple(args),
            tuple(kwargs),
            starred,
            fn.qualname if fn else None,
            None,
            positional=shape.positional if shape is not None else None,
            keywords=shape.keywords if shape is not None else None,
            args_form=shape.args_form if shape is not None else "",
            eta_delay=self._eta_delay(node),
        )
        self._call_sites.append((site, self._want(node)))

    def _factory_local(self, node: cst.BaseExpression) -> tuple[str | None, str | None]:
        """``celery`` in ``celery.config_from_object(...)`` inside a module-level function
        (an app factory's local): ``("<local>.celery", "make_celery")``; phase 2 decides
        whether the function makes an app (``ProjectIndex.apps_configured_by``)."""
        fn = self.ctx.function
        if not isinstance(node, cst.Name) or fn is None:
            return None, None
        if len(self.ctx.functions) != 1 or self.ctx.classes:
            return None, None
        return LOCAL_RECEIVER + node.value, fn.qualname

    def _eta_delay(self, node: cst.Call) -> float | None:
        eta = keyword(node, "eta")
        return eta_delay(eta.value, self.ctx.resolve) if eta is not None else None

    # -- result -----------------------------------------------------------------------------

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        """Field values for ``ModuleFacts`` (positions resolved by ``span_of``)."""

        def at(node: cst.CSTNode | None) -> Span | None:
            return span_of(node) if node is not None and span_of is not None else None

        def place(fact: Any, node: cst.CSTNode | None) -> Any:
            return dataclasses.replace(fact, span=at(node)) if node is not None else fact

        tasks = []
        for fact, name_node, deco_node, option_nodes in self._tasks:
            options = tuple(place(o, n) for o, n in zip(fact.options, option_nodes, strict=True))
            tasks.append(
                dataclasses.replace(
                    fact, span=at(name_node), decorator_span=at(deco_node), options=options
                )
            )
        classes = []
        for cfact, name_node, attr_nodes in self._classes:
            attrs = tuple(place(a, n) for a, n in zip(cfact.attributes, attr_nodes, strict=True))
            classes.append(dataclasses.replace(cfact, span=at(name_node), attributes=attrs))
        return {
            "imports": tuple(place(f, n) for f, n in self._imports),
            "tasks": tuple(tasks),
            "classes": tuple(classes),
            "assignments": tuple(place(f, n) for f, n in self._assignments),
            "app_calls": tuple(place(f, n) for f, n in self._app_calls),
            "call_sites": tuple(place(f, n) for f, n in self._call_sites),
            "defines": self.ctx.scope.defines,
            "value_refs": tuple(sorted(self._value_refs)),
        }


def _may_be_app(value: Value) -> bool:
    """``Celery(...)`` or a call of a class named like it (``MyCelery(...)``): where a rule
    may report about a Celery app (kept cheap: positions are wanted only for these)."""
    return isinstance(value, CallValue) and "Celery" in value.func.rsplit(".", 1)[-1]


class _FirstParameterUses(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.reads: set[str] = set()
        self.escapes = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if isinstance(node.value, cst.Name) and node.value.value == self.name:
            self.reads.add(node.attr.value)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.escapes = True


def _first_parameter_uses(node: cst.FunctionDef) -> tuple[tuple[str, ...], bool]:
    """What the body does with the first parameter (``self`` of a bound task): the
    attributes it reads, and whether it passes the object on (``helper(self)``)."""
    params = [*node.params.posonly_params, *node.params.params]
    if not params:
        return (), False
    found = _FirstParameterUses(params[0].name.value)
    visit_read_only(node.body, found)
    return tuple(sorted(found.reads)), found.escapes
