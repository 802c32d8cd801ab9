"""`celerylint examples/` reports exactly the planted mistakes (the `# error:` markers)."""

from __future__ import annotations

from pathlib import Path

from celerylint.config import find_config, load_settings
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.rules import all_rules
from celerylint.testing import expected_findings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_examples_report_exactly_the_planted_mistakes() -> None:
    config = find_config(EXAMPLES)
    assert config == EXAMPLES / "pyproject.toml"
    settings = load_settings(config, EXAMPLES, [r.code for r in all_rules()])
    report = run(RunRequest([EXAMPLES], settings, enabled_codes(settings), jobs=1, cwd=EXAMPLES))
    assert not report.crashes
    actual = {(d.path, d.span.line, d.span.column, d.code) for d in report.diagnostics}
    sources = {
        p.relative_to(EXAMPLES).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(EXAMPLES.rglob("*.py"))
    }
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
