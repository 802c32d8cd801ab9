"""The traversal context every per-file rule reads: scopes, functions, classes, blocks.

The engine keeps these stacks; rules never keep their own "am I inside X" flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.diagnostics import Fix, Severity, TaskCondition
from celerylint.kit.names import Frame, NameResolver
from celerylint.kit.scope import ModuleScope, TaskDecorator

if TYPE_CHECKING:
    from celerylint.kit.edits import NodeFix


@dataclass(slots=True)
class FunctionScope:
    node: cst.FunctionDef | cst.Lambda
    qualname: str
    task: TaskDecorator | None  # set when this function is (maybe) a Celery task
    frame: Frame
    #: ``len(ctx.with_blocks)`` when the function was entered: the ``with`` blocks from
    #: there on are inside this function (the ones before run at another time)
    with_depth: int = 0
    loop_depth: int = 0  # ``len(ctx.loops)`` when the function was entered


@dataclass(slots=True)
class PendingFinding:
    code: str  # the reporting rule's
    node: cst.CSTNode
    message: str
    severity: Severity
    condition: TaskCondition | None
    fix: Fix | NodeFix | None  # node fixes become text fixes at the end of phase 1


@dataclass(slots=True)
class FileContext:
    path: str
    module: str
    is_package: bool
    scope: ModuleScope
    functions: list[FunctionScope] = field(default_factory=list)
    classes: list[cst.ClassDef] = field(default_factory=list)
    with_blocks: list[cst.With] = field(default_factory=list)
    loops: list[cst.For | cst.While] = field(default_factory=list)
    type_checking_depth: int = 0
    findings: list[PendingFinding] = field(default_factory=list)
    wanted_positions: list[cst.CSTNode] = field(default_factory=list)
    #: node fixes that facts carry (``want_fix``), and their text form once phase 1 has
    #: rendered them (before the collectors' ``finish``)
    fact_fixes: list[NodeFix] = field(default_factory=list)
    realized_fixes: dict[int, Fix | None] = field(default_factory=dict)

    @property
    def resolver(self) -> NameResolver:
        return self.scope.resolver

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name ``node`` refers to (``st`` -> ``celery.shared_task``), or None."""
        return self.scope.resolver.resolve(node)

    @property
    def function(self) -> FunctionScope | None:
        return self.functions[-1] if self.functions else None

    @property
    def local_with_blocks(self) -> list[cst.With]:
        """The ``with`` blocks around this point inside the innermost function (all of them
        at module level): a function defined in a block does not run inside it."""
        fn = self.functions[-1] if self.functions else None
        return self.with_blocks[fn.with_depth :] if fn is not None else self.with_blocks

    @property
    def local_loops(self) -> list[cst.For | cst.While]:
        """The ``for``/``while`` loops around this point inside the innermost function."""
        fn = self.functions[-1] if self.functions else None
        return self.loops[fn.loop_depth :] if fn is not None else self.loops

    @property
    def load_time(self) -> bool:
        """Code here runs when the module is imported (module or class body, not TYPE_CHECKING)."""
        return not self.functions and self.type_checking_depth == 0

    @property
    def task(self) -> FunctionScope | None:
        """The innermost enclosing function if it is a (maybe) task, else None."""
        fn = self.functions[-1] if self.functions else None
        return fn if fn is not None and fn.task is not None else None

    def add_finding(
        self,
        code: str,
        node: cst.CSTNode,
        message: str,
        severity: Severity,
        condition: TaskCondition | None,
        fix: Fix | NodeFix | None,
    ) -> None:
        self.findings.append(PendingFinding(code, node, message, severity, condition, fix))
        self.wanted_positions.append(node)

    def want_position(self, node: cst.CSTNode) -> None:
        self.wanted_positions.append(node)

    def want_fix(self, fix: NodeFix) -> None:
        """A fix a fact will carry (a project rule attaches it in phase 2): rendered to text
        edits with the findings' fixes; read it back with ``realized_fix`` in ``finish``."""
        self.fact_fixes.append(fix)

    def realized_fix(self, fix: NodeFix) -> Fix | None:
        return self.realized_fixes.get(id(fix))

    @property
    def module_node(self) -> cst.Module:
        """The file's whole tree (for fixes that edit elsewhere, e.g. add an import)."""
        node = self.scope.resolver.frames[0].node
        assert isinstance(node, cst.Module)
        return node
