"""A quick pre-pass over a module's top-level statements: what names it binds.

Runs before the main traversal so that uses above a definition still resolve
(``@app.task`` above ``app = Celery()`` is rare, imports at the bottom are not).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from celerylint.kit.names import Frame, NameResolver, bind_target_names, import_bindings
from celerylint.kit.scope import ModuleScope
from celerylint.semantics.tasks import (
    CELERY_APP_CLASSES,
    SHARED_TASK_REFS,
    decorator_alias,
    is_app_task_ref,
)


def top_level_statements(
    body: Sequence[cst.CSTNode],
) -> Iterator[cst.CSTNode]:
    """Module-level simple statements and compound statements, entering if/try/with bodies."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, cst.If):
            yield from top_level_statements(stmt.body.body)
            orelse: cst.If | cst.Else | None = stmt.orelse
            while orelse is not None:
                yield from top_level_statements(orelse.body.body)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, cst.Try | cst.TryStar):
            yield from top_level_statements(stmt.body.body)
            for handler in stmt.handlers:
                yield from top_level_statements(handler.body.body)
            if stmt.orelse is not None:
                yield from top_level_statements(stmt.orelse.body.body)
            if stmt.finalbody is not None:
                yield from top_level_statements(stmt.finalbody.body.body)
        elif isinstance(stmt, cst.With):
            yield from top_level_statements(stmt.body.body)
        else:
            yield stmt


def build_module_scope(module: cst.Module, name: str, is_package: bool) -> ModuleScope:
    frame = Frame("module", module)
    bindings = frame.bindings
    has_star = False
    assignments: list[tuple[str, cst.BaseExpression]] = []
    defines: list[str] = []
    for stmt in top_level_statements(module.body):
        if isinstance(stmt, cst.Import | cst.ImportFrom):
            if isinstance(stmt, cst.ImportFrom) and isinstance(stmt.names, cst.ImportStar):
                has_star = True
            for local, target in import_bindings(stmt, name, is_package):
                bindings[local] = target
        elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
            bindings[stmt.name.value] = f"{name}.{stmt.name.value}"
            defines.append(stmt.name.value)
        elif isinstance(stmt, cst.Assign):
            for assign_target in stmt.targets:
                for bound in bind_target_names(assign_target.target):
                    bindings[bound] = f"{name}.{bound}"
                    defines.append(bound)
                    if isinstance(assign_target.target, cst.Name):
                        assignments.append((bound, stmt.value))
        elif isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
            bound = stmt.target.value
            bindings[bound] = f"{name}.{bound}"
            defines.append(bound)
            if stmt.value is not None:
                assignments.append((bound, stmt.value))
    resolver = NameResolver(name, frame, has_star)
    apps: set[str] = set()
    aliases: set[str] = set()
    for bound, value in assignments:
        if not isinstance(value, cst.Call):
            continue
        callee = resolver.resolve(value.func)
        if callee is None:
            continue
        if callee in CELERY_APP_CLASSES:
            apps.add(f"{name}.{bound}")
    for bound, value in assignments:
        alias = decorator_alias(value, resolver.resolve)
        if alias is not None and (
            alias.ref in SHARED_TASK_REFS
            or (is_app_task_ref(alias.ref) and alias.ref[: -len(".task")] in apps)
        ):
            aliases.add(f"{name}.{bound}")
    return ModuleScope(resolver, frozenset(apps), frozenset(aliases), tuple(dict.fromkeys(defines)))
