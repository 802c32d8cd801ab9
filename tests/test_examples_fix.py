"""`celerylint --fix` on a copy of `examples/`: what is left is what no fix can do, and a
second run changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from celerylint.config import ConfigResolver, find_config, load_settings
from celerylint.engine.fixes import fix_run, is_applicable, write_fixes
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _request(root: Path) -> RunRequest:
    config = find_config(root)
    assert config == root / "pyproject.toml"
    codes = [r.code for r in all_rules()]
    settings = load_settings(config, root, codes)
    resolver = ConfigResolver(codes, root)  # the nested Flask service has its own config
    return RunRequest(
        [root], settings, enabled_codes(settings), jobs=1, cwd=root, resolver=resolver
    )


#: unfixable findings a fix removes the cause of: the CEL201 fix binds ``charge_card``, so
#: the call written for the bound task (``charge_card.delay(invoice.id)``) then fits
RESOLVED_BY_FIXES = {"django": set(), "flask": {("ledger/views.py", "CEL606")}}
PROJECTS = {"django": ".", "flask": "flask_service"}


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_fix_examples_leaves_only_unfixable_findings(tmp_path: Path, name: str) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    root = (tmp_path / "examples" / PROJECTS[name]).resolve()
    before = run(_request(root))
    fixable_before = [d for d in before.diagnostics if is_applicable(d.fix, False)]
    assert fixable_before, "the examples should show at least one fixable finding"

    result = fix_run(_request(root))
    assert not result.problems and not result.report.crashes
    assert not write_fixes(result.files)
    assert result.fixed >= len(fixable_before)

    after = run(_request(root))
    left = [d for d in after.diagnostics if is_applicable(d.fix, False)]
    assert not left, f"safe fixes left after --fix: {left}"
    # what no fix can do is still reported (fixes may reveal new findings, e.g. an app to
    # install for a renamed scheduler, but never hide unfixable ones)
    unfixable_before = {
        (d.path, d.code) for d in before.diagnostics if not is_applicable(d.fix, False)
    }
    assert RESOLVED_BY_FIXES[name] <= unfixable_before
    unfixable_before -= RESOLVED_BY_FIXES[name]
    assert unfixable_before <= {(d.path, d.code) for d in after.diagnostics}

    again = fix_run(_request(root))
    assert not again.files, "a second --fix changed the fixed examples again"
