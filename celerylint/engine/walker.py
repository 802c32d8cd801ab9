"""One batched traversal per file: keeps the context stacks and dispatches to rule hooks.

Hooks are looked up by node type once per rule class, so a node only costs the calls of
the rules that asked for its type (the django-upgrade way, not one visitor per rule).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from celerylint.kit.context import FileContext, FunctionScope
from celerylint.kit.names import (
    Frame,
    bind_target_names,
    function_parameters,
    import_bindings,
)
from celerylint.pickling import fast_pickling
from celerylint.semantics.tasks import find_task_decorator

Hook = Callable[[cst.CSTNode], object]


@dataclass(frozen=True, slots=True)
class RuleCrash:
    code: str
    path: str
    error: str
    traceback: str


class Visitor:
    """Anything with ``visit_<Node>``/``leave_<Node>`` hooks (rules, the fact collector)."""

    code = "facts"


def _hooks(obj: object, prefix: str) -> dict[type[cst.CSTNode], Hook]:
    found: dict[type[cst.CSTNode], Hook] = {}
    for attr in dir(type(obj)):
        if not attr.startswith(prefix):
            continue
        node_type = getattr(cst, attr[len(prefix) :], None)
        if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
            found[node_type] = getattr(obj, attr)
    return found


#: node types that bind names inside a function (checked by exact type: libcst's node
#: classes are ABCs, so ``isinstance`` on every node is measurably slow)
_BINDING_TYPES: frozenset[type[cst.CSTNode]] = frozenset(
    {
        cst.AssignTarget,
        cst.AnnAssign,
        cst.AugAssign,
        cst.For,
        cst.CompFor,
        cst.WithItem,
        cst.ExceptHandler,
        cst.NamedExpr,
        cst.Import,
        cst.ImportFrom,
    }
)


#: node types ``on_visit``/``on_leave`` keep context for, hooks or not
_CONTEXT_TYPES: frozenset[type[cst.CSTNode]] = _BINDING_TYPES | {
    cst.For,
    cst.While,
    cst.FunctionDef,
    cst.Lambda,
    cst.ClassDef,
    cst.With,
    cst.If,
    cst.Else,
}


def _is_type_checking(test: cst.BaseExpression, ctx: FileContext) -> bool:
    if isinstance(test, cst.Name) and test.value == "TYPE_CHECKING":
        return True
    ref = ctx.resolve(test)
    return ref in {"typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"}


class Walker(cst.CSTVisitor):
    def __init__(self, ctx: FileContext, visitors: Sequence[object]) -> None:
        super().__init__()
        self.ctx = ctx
        self.crashes: list[RuleCrash] = []
        self._broken: set[int] = set()
        self._visit: dict[type[cst.CSTNode], list[tuple[object, Hook]]] = {}
        self._leave: dict[type[cst.CSTNode], list[tuple[object, Hook]]] = {}
        for visitor in visitors:
            for node_type, hook in _hooks(visitor, "visit_").items():
                self._visit.setdefault(node_type, []).append((visitor, hook))
            for node_type, hook in _hooks(visitor, "leave_").items():
                self._leave.setdefault(node_type, []).append((visitor, hook))
        self._type_checking_ifs: set[int] = set()
        self._runtime_branches: set[int] = set()  # ``else``/``elif`` of ``if TYPE_CHECKING:``

    def interesting_types(self) -> frozenset[type[cst.CSTNode]]:
        """The node types ``on_visit``/``on_leave`` do anything for (by exact type): for
        every other node both are no-ops, so a walk may skip those calls."""
        return _CONTEXT_TYPES.union(self._visit, self._leave)

    # -- dispatch -------------------------------------------------------------------------

    def _call(self, hooks: list[tuple[object, Hook]], node: cst.CSTNode) -> None:
        for owner, hook in hooks:
            if id(owner) in self._broken:
                continue
            try:
                hook(node)
            except Exception as exc:  # a rule bug must not abort the run
                self._broken.add(id(owner))
                code = getattr(owner, "code", type(owner).__name__)
                self.crashes.append(
                    RuleCrash(
                        code, self.ctx.path, f"{type(exc).__name__}: {exc}", traceback.format_exc()
                    )
                )

    def on_visit(self, node: cst.CSTNode) -> bool:
        t = type(node)
        if t is cst.For or t is cst.While:
            assert isinstance(node, cst.For | cst.While)
            self.ctx.loops.append(node)
        if t is cst.FunctionDef or t is cst.Lambda or t is cst.ClassDef:
            self._enter_scope(node)
        elif t is cst.With:
            assert isinstance(node, cst.With)
            self.ctx.with_blocks.append(node)
        elif t is cst.If or t is cst.Else:
            if id(node) in self._runtime_branches:  # the ``else`` of ``if TYPE_CHECKING:``
                self.ctx.type_checking_depth -= 1
            if isinstance(node, cst.If) and _is_type_checking(node.test, self.ctx):
                self.ctx.type_checking_depth += 1
                self._type_checking_ifs.add(id(node))
                if node.orelse is not None:
                    self._runtime_branches.add(id(node.orelse))
        elif t in _BINDING_TYPES and self.ctx.functions:
            self._bind_local(node)
        hooks = self._visit.get(t)
        if hooks:
            self._call(hooks, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        t = type(original_node)
        hooks = self._leave.get(t)
        if hooks:
            self._call(hooks, original_node)
        if t is cst.FunctionDef or t is cst.Lambda:
            self.ctx.functions.pop()
            self.ctx.resolver.frames.pop()
        elif t is cst.ClassDef:
            self.ctx.classes.pop()
            self.ctx.resolver.frames.pop()
        elif t is cst.With:
            self.ctx.with_blocks.pop()
        elif t is cst.For or t is cst.While:
            self.ctx.loops.pop()
        elif t is cst.If or t is cst.Else:
            if id(original_node) in self._type_checking_ifs:
                self.ctx.type_checking_depth -= 1
            if id(original_node) in self._runtime_branches:
                self.ctx.type_checking_depth += 1

    # attribute-level hooks are unused: skip libcst's per-field getattr lookups
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    # -- context --------------------------------------------------------------------------

    def _qualname(self, name: str) -> str:
        outer = [
            f.node.name.value for f in self.ctx.functions if isinstance(f.node, cst.FunctionDef)
        ]
        classes = [c.name.value for c in self.ctx.classes]
        # good enough for nesting in the common shapes (class methods, nested functions)
        parts = classes + outer if not self.ctx.functions else outer
        return ".".join([*parts, name])

    def _enter_scope(self, node: cst.CSTNode) -> None:
        ctx = self.ctx
        resolver = ctx.resolver
        if isinstance(node, cst.ClassDef):
            if ctx.functions:
                resolver.bind_local(node.name.value)
            ctx.classes.append(node)
            resolver.frames.append(Frame("class", node))
            return
        assert isinstance(node, cst.FunctionDef | cst.Lambda)
        task = None
        if isinstance(node, cst.FunctionDef):
            if ctx.functions or ctx.classes:
                resolver.bind_local(node.name.value)
            if node.decorators:
                task = find_task_decorator(
                    node.decorators, resolver, ctx.scope.local_apps, ctx.scope.local_aliases
                )
            qualname = self._qualname(node.name.value)
        else:
            qualname = self._qualname("<lambda>")
        frame = Frame("function", node)
        for param in function_parameters(node.params):
            frame.bindings[param.name.value] = ""
        resolver.frames.append(frame)
        ctx.functions.append(
            FunctionScope(node, qualname, task, frame, len(ctx.with_blocks), len(ctx.loops))
        )

    def _bind_local(self, node: cst.CSTNode) -> None:
        resolver = self.ctx.resolver
        if isinstance(node, cst.AssignTarget):
            for name in bind_target_names(node.target):
                resolver.bind_local(name)
        elif isinstance(node, cst.AnnAssign | cst.AugAssign) and isinstance(node.target, cst.Name):
            resolver.bind_local(node.target.value)
        elif isinstance(node, cst.For | cst.CompFor):
            for name in bind_target_names(node.target):
                resolver.bind_local(name)
        elif isinstance(node, cst.WithItem | cst.ExceptHandler):
            asname = node.asname if isinstance(node, cst.WithItem) else node.name
            if asname is not None:
                for name in bind_target_names(asname.name):
                    resolver.bind_local(name)
        elif isinstance(node, cst.NamedExpr):
            for name in bind_target_names(node.target):
                resolver.bind_local(name)
        elif isinstance(node, cst.Import | cst.ImportFrom):
            frame = resolver.frames[-1]
            for local, target in import_bindings(node, self.ctx.module, self.ctx.is_package):
                frame.bindings[local] = target


fast_pickling(globals())
