"""Where a package's ``__init__.py`` ends, so that a project rule can append to it.

CEL103's fix adds ``from .celery import app as celery_app`` to the package that should
load the Celery app. Phase 2 has no file text, so phase 1 records, for package modules
only (they are small), the position after the last character and whether the file ends
with a line break.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import ModuleEndFact
from celerylint.kit.context import FileContext
from celerylint.kit.edits import line_starts, position


class ModuleEndCollector:
    """Fills ``ModuleFacts.end`` for ``__init__`` modules."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._end: ModuleEndFact | None = None

    def leave_Module(self, node: cst.Module) -> None:
        if not self.ctx.is_package:
            return
        text = node.code
        line, column = position(line_starts(text), len(text))
        ends = text == "" or text.endswith(("\n", "\r"))
        self._end = ModuleEndFact(Span(line, column, line, column), ends)

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> dict[str, Any]:
        return {"end": self._end} if self._end is not None else {}
