from __future__ import annotations

from celerylint.diagnostics import Diagnostic, FixSafety
from celerylint.rules import rules_by_code

DOCS_URL = "https://github.com/celerylint/celerylint/blob/main/docs/rules/{code}.md"


def rule_name(code: str) -> str:
    rule = rules_by_code().get(code)
    return rule.name if rule is not None else code.lower()


def rule_url(code: str) -> str:
    return DOCS_URL.format(code=code)


def is_fixable(diag: Diagnostic, unsafe_fixes: bool = False) -> bool:
    """Whether ``--fix`` would apply the finding's fix (unsafe ones need ``--unsafe-fixes``)."""
    if diag.fix is None or not diag.fix.edits:
        return False
    return diag.fix.safety is FixSafety.SAFE or unsafe_fixes
