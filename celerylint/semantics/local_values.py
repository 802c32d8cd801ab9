"""Local names bound exactly once in a function: ``header = [t.s(1), t.s(2)]``.

A canvas is often built in steps (``header = [...]`` then ``chord(header)(body)``). To
see through such a name we need its value, and we follow it only when the function binds
it exactly once, by a plain ``name = value`` assignment: any other binding (a second
assignment, a loop target, ``with ... as``, ``except ... as``, an import, a parameter,
``global``/``nonlocal``, item assignment ``name[i] = ...``, ``del``) means the value at the
use is not certainly that one, and we say nothing (precision first).
"""

from __future__ import annotations

from collections import Counter

import libcst as cst

from celerylint.kit.cst_walk import visit_read_only


class _Bindings(cst.CSTVisitor):
    """Counts the bindings of every name in one function body (not in nested scopes)."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.counts: Counter[str] = Counter()
        self.values: dict[str, cst.BaseExpression] = {}

    def _bind(self, target: cst.BaseExpression, count: int = 1) -> None:
        if isinstance(target, cst.Name):
            self.counts[target.value] += count
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind(element.value, 2)  # unpacked: its value is not the right side
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, 2)
        elif isinstance(target, cst.Subscript | cst.Attribute):
            base = target.value
            if isinstance(base, cst.Name):
                self.counts[base.value] += 2  # ``name[i] = ...`` changes what it holds

    # nested scopes: their names are bound there; only a nested def's own name binds here
    # (hooks rather than ``on_visit``, so that ``visit_read_only`` can skip what it need
    # not enter)

    def _scope(self, node: cst.FunctionDef | cst.ClassDef | cst.Lambda) -> bool:
        if node is self.root:
            return True
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            self.counts[node.name.value] += 2
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._scope(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._scope(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._scope(node)

    # comprehension targets have their own scope

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return False

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return False

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return False

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return False

    def visit_Param(self, node: cst.Param) -> None:
        self.counts[node.name.value] += 2

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target)
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.values[node.targets[0].target.value] = node.value

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, 2)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, 2)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, 2)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, 2)

    def visit_AsName(self, node: cst.AsName) -> None:
        if isinstance(node.name, cst.BaseExpression):
            self._bind(node.name, 2)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target, 2)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.counts[item.name.value] += 2

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.counts[item.name.value] += 2

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        bound: cst.BaseExpression = node.asname.name if node.asname is not None else node.name
        while isinstance(bound, cst.Attribute):
            bound = bound.value
        if isinstance(bound, cst.Name):
            self.counts[bound.value] += 2


def single_bindings(function: cst.FunctionDef | cst.Lambda) -> dict[str, cst.BaseExpression]:
    """The names ``function`` binds exactly once by ``name = value``, with their values."""
    visitor = _Bindings(function)
    visit_read_only(function, visitor)
    return {name: value for name, value in visitor.values.items() if visitor.counts[name] == 1}
