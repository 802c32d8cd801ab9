"""Which load-time imports of a models module could move into the functions using them.

CEL101 reports a models module that imports tasks at load time; its fix moves the import
statement into each function that uses what it binds. That is only right when *every*
use is inside a function body (not in a class body, a decorator, a default value or an
annotation, which all run at load time), when nothing else rebinds the names, and when
the statement is a plain top-level line. This collector works that out in phase 1, for
models modules only, and stores the ready text edits as facts; CEL101 attaches them in
phase 2 after checking that no other module re-imports the names from the models module
(``movable``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence

import libcst as cst

from celerylint.diagnostics import FixSafety, Span
from celerylint.factdata import ImportMoveFact, ModuleFacts
from celerylint.kit.context import FileContext
from celerylint.kit.cst_walk import visit_read_only
from celerylint.kit.edits import NodeFix, Replacement
from celerylint.kit.fixkit import prepend_to_body
from celerylint.kit.names import bind_target_names, dotted_name, import_bindings
from celerylint.kit.values import string_value
from celerylint.project.index import ProjectIndex
from celerylint.semantics.django import is_models_module


class _Uses(cst.CSTVisitor):
    """Where the names are read: function bodies (by outermost function) or load time."""

    def __init__(self, names: frozenset[str], skip: cst.CSTNode) -> None:
        super().__init__()
        self.names = names
        self.skip = skip
        self.function: cst.FunctionDef | None = None  # outermost function whose body we are in
        self.class_path: list[str] = []
        self.uses_name = ""
        self.uses: dict[cst.FunctionDef, str] = {}  # function -> display name
        self.blocked = False  # a use at load time, or a rebinding

    def _bound(self, names: Iterable[str]) -> None:
        if any(n in self.names for n in names):
            self.blocked = True

    # -- scopes -----------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bound([node.name.value])
        for decorator in node.decorators:
            visit_read_only(decorator, self)
        visit_read_only(node.params, self)
        if node.returns is not None:
            visit_read_only(node.returns, self)
        outer = self.function
        if outer is None:
            self.function = node
            self.uses_name = ".".join([*self.class_path, node.name.value])
        visit_read_only(node.body, self)
        self.function = outer
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bound([node.name.value])
        for decorator in node.decorators:
            visit_read_only(decorator, self)
        for arg in (*node.bases, *node.keywords):
            visit_read_only(arg, self)
        self.class_path.append(node.name.value)
        visit_read_only(node.body, self)
        self.class_path.pop()
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        if self.function is None and self._mentions(node):
            self.blocked = True  # cannot put an import into a lambda
        return self.function is not None

    def _mentions(self, node: cst.CSTNode) -> bool:
        finder = _Mentions(self.names)
        visit_read_only(node, finder)
        return finder.found

    # -- reads and bindings -----------------------------------------------------------------

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.names:
            return
        if self.function is None:
            self.blocked = True
        else:
            self.uses[self.function] = self.uses_name

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        visit_read_only(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        visit_read_only(node.value, self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        self._bound([node.name.value])
        if node.annotation is not None:
            visit_read_only(node.annotation, self)
        if node.default is not None:
            visit_read_only(node.default, self)
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        if node is not self.skip:
            self._bound(local for local, _ in import_bindings(node, "", False))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node is not self.skip:
            if isinstance(node.names, cst.ImportStar):
                self.blocked = True
            else:
                self._bound(
                    (a.evaluated_alias or a.evaluated_name)
                    for a in node.names
                    if isinstance(a.name, cst.Name)
                )
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bound(bind_target_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bound(bind_target_names(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bound(bind_target_names(node.target))

    def visit_For(self, node: cst.For) -> None:
        self._bound(bind_target_names(node.target))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bound(bind_target_names(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bound(bind_target_names(node.target))

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bound(bind_target_names(node.name))  # with ... as, except ... as

    def visit_Global(self, node: cst.Global) -> None:
        self._bound(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self._bound(n.name.value for n in node.names)

    def visit_Del(self, node: cst.Del) -> None:
        self._bound(bind_target_names(node.target))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        # ``__all__ = ["send_receipt"]`` re-exports the name: moving it would break that
        if self.function is None and string_value(node) in self.names:
            self.blocked = True


class _Mentions(cst.CSTVisitor):
    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True


#: import roots that never hold the project's tasks: each candidate costs a walk of the
#: module, so skip them (models modules import these far more than anything else)
_NOT_PROJECT = frozenset(sys.stdlib_module_names) | {
    "django",
    "celery",
    "kombu",
    "rest_framework",
    "typing_extensions",
}


def _third_party(stmt: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(stmt, cst.ImportFrom):
        if stmt.relative or stmt.module is None:
            return False
        root = dotted_name(stmt.module)
        return root is not None and root.split(".", 1)[0] in _NOT_PROJECT
    roots = {(dotted_name(a.name) or "").split(".", 1)[0] for a in stmt.names}
    return bool(roots) and roots <= _NOT_PROJECT


def _comments_right_above(line: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
    """The comment lines directly above a statement (no blank line between): about it."""
    attached: list[cst.EmptyLine] = []
    for empty in reversed(line.leading_lines):
        if empty.comment is None:
            break
        attached.insert(0, empty)
    return attached


class ImportMoveCollector:
    """CEL101's own phase 1 (models modules only): the top-level imports that can move
    into the functions using them, with the ready text edits."""

    code = "CEL101"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._found: list[tuple[cst.CSTNode, tuple[str, ...], tuple[str, ...], NodeFix]] = []

    def leave_Module(self, node: cst.Module) -> None:
        if not is_models_module(self.ctx.module):
            return
        for line in node.body:
            if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1):
                continue
            stmt = line.body[0]
            if not isinstance(stmt, cst.Import | cst.ImportFrom):
                continue
            if line is node.body[0] and any(e.comment is not None for e in node.header):
                continue  # the file's header comments (a coding cookie, a licence) stay
            attached = _comments_right_above(line)
            if any(e.comment is not None for e in line.leading_lines[: -len(attached) or None]):
                # a comment with blank lines before the import: removing the statement with
                # its leading lines would delete it
                continue
            self._consider(node, line, stmt, attached)

    def _consider(
        self,
        module: cst.Module,
        line: cst.SimpleStatementLine,
        stmt: cst.Import | cst.ImportFrom,
        attached: Sequence[cst.EmptyLine],
    ) -> None:
        if isinstance(stmt, cst.ImportFrom) and isinstance(stmt.names, cst.ImportStar):
            return
        if _third_party(stmt):
            return  # the standard library and frameworks define no project tasks
        names = frozenset(
            local for local, _ in import_bindings(stmt, self.ctx.module, self.ctx.is_package)
        )
        if not names:
            return
        uses = _Uses(names, stmt)
        visit_read_only(module, uses)
        if uses.blocked or not uses.uses:
            return
        clean = stmt.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        # the comments after the import and right above it move with it; copied into
        # several functions they would be duplicated, so then the statement stays where it is
        trailing = line.trailing_whitespace
        if (trailing.comment is not None or attached) and len(uses.uses) > 1:
            return
        lead = [e.with_changes(indent=True) for e in attached]
        inner = cst.SimpleStatementLine([clean], leading_lines=lead, trailing_whitespace=trailing)
        replacements: dict[cst.CSTNode, Replacement] = {line: cst.RemoveFromParent()}
        for function in uses.uses:
            inserted = prepend_to_body(function, [inner], blank_after=True)
            if inserted is None:
                return
            replacements.update(inserted)
        functions = tuple(dict.fromkeys(uses.uses.values()))
        where = ", ".join(f"`{f}`" for f in functions)
        fix = NodeFix(f"Move the import into {where}", FixSafety.SAFE, tuple(replacements.items()))
        self.ctx.want_fix(fix)
        self.ctx.want_position(stmt)
        self._found.append((stmt, tuple(sorted(names)), functions, fix))

    def finish(
        self, span_of: Callable[[cst.CSTNode], Span] | None
    ) -> tuple[ImportMoveFact, ...] | None:
        moves = []
        for stmt, names, functions, node_fix in self._found:
            fix = self.ctx.realized_fix(node_fix)
            if fix is not None and span_of is not None:
                moves.append(ImportMoveFact(span_of(stmt), names, functions, fix))
        return tuple(moves) or None


def movable(index: ProjectIndex, facts: ModuleFacts, span: object) -> ImportMoveFact | None:
    """CEL101's phase 2: the move of the statement at ``span`` into functions (phase 1
    checked the uses), unless another module imports the names from the models module:
    they would no longer be there."""
    moves: tuple[ImportMoveFact, ...] = facts.rule_data(ImportMoveCollector.code) or ()
    move = next((m for m in moves if m.span == span), None)
    if move is None:
        return None
    for other in index.by_path.values():
        if other.module == facts.module:
            continue
        imported = [(f.target, f.name) for f in other.imports]
        imported += [(f.target, f.name) for f in other.runtime_imports if f.target]
        for target, name in imported:
            if target == facts.module and (name == "*" or name in move.names):
                return None
    return move
