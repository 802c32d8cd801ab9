"""The *Example* section of a rule page, rendered from the rule's tested examples.

What a reader sees is what ``tests/test_rule_examples.py`` runs: the rule's first invalid
example (its ``# error: CODE`` markers turned into ``# CODE reported here`` comments), the
fix applied to it (the example's ``fixed=``, which the tests check equals what ``--fix``
makes of it), and its first valid example (a near miss that stays quiet).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from celerylint.diagnostics import FixSafety
from celerylint.rules.base import Example, Invalid, Rule

_MARKER = re.compile(r"#\s*error(?:@\d+)?:\s*(?P<codes>CEL\d{3}(?:\s*,\s*CEL\d{3})*)")
_LANGUAGES = {".py": "python", ".toml": "toml", ".cfg": "ini", ".ini": "ini", ".md": "markdown"}
_DEFAULT_PATH = Example.path


def readable_markers(text: str) -> str:
    """``# error: CEL101`` as ``# CEL101 reported here``; ``# error@12: CEL101, CEL102`` as
    ``# CEL101, CEL102 reported here``; ``# error: CEL101, CEL101`` as ``# CEL101 reported
    here (2 findings)``."""

    def replace(match: re.Match[str]) -> str:
        codes = re.split(r"\s*,\s*", match.group("codes"))
        distinct = list(dict.fromkeys(codes))
        times = f" ({len(codes)} findings)" if len(distinct) == 1 and len(codes) > 1 else ""
        return f"# {', '.join(distinct)} reported here{times}"

    return _MARKER.sub(replace, text)


def _fence(path: str, text: str) -> list[str]:
    language = _LANGUAGES.get(PurePosixPath(path).suffix, "text")
    return [f"```{language}", text.rstrip("\n"), "```"]


def without_markers(text: str) -> str:
    """``text`` with its ``# error:`` markers removed (for fixed code, where they are stale);
    a line that holds only a marker goes too."""
    kept = []
    for line in text.split("\n"):
        if _MARKER.search(line):
            line = _MARKER.split(line, maxsplit=1)[0].rstrip()
            if not line:
                continue
        kept.append(line)
    return "\n".join(kept).lstrip("\n")


def render_files(files: Mapping[str, str], *, named: bool, markers: bool = True) -> list[str]:
    """Code blocks for ``files`` ({path: text}); ``named`` puts each file's path above it
    (multi-file examples, or a single file with a meaningful name). ``markers`` turns the
    ``# error:`` markers into readable comments; without it they are dropped. Empty files
    (package ``__init__.py``) are listed by name only."""
    lines: list[str] = []
    empty = [path for path, text in files.items() if not text.strip()]
    for path, text in files.items():
        if not text.strip():
            continue
        if named:
            lines += [f"`{path}`:", ""]
        shown = readable_markers(text) if markers else without_markers(text)
        lines += [*_fence(path, shown), ""]
    if empty:
        names = ", ".join(f"`{path}`" for path in empty)
        lines += [f"Empty: {names}.", ""]
    return lines


def _example_files(rule: type[Rule], example: Example) -> list[str]:
    files = example.sources()
    named = len(files) > 1 or example.path != _DEFAULT_PATH
    lines: list[str] = []
    if example.options:
        table = [f"[tool.celerylint.options.{rule.name}]"]
        table += [f"{key} = {json.dumps(value)}" for key, value in example.options.items()]
        lines += ["With these options:", "", "```toml", *table, "```", ""]
    return lines + render_files(files, named=named)


def _fixed_files(example: Example) -> dict[str, str]:
    # the same dedenting as the tests' ``expected_fixed`` (kept free of the engine imports)
    fixed = example.fixed
    if fixed is None:
        return {}
    if isinstance(fixed, str):
        fixed = {example.path: fixed}
    return Example(files=fixed).sources()


def _fix_lines(rule: type[Rule], first: Example) -> list[str]:
    fixable = [e for e in rule.examples if isinstance(e, Invalid) and e.fixed is not None]
    if rule.fix_safety is FixSafety.NONE or not fixable:
        return []
    example = fixable[0]
    lines: list[str] = []
    if example is not first:
        lines += ["The fix, shown on another tested example:", "", *_example_files(rule, example)]
    fixed = _fixed_files(example)
    named = len(example.sources()) > 1 or example.path != _DEFAULT_PATH
    # the tests apply unsafe fixes too; a safe rule may still make some fixes unsafe
    lines += ["`celerylint --fix --unsafe-fixes` makes it:", ""]
    return lines + render_files(fixed, named=named, markers=False)


def example_section(rule: type[Rule]) -> str:
    """The ``## Example`` section of ``rule``'s page (empty when it has no examples)."""
    invalid = [e for e in rule.examples if isinstance(e, Invalid)]
    valid = [e for e in rule.examples if not isinstance(e, Invalid)]
    if not invalid and not valid:
        return ""
    lines = ["## Example", ""]
    if invalid:
        lines += [f"{rule.code} reports this code:", "", *_example_files(rule, invalid[0])]
        lines += _fix_lines(rule, invalid[0])
    if valid:
        lines += ["This near miss stays quiet:", "", *_example_files(rule, valid[0])]
    return "\n".join(lines).rstrip() + "\n"


def without_section(docs: str, heading: str) -> str:
    """``docs`` without its ``## heading`` section (headings inside code fences ignored)."""
    kept: list[str] = []
    skipping = in_fence = False
    for line in docs.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("## "):
            skipping = line[3:].strip() == heading
        if not skipping:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


def docs_with_examples(rule: type[Rule]) -> str:
    """The rule's docstring prose with the hand-written *Example* replaced by the tested
    examples, placed before *Use instead* (or at the end)."""
    docs = without_section(rule.docs(), "Example")
    section = example_section(rule)
    if not section:
        return docs.rstrip()
    marker = "\n## Use instead"
    if marker in "\n" + docs:
        before, after = ("\n" + docs).split(marker, 1)
        return (before.strip() + "\n\n" + section + "\n" + marker.strip() + after).rstrip()
    return (docs.rstrip() + "\n\n" + section).rstrip()
