"""Run rule examples through the real two-phase engine (used by the test suite).

Expected findings are markers next to the code: ``# error: CEL101`` means a finding of
CEL101 on that line at its first non-blank column; ``# error@12: CEL101`` pins column 12.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from celerylint.config import Settings, build_options, load_settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.phase_one import run_phase_one
from celerylint.engine.plan import plan_jobs
from celerylint.engine.request import RunRequest
from celerylint.engine.runner import run
from celerylint.project.index import ProjectIndex
from celerylint.rules import all_rules, rules_by_code
from celerylint.rules.base import Example

_MARKER = re.compile(r"#\s*error(?:@(?P<col>\d+))?:\s*(?P<codes>CEL\d{3}(?:\s*,\s*CEL\d{3})*)")

Expectation = tuple[str, int, int, str]  # path, line, column, code


def expected_findings(files: Mapping[str, str]) -> set[Expectation]:
    found: set[Expectation] = set()
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _MARKER.finditer(line):
                column = (
                    int(match.group("col"))
                    if match.group("col")
                    else len(line) - len(line.lstrip()) + 1
                )
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    found.add((path, number, column, code))
    return found


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def project_settings(
    root: Path, rule_options: Mapping[str, Any], extra: Mapping[str, Any] | None
) -> Settings:
    """Settings for a test project: its ``pyproject.toml`` ``[tool.celerylint]`` when it has
    one (so examples can show project keys such as ``strict-routing = true``), with the
    given rule options and project keys on top."""
    config = root / "pyproject.toml"
    base = Settings(root=root)
    if config.is_file():
        base = load_settings(config, root, [rule.code for rule in all_rules()])
    return dataclasses.replace(
        base,
        rule_options={**base.rule_options, **rule_options},
        extra={**base.extra, **(extra or {})},
    )


def index_project(root: Path, extra: Mapping[str, Any] | None = None) -> ProjectIndex:
    """Phase 1 over the project at ``root`` and the project index built from its facts
    (for unit tests of index and semantics code; ``extra`` is ``[tool.celerylint]``)."""
    settings = project_settings(root.resolve(), {}, extra)
    jobs, _ = plan_jobs(RunRequest([settings.root], settings, frozenset(), jobs=1, cwd=root))
    results = run_phase_one(jobs, frozenset(), {}, 1)
    origins = {job.path: job.abspath for job in jobs}
    return ProjectIndex((r.facts for r in results if r.facts is not None), settings, origins)


def run_files(
    files: Mapping[str, str],
    enabled: Iterable[str],
    options: Mapping[str, Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    """Write ``files`` to a temporary project and check it; paths come back relative."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        write_files(root, files)
        rule_options = {}
        for code, values in (options or {}).items():
            rule = rules_by_code()[code]
            assert rule.options_class is not None, f"{code} has no options"
            rule_options[code] = build_options(rule.options_class, values, code)
        settings = project_settings(root, rule_options, extra)
        report = run(RunRequest([root], settings, frozenset(enabled), jobs=1, cwd=root))
        if report.crashes:
            raise AssertionError("rule crashed:\n" + "\n".join(c.traceback for c in report.crashes))
        return report.diagnostics


def check_example(example: Example, code: str) -> tuple[set[Expectation], set[Expectation]]:
    """(expected, actual) findings of rule ``code`` for one example."""
    files = example.sources()
    diagnostics = run_files(files, {code}, {code: example.options} if example.options else None)
    actual = {(d.path, d.span.line, d.span.column, d.code) for d in diagnostics}
    return expected_findings(files), actual


def fix_files(
    files: Mapping[str, str],
    enabled: Iterable[str],
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    unsafe: bool = True,
) -> tuple[dict[str, str], list[str]]:
    """Run ``--fix`` (with ``--unsafe-fixes`` unless told otherwise) on ``files`` in a
    temporary project: the changed files' new text, and any problems the engine reported."""
    from celerylint.engine.fixes import fix_run

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        write_files(root, files)
        rule_options = {}
        for code, values in (options or {}).items():
            rule = rules_by_code()[code]
            assert rule.options_class is not None, f"{code} has no options"
            rule_options[code] = build_options(rule.options_class, values, code)
        settings = Settings(root=root, rule_options=rule_options)
        request = RunRequest([root], settings, frozenset(enabled), jobs=1, cwd=root)
        result = fix_run(request, unsafe=unsafe)
        if result.report.crashes:
            raise AssertionError(
                "rule crashed:\n" + "\n".join(c.traceback for c in result.report.crashes)
            )
        return {f.path: f.fixed for f in result.files}, result.problems


def expected_fixed(example: Example) -> dict[str, str]:
    """An example's ``fixed=`` as {path: text} (dedented like the sources)."""
    fixed = example.fixed
    if fixed is None:
        return {}
    if isinstance(fixed, str):
        return {example.path: inspect.cleandoc(fixed) + "\n"}
    return {name: inspect.cleandoc(text) + "\n" for name, text in fixed.items()}
