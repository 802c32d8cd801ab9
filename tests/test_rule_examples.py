"""Every rule's valid and invalid examples run through the real engine."""

from __future__ import annotations

import pytest

from celerylint.rules import all_rules
from celerylint.rules.base import Invalid, Rule
from celerylint.testing import check_example, expected_findings, run_files

CASES = [
    pytest.param(
        rule,
        i,
        example,
        id=f"{rule.code}-{'invalid' if isinstance(example, Invalid) else 'valid'}-{i}",
    )
    for rule in all_rules()
    for i, example in enumerate(rule.examples)
]


@pytest.mark.parametrize(("rule", "index", "example"), CASES)
def test_example(rule: type[Rule], index: int, example: object) -> None:
    assert isinstance(example, Invalid | type(example))
    expected, actual = check_example(example, rule.code)  # type: ignore[arg-type]
    if isinstance(example, Invalid):
        assert expected, f"{rule.code} invalid example {index} has no `# error:` marker"
    assert actual == expected


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_examples(rule: type[Rule]) -> None:
    assert any(isinstance(e, Invalid) for e in rule.examples), (
        f"{rule.code} needs an invalid example"
    )
    assert any(not isinstance(e, Invalid) for e in rule.examples), (
        f"{rule.code} needs a valid example"
    )


def test_no_rule_fires_on_any_valid_example() -> None:
    """Valid examples are near misses for their own rule and must be clean for every rule a
    default run enables, and for their own rule. Opt-in rules that flag a style choice on
    ordinary code (CEL107 reports every task without ``name=``) are checked against their
    own valid examples only."""
    default_codes = {r.code for r in all_rules() if r.default_enabled} - {"CEL001"}
    for rule in all_rules():
        codes = default_codes | {rule.code}
        for example in rule.examples:
            if isinstance(example, Invalid):
                continue
            files = example.sources()
            found = run_files(files, codes)
            unexpected = {(d.path, d.span.line, d.code, d.message) for d in found}
            assert not unexpected, f"{rule.code} valid example fired: {unexpected}"
            assert not expected_findings(files)
