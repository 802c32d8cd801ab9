from __future__ import annotations

from typing import Any

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.kit.edits import NodeFix, Replacement
from celerylint.kit.fixkit import dotted, import_line
from celerylint.kit.names import dotted_name
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.upgrade import REMOVED_MODULES, RemovedName, removed_name

#: last parts of removed module names: only attribute chains ending so are resolved
_ATTRIBUTE_NAMES = frozenset(name.rsplit(".", 1)[1] for name in REMOVED_MODULES)


def _renamed(alias: cst.ImportAlias, new_name: str, local: str) -> cst.ImportAlias:
    """``alias`` importing ``new_name`` under the same local name."""
    asname = None
    if local != new_name:
        asname = alias.asname if alias.asname is not None else cst.AsName(cst.Name(local))
    return alias.with_changes(name=cst.Name(new_name), asname=asname)


def _attributes(node: cst.BaseExpression) -> list[int]:
    """ids of the ``Attribute`` nodes of a dotted name (``a.b.c`` has two)."""
    found = []
    while isinstance(node, cst.Attribute):
        found.append(id(node))
        node = node.value
    return found


class RemovedTaskModule(FileRule):
    """
    ## What it does
    Finds imports from modules that Celery 5 no longer has: `celery.task` (`task`, `Task`,
    `periodic_task`, `PeriodicTask`), `celery.decorators`, `celery.task.control`,
    `celery.task.schedules`, `celery.task.sets`, `celery.task.chords`, `celery.task.http`,
    `celery.contrib.methods`, `celery.five` and `celery.utils.encoding`, and uses of them
    through `import celery`.

    ## Why is this bad?
    These compatibility modules were deprecated in Celery 4 and removed in 5.0 (*What's new
    in 5.0 → Removed deprecated modules*): the import fails with `ModuleNotFoundError` or
    `ImportError`, so the worker, and every module that imports this one, does not start.

    ## Use instead
    ```python
    from celery import shared_task as task
    from celery.schedules import crontab
    from proj.celery import app  # then app.control.revoke(task_id)
    ```

    ## Fix safety
    The fix rewrites imports that have a 1:1 replacement (`task` → `celery.shared_task`,
    `Task` → `celery.Task`, `celery.task.schedules` → `celery.schedules`, canvas names →
    `celery`, `celery.utils.encoding` → `kombu.utils.encoding`), keeping the local names, so
    the code that uses them does not change. It is safe. `celery.task.control` and the
    other modules without a drop-in replacement need the app object or a redesign, so they
    are left to you.
    """

    code = "CEL801"
    name = "removed-task-module"
    message = "`{name}` does not exist in Celery 5: {advice}"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            """
            from celery.task import task  # error@25: CEL801

            @task(ignore_result=True)
            def cleanup():
                pass
            """,
            fixed="""
            from celery import shared_task as task  # error@25: CEL801

            @task(ignore_result=True)
            def cleanup():
                pass
            """,
        ),
        Invalid(
            """
            from celery.task import Task, periodic_task  # error@25: CEL801  # error@31: CEL801
            from celery.task.schedules import crontab  # error@35: CEL801
            from celery.utils.encoding import safe_str as text  # error@35: CEL801
            """,
            fixed="""
            from celery.task import periodic_task  # error@25: CEL801  # error@31: CEL801
            from celery import Task
            from celery.schedules import crontab  # error@35: CEL801
            from kombu.utils.encoding import safe_str as text  # error@35: CEL801
            """,
        ),
        Invalid(
            """
            from celery.task.control import revoke  # error@33: CEL801
            from celery import task  # error@20: CEL801
            import celery.five  # error@8: CEL801

            import celery

            def stop(task_id):
                celery.task.control.revoke(task_id)  # error: CEL801
            """
        ),
        Valid(
            """
            from celery import Task, shared_task
            from celery.schedules import crontab
            from kombu.utils.encoding import safe_str

            import celery


            @shared_task
            def cleanup(app):
                app.control.revoke("id")
                return celery.current_app
            """
        ),
        Valid(
            """
            # a project module that happens to be called `task`
            from .task import task
            from myproject.celery.task import run
            """,
            path="myproject/jobs.py",
        ),
    )

    # -- imports ----------------------------------------------------------------------------

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        #: dotted names inside import statements: reported with the import, not as uses
        self._in_imports: set[int] = set()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for small in node.body:
            if isinstance(small, cst.ImportFrom):
                if small.module is not None:
                    self._in_imports.update(_attributes(small.module))
                self._import_from(node, small)
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    self._in_imports.update(_attributes(alias.name))
                    target = dotted_name(alias.name)
                    found = removed_name(target, None) if target else None
                    if found is not None:
                        self._report(alias, found, None)

    def _report(self, node: cst.CSTNode, found: RemovedName, fix: NodeFix | None) -> None:
        self.report(node, name=found.name, advice=found.advice, fix=fix)

    def _import_from(self, line: cst.SimpleStatementLine, stmt: cst.ImportFrom) -> None:
        if stmt.relative or stmt.module is None:
            return
        base = dotted_name(stmt.module)
        if base is None or not base.startswith("celery"):
            return
        if isinstance(stmt.names, cst.ImportStar):
            found = removed_name(base, None)
            if found is not None:
                self._report(stmt, found, None)
            return
        decisions = [
            (alias, removed_name(base, alias.name.value))
            for alias in stmt.names
            if isinstance(alias.name, cst.Name)
        ]
        if not any(found for _, found in decisions):
            return
        fix = self._rewrite(line, stmt, decisions)
        for alias, found in decisions:
            if found is not None:
                self._report(alias, found, fix if found.replacement is not None else None)

    def _rewrite(
        self,
        line: cst.SimpleStatementLine,
        stmt: cst.ImportFrom,
        decisions: list[tuple[cst.ImportAlias, RemovedName | None]],
    ) -> NodeFix | None:
        """Move every name with a replacement to an import of its new module; names
        without one stay where they are (and keep being reported)."""
        moved: dict[str, list[tuple[str, str]]] = {}
        kept: list[cst.ImportAlias] = []
        for alias, found in decisions:
            if found is None or found.replacement is None:
                kept.append(alias)
                continue
            module, new_name = found.replacement
            local = alias.evaluated_alias or alias.evaluated_name
            moved.setdefault(module, []).append((new_name, local))
        if not moved:
            return None
        modules = ", ".join(f"`{m}`" for m in moved)
        message = f"Import from {modules} instead"
        replacements: dict[cst.CSTNode, Replacement]
        if not kept and len(moved) == 1:
            # the common case: rewrite the statement in place (comments and layout stay)
            (module, names), *_ = moved.items()
            aliases = [
                _renamed(alias, new_name, local)
                for alias, (new_name, local) in zip((a for a, _ in decisions), names, strict=True)
            ]
            replacements = {stmt: stmt.with_changes(module=dotted(module), names=aliases)}
            return self.fix(replacements, message)
        if len(line.body) != 1:
            return None  # ``import x; from celery.task import ...``: leave it to a human
        new_lines = [import_line(module, names) for module, names in moved.items()]
        if kept:
            last = kept[-1].with_changes(comma=decisions[-1][0].comma)
            remaining = stmt.with_changes(names=[*kept[:-1], last])
            first = line.with_changes(body=[remaining])
            replacement = cst.FlattenSentinel([first, *new_lines])
        else:
            head = new_lines[0].with_changes(
                leading_lines=line.leading_lines, trailing_whitespace=line.trailing_whitespace
            )
            replacement = cst.FlattenSentinel([head, *new_lines[1:]])
        return self.fix({line: replacement}, message)

    # -- ``import celery`` then ``celery.task.control.revoke(...)`` -------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value not in _ATTRIBUTE_NAMES or id(node) in self._in_imports:
            return
        ref = self.ctx.resolve(node)
        if ref is None or ref not in REMOVED_MODULES:
            return
        outer = self.ctx.resolve(node.value)
        if outer is not None and removed_name(outer, None) is not None:
            return  # reported at the outermost removed module already (or at its import)
        found = removed_name(ref, None)
        if found is not None:
            self._report(node, found, None)
