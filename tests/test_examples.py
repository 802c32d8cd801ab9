"""`celerylint examples/` reports exactly the planted mistakes (the `# error:` markers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from celerylint.config import ConfigResolver, find_config, load_settings
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.rules import all_rules
from celerylint.testing import expected_findings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: the example projects: the Django shop at the top, the Flask service in its own folder
#: (it has a configuration of its own, so it is a project of its own)
FLASK = EXAMPLES / "flask_service"
PROJECTS = {"django": EXAMPLES, "flask": FLASK}


def _sources(root: Path) -> dict[str, str]:
    """The project's Python files, leaving out nested projects (they are checked alone)."""
    nested = [p for p in PROJECTS.values() if p != root and p.is_relative_to(root)]
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
        if not any(p.is_relative_to(n) for n in nested)
    }


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_examples_report_exactly_the_planted_mistakes(name: str) -> None:
    root = PROJECTS[name]
    config = find_config(root)
    assert config == root / "pyproject.toml"
    settings = load_settings(config, root, [r.code for r in all_rules()])
    resolver = ConfigResolver([r.code for r in all_rules()], root)
    request = RunRequest(
        [root], settings, enabled_codes(settings), jobs=1, cwd=root, resolver=resolver
    )
    report = run(request)
    assert not report.crashes
    actual = {(d.path, d.span.line, d.span.column, d.code) for d in report.diagnostics}
    sources = _sources(root)
    expected = expected_findings(sources)
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    assert not missing and not unexpected, f"missing={missing}\nunexpected={unexpected}"


def test_every_rule_family_is_planted_in_examples() -> None:
    """Each default-on rule that exists has at least one planted instance (CEL0xx aside)."""
    sources = {p.as_posix(): p.read_text(encoding="utf-8") for p in EXAMPLES.rglob("*.py")}
    planted = {code for (_, _, _, code) in expected_findings(sources)}
    missing = [
        r.code
        for r in all_rules()
        if r.default_enabled and not r.code.startswith("CEL0") and r.code not in planted
    ]
    assert not missing, f"rules without a planted instance in examples/: {missing}"
