"""Every rule's valid and invalid examples run through the real engine."""

from __future__ import annotations

import libcst as cst
import pytest

from celerylint.diagnostics import FixSafety
from celerylint.rules import all_rules
from celerylint.rules.base import Invalid, Rule
from celerylint.testing import (
    check_example,
    expected_findings,
    expected_fixed,
    fix_files,
    run_files,
)

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


FIX_CASES = [
    pytest.param(rule, i, example, id=f"{rule.code}-fixed-{i}")
    for rule in all_rules()
    for i, example in enumerate(rule.examples)
    if example.fixed is not None
]


@pytest.mark.parametrize(("rule", "index", "example"), FIX_CASES)
def test_fix_example(rule: type[Rule], index: int, example: Invalid) -> None:
    """``fixed=`` is what ``--fix --unsafe-fixes`` makes of the example: it parses, and
    fixing it again changes nothing."""
    assert isinstance(example, Invalid), f"{rule.code} example {index}: only invalid ones fix"
    files = example.sources()
    options = {rule.code: example.options} if example.options else None
    fixed, problems = fix_files(files, {rule.code}, options)
    assert not problems
    expected = expected_fixed(example)
    assert fixed == expected
    for text in fixed.values():
        cst.parse_module(text)
    again, problems = fix_files({**files, **fixed}, {rule.code}, options)
    assert not again and not problems, "fixing the fixed code changed it again"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_fixable_rule_has_fix_example(rule: type[Rule]) -> None:
    has_fixed = any(e.fixed is not None for e in rule.examples)
    if rule.fix_safety is FixSafety.NONE:
        assert not has_fixed, f"{rule.code} has `fixed=` examples but declares no fix"
    else:
        assert has_fixed, f"{rule.code} declares a {rule.fix_safety.value} fix: add `fixed=`"
