"""Phase 2 over a project index: task conditions, rules' fix reviews, project rules, then
selection, per-file-ignores and ``noqa`` (``engine/suppression.py``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from celerylint.config import Settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.file_pass import FileResult
from celerylint.engine.suppression import Suppressions, apply_suppressions
from celerylint.engine.walker import RuleCrash
from celerylint.project.index import ProjectIndex
from celerylint.rules import all_rules, rules_by_code
from celerylint.rules.base import ProjectRule, Rule


def _condition_holds(diag: Diagnostic, index: ProjectIndex) -> bool:
    return diag.condition is None or index.condition_holds(diag.path, diag.condition)


def review_fix(diag: Diagnostic, index: ProjectIndex) -> Diagnostic:
    """Let the rule settle its fix with project knowledge (``Rule.review_fix``)."""
    if diag.fix is None:
        return diag
    rule = rules_by_code().get(diag.code)
    if rule is None or rule.review_fix.__func__ is Rule.review_fix.__func__:  # type: ignore[attr-defined]
        return diag
    fix = rule.review_fix(diag, index)
    return diag if fix is diag.fix else dataclasses.replace(diag, fix=fix)


def run_project_rules(
    index: ProjectIndex,
    enabled: frozenset[str],
    options: dict[str, Any],
    crashes: list[RuleCrash],
) -> list[Diagnostic]:
    """Every enabled project rule over ``index``; a rule that fails adds to ``crashes``."""
    found: list[Diagnostic] = []
    for rule in all_rules():
        if rule.code not in enabled or not issubclass(rule, ProjectRule):
            continue
        instance = rule(options.get(rule.code, rule.default_options()))
        try:
            for f in instance.check(index):
                message = f.message if f.message is not None else rule.message.format(**f.args)
                found.append(
                    Diagnostic(
                        rule.code, message, f.path, f.span, f.severity or rule.severity, f.fix
                    )
                )
        except Exception as exc:
            import traceback

            crashes.append(
                RuleCrash(
                    rule.code, "<project>", f"{type(exc).__name__}: {exc}", traceback.format_exc()
                )
            )
    return found


def unsuppressed_diagnostics(
    results: Sequence[FileResult],
    index: ProjectIndex,
    project_diagnostics: Sequence[Diagnostic],
) -> list[Diagnostic]:
    """Phase 2 for the files of ``results`` before suppression: per-file findings whose
    task condition holds and the project rules' findings (``project_diagnostics``, for
    this same ``index``) on those files, each fix reviewed."""
    reported_paths = {r.path for r in results}
    diagnostics: list[Diagnostic] = []
    for result in results:
        diagnostics.extend(d for d in result.diagnostics if _condition_holds(d, index))
    diagnostics.extend(d for d in project_diagnostics if d.path in reported_paths)
    return [
        d
        if d.condition is None
        else Diagnostic(d.code, d.message, d.path, d.span, d.severity, d.fix)
        for d in (review_fix(d, index) for d in diagnostics)
    ]


def suppressed(
    diagnostics: Sequence[Diagnostic],
    suppressions: dict[str, Suppressions],
    enabled: frozenset[str],
    settings: Settings,
) -> list[Diagnostic]:
    """Selection, per-file-ignores and ``noqa`` (unused ``noqa`` reported), in report order."""
    return sorted(
        set(apply_suppressions(diagnostics, suppressions, enabled, settings)),
        key=lambda d: d.sort_key,
    )


def finish_diagnostics(
    results: Sequence[FileResult],
    index: ProjectIndex,
    enabled: frozenset[str],
    settings: Settings,
    project_diagnostics: Sequence[Diagnostic],
) -> list[Diagnostic]:
    """Phase 2 for the files of ``results``: ``unsuppressed_diagnostics``, then selection,
    per-file-ignores and ``noqa``; in report order."""
    found = unsuppressed_diagnostics(results, index, project_diagnostics)
    return suppressed(found, {r.path: r.suppressions for r in results}, enabled, settings)
