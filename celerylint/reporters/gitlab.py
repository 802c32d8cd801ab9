"""GitLab Code Quality report (a Code Climate JSON subset) with stable fingerprints.

Paths are relative to ``$CI_PROJECT_DIR`` when GitLab sets it (the merge request widget
needs repository-relative paths), else as displayed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from celerylint.diagnostics import Diagnostic, Severity
from celerylint.reporters.fingerprint import fingerprints, portable_path

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def to_issues(diagnostics: Sequence[Diagnostic], sources: dict[str, str]) -> list[dict[str, Any]]:
    base = os.environ.get("CI_PROJECT_DIR") or None
    prints = fingerprints(diagnostics, sources, base)
    return [
        {
            "type": "issue",
            "check_name": d.code,
            "description": f"{d.code}: {d.message}",
            "categories": ["Bug Risk"],
            "severity": SEVERITIES[d.severity],
            "fingerprint": fp,
            "location": {
                "path": portable_path(d.path, base),
                "lines": {"begin": d.span.line, "end": d.span.end_line},
            },
        }
        for d, fp in zip(diagnostics, prints, strict=True)
    ]


def render(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    return json.dumps(to_issues(diagnostics, sources), indent=2) + "\n"
