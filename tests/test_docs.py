"""Rule documentation is generated from rule metadata and must not drift: the checked-in
``docs/rules.md`` and ``docs/rules/*.md`` equal what ``python -m celerylint.docs`` writes,
every rule documents the five sections, and ``celerylint rule CODE`` prints the same page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke

from celerylint.docs import expected_files, rule_page, rules_table
from celerylint.rules import all_rules
from celerylint.rules.base import Rule

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
RULES = all_rules()


def test_generated_docs_are_up_to_date() -> None:
    """The in-process equivalent of ``python -m celerylint.docs --check``."""
    expected = expected_files(DOCS)
    stale = sorted(
        str(path.relative_to(ROOT))
        for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    )
    extra = sorted(
        str(path.relative_to(ROOT))
        for path in (DOCS / "rules").glob("*.md")
        if path not in expected
    )
    hint = "run `python -m celerylint.docs` and commit the result"
    assert not stale, f"out of date: {stale}; {hint}"
    assert not extra, f"pages of rules that no longer exist: {extra}; {hint}"


def test_docs_check_mode_agrees() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "celerylint.docs", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_the_rules_table_lists_every_rule_once() -> None:
    table = rules_table()
    codes = re.findall(r"^\| \[(CEL\d{3})\]\(rules/(CEL\d{3})\.md\)", table, re.M)
    assert [code for code, _ in codes] == [rule.code for rule in RULES]
    assert all(code == page for code, page in codes)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_docs_have_the_five_sections_in_order(rule: type[Rule]) -> None:
    docs = rule.docs()
    headings = re.findall(r"^## (.+)$", docs, re.M)
    assert [h for h in headings if h in SECTIONS] == list(SECTIONS), headings
    for section in SECTIONS:
        body = docs.split(f"## {section}", 1)[1].split("\n## ", 1)[0].strip()
        assert body, f"{rule.code}: the section `{section}` is empty"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_metadata(rule: type[Rule]) -> None:
    assert re.fullmatch(r"CEL\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
    assert "\n" not in rule.message
    assert not rule.message.rstrip().endswith("."), "messages have no trailing period"
    assert rule.summary() and "\n" not in rule.summary()
    assert rule.__module__.rsplit(".", 1)[-1].startswith(rule.code.lower() + "_")


def test_codes_and_names_are_unique() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_command_prints_the_generated_page(rule: type[Rule], invoke: Invoke) -> None:
    page = DOCS / "rules" / f"{rule.code}.md"
    result = invoke("rule", rule.code)
    assert result.exit_code == 0
    assert result.stdout == rule_page(rule) == page.read_text(encoding="utf-8")
