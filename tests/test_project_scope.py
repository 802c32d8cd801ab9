"""Checking part of a project still indexes all of it: cross-file rules see settings and
routes that live elsewhere, and only the given paths are reported."""

from __future__ import annotations

from pathlib import Path

from celerylint.config import find_config, load_settings
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _check(*paths: Path) -> list[tuple[str, str]]:
    settings = load_settings(find_config(EXAMPLES), EXAMPLES, [r.code for r in all_rules()])
    report = run(RunRequest(list(paths), settings, enabled_codes(settings), jobs=1, cwd=EXAMPLES))
    return [(d.path, d.code) for d in report.diagnostics]


def test_a_subdirectory_is_checked_against_the_whole_project() -> None:
    whole = _check(EXAMPLES)
    part = _check(EXAMPLES / "inventory")
    assert part, "the inventory app has planted findings"
    assert all(path.startswith("inventory/") for path, _ in part)
    assert sorted(part) == sorted(f for f in whole if f[0].startswith("inventory/"))


def test_two_subdirectories_report_both_and_nothing_else() -> None:
    part = _check(EXAMPLES / "shop", EXAMPLES / "billing")
    assert {path.split("/", 1)[0] for path, _ in part} == {"shop", "billing"}
