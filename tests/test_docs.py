"""Rule documentation is generated from rule metadata and must not drift: the checked-in
``docs/rules.md`` and ``docs/rules/*.md`` equal what ``python -m celerylint.docs`` writes,
every page has the five sections, its *Example* is the rule's tested examples (first
invalid, its fix, first valid), and ``celerylint rule CODE`` prints the same page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke

from celerylint.diagnostics import FixSafety
from celerylint.docs import expected_files, rule_page, rules_table
from celerylint.example_docs import readable_markers, without_markers, without_section
from celerylint.rules import all_rules
from celerylint.rules.base import Example, Invalid, Rule
from celerylint.testing import expected_fixed

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
#: the prose a rule's docstring must write; *Example* comes from its tested examples
PROSE = tuple(s for s in SECTIONS if s != "Example")
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


def _sections(text: str) -> list[str]:
    """Level-2 headings outside code fences."""
    headings, in_fence = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("## "):
            headings.append(line[3:].strip())
    return headings


def _body(text: str, section: str) -> str:
    return text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0].strip()


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_docs_write_the_prose_sections_in_order(rule: type[Rule]) -> None:
    docs = rule.docs()
    headings = [h for h in _sections(docs) if h in PROSE]
    assert headings == list(PROSE), headings
    # the page's Example is rendered from the tested examples: no second, hand-written copy
    assert "Example" not in _sections(docs), f"{rule.code}: remove the docstring's Example"
    for section in PROSE:
        assert _body("\n" + docs, section), f"{rule.code}: the section `{section}` is empty"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_pages_have_the_five_sections_in_order(rule: type[Rule]) -> None:
    page = rule_page(rule)
    assert [h for h in _sections(page) if h in SECTIONS] == list(SECTIONS)
    assert _sections(page).count("Example") == 1, "the docstring's own Example is dropped"


def _shown(example: Example) -> list[str]:
    return [
        readable_markers(text).rstrip("\n") for text in example.sources().values() if text.strip()
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_pages_show_the_tested_examples(rule: type[Rule]) -> None:
    """What users read is what the tests run: the first invalid and first valid examples,
    file by file, and the fix the tests check, in the page's *Example* section."""
    example = _body(rule_page(rule), "Example")
    first_invalid = next(e for e in rule.examples if isinstance(e, Invalid))
    first_valid = next(e for e in rule.examples if not isinstance(e, Invalid))
    for text in [*_shown(first_invalid), *_shown(first_valid)]:
        assert f"\n{text}\n```" in example
    assert example.index(_shown(first_invalid)[0]) < example.index(_shown(first_valid)[-1])
    if len(first_invalid.sources()) > 1:
        for path in first_invalid.sources():
            assert f"`{path}`" in example
    assert "# error" not in example, "markers are shown as readable comments"
    assert re.search(rf"# (CEL\d{{3}}, )*{rule.code}(, CEL\d{{3}})* reported here", example)
    fixable = [e for e in rule.examples if isinstance(e, Invalid) and e.fixed is not None]
    if rule.fix_safety is not FixSafety.NONE:
        for text in expected_fixed(fixable[0]).values():
            if text.strip():
                assert f"\n{without_markers(text).rstrip()}\n```" in example
        # what the tests check (``fix_files`` with unsafe fixes); a safe rule can still make
        # some fixes unsafe (CEL513, CEL608), so the page does not promise plain ``--fix``
        assert "`celerylint --fix --unsafe-fixes` makes it:" in example


def test_markers_become_readable_comments() -> None:
    assert readable_markers("x = f()  # error: CEL101") == "x = f()  # CEL101 reported here"
    assert (
        readable_markers("y(1)  # error@3: CEL101,CEL102") == "y(1)  # CEL101, CEL102 reported here"
    )
    assert readable_markers("z()  # a note") == "z()  # a note"
    assert (
        readable_markers("w()  # error: CEL516, CEL516")
        == "w()  # CEL516 reported here (2 findings)"
    )
    assert without_markers("a()  # keep  # error: CEL101\nb()\n") == "a()  # keep\nb()\n"
    assert without_markers("# error: CEL103\n\nimport app\n") == "import app\n"


def test_without_section_ignores_headings_in_code() -> None:
    docs = "## A\none\n## Example\n```python\n## not a heading\n```\n## B\ntwo"
    assert without_section(docs, "Example") == "## A\none\n## B\ntwo\n"
    assert (
        without_section("## A\n```\n## Example\n```", "Example") == "## A\n```\n## Example\n```\n"
    )


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
