"""Rule documentation generated from rule metadata: ``celerylint rule CODE``,
``docs/rules.md`` and ``docs/rules/<CODE>.md``. Never hand-maintain a second copy: a
page's *Example* section is rendered from the rule's tested examples
(:mod:`celerylint.example_docs`), not from its docstring.

``python -m celerylint.docs`` rewrites the files; ``--check`` fails on drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from celerylint.example_docs import docs_with_examples
from celerylint.rules import all_rules
from celerylint.rules.base import Rule

_FIX_TEXT = {"none": "no fix", "safe": "safe fix", "unsafe": "unsafe fix"}


def rule_page(rule: type[Rule]) -> str:
    lines = [f"# {rule.name} ({rule.code})", ""]
    scope = "project-wide (cross-file)" if rule.project else "per file"
    default = (
        "on by default" if rule.default_enabled else "off by default (opt in with `extend-select`)"
    )
    lines.append(
        f"Severity: **{rule.severity.value}** · {default} · {scope} · {_FIX_TEXT[rule.fix_safety.value]}"
    )
    lines += ["", f"Message: `{rule.message}`", "", docs_with_examples(rule), ""]
    if rule.options_class is not None:
        import dataclasses

        lines += ["## Options", ""]
        for f in dataclasses.fields(rule.options_class):
            default_value: object = None
            if f.default is not dataclasses.MISSING:
                default_value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default_value = f.default_factory()
            doc = f.metadata.get("doc", "")
            lines.append(
                f"- `{f.name.replace('_', '-')}` (default `{default_value!r}`): {doc}".rstrip()
            )
        lines += ["", f"Set them in `[tool.celerylint.options.{rule.name}]`.", ""]
    return "\n".join(lines).rstrip() + "\n"


def rules_table() -> str:
    lines = [
        "# Rules",
        "",
        "Generated from rule metadata by `python -m celerylint.docs`; do not edit by hand.",
        "",
        "| Code | Name | Severity | Default | Scope | Fix | Summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in all_rules():
        summary = r.summary().replace("|", "\\|")
        lines.append(
            f"| [{r.code}](rules/{r.code}.md) | `{r.name}` | {r.severity.value} | "
            f"{'on' if r.default_enabled else 'off'} | {'project' if r.project else 'file'} | "
            f"{_FIX_TEXT[r.fix_safety.value]} | {summary} |"
        )
    return "\n".join(lines) + "\n"


def expected_files(docs_dir: Path) -> dict[Path, str]:
    files = {docs_dir / "rules.md": rules_table()}
    for rule in all_rules():
        files[docs_dir / "rules" / f"{rule.code}.md"] = rule_page(rule)
    return files


def main(argv: list[str]) -> int:
    docs_dir = Path(__file__).resolve().parent.parent / "docs"
    expected = expected_files(docs_dir)
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text() != text]
    extra = (
        [p for p in (docs_dir / "rules").glob("*.md") if p not in expected]
        if (docs_dir / "rules").is_dir()
        else []
    )
    if "--check" in argv:
        for p in [*stale, *extra]:
            print(f"out of date: {p}", file=sys.stderr)
        return 1 if stale or extra else 0
    (docs_dir / "rules").mkdir(parents=True, exist_ok=True)
    for p in stale:
        p.write_text(expected[p])
    for p in extra:
        p.unlink()
    print(f"wrote {len(stale)} file(s), removed {len(extra)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
