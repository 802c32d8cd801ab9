"""JSON Lines: one finding per line, with the same fields as ``--output-format json``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from celerylint.diagnostics import Diagnostic
from celerylint.reporters.json_format import to_dict


def render(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    return "".join(json.dumps(to_dict(d), separators=(",", ":")) + "\n" for d in diagnostics)
