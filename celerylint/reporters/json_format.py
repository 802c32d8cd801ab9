"""JSON with exactly ruff's field names (``cell``, ``code``, ``end_location``, ``filename``,
``fix``, ``location``, ``message``, ``name``, ``noqa_row``, ``severity``, ``url``)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from celerylint.diagnostics import Diagnostic
from celerylint.reporters.common import rule_name, rule_url


def _location(line: int, column: int) -> dict[str, int]:
    return {"row": line, "column": column}


def to_dict(diag: Diagnostic) -> dict[str, Any]:
    fix = None
    if diag.fix is not None:
        fix = {
            "applicability": diag.fix.safety.value,
            "message": diag.fix.message,
            "edits": [
                {
                    "content": e.content,
                    "location": _location(e.span.line, e.span.column),
                    "end_location": _location(e.span.end_line, e.span.end_column),
                }
                for e in diag.fix.edits
            ],
        }
    return {
        "cell": None,  # ruff's notebook cell; celerylint checks only .py files
        "code": diag.code,
        "name": rule_name(diag.code),
        "message": diag.message,
        "severity": diag.severity.value,
        "filename": os.path.abspath(diag.path),
        "location": _location(diag.span.line, diag.span.column),
        "end_location": _location(diag.span.end_line, diag.span.end_column),
        "fix": fix,
        "noqa_row": diag.span.line,  # the line whose noqa comment suppresses this finding
        "url": rule_url(diag.code),
    }


def render(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    return json.dumps([to_dict(d) for d in diagnostics], indent=2) + "\n"
