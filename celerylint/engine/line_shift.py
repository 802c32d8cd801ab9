"""Line shifts: an edit that only moved a file's lines (a line added above a task, a
blank line removed, an import added at the top).

Phase 1 of the edited file gives facts and findings that differ from the last run's
only in line numbers. ``align`` walks the old and the new results side by side and
finds the line map that turns one into the other: every ``Span`` of the old results
must become the new one's with the same columns, the same old line must always become
the same new line, and the map must keep the order of the lines. Everything that is not
a position must be equal.

The project phase reads positions only to copy them into findings and fixes, to compare
two positions of one file (order, equality) and to deduplicate; a map that keeps the
order of the lines keeps all of these. So the last run's project findings in that file,
moved by the map, are what the project phase would report now
(``engine/incremental.py`` decides when to use it; ``tests/test_incremental.py`` checks
it against ``--no-cache`` runs).

The spans of fix edits count like any other (a phase-1 fix is worked out from the text,
so its positions move with it). A project rule's fix may compute one position from
another: an insertion "on the line after this statement" (``kit/text_edits.line_insertion``)
sits on a line no fact is on. ``LineShift.edit_line`` maps such a line from the line
before it, and refuses when lines were added between the two.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from celerylint.diagnostics import Diagnostic, Edit, Fix, Span

#: per type, the fields to compare (None: not a dataclass, compared with ``==``)
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields(kind: type) -> tuple[str, ...] | None:
    if kind not in _FIELDS:
        is_data = dataclasses.is_dataclass(kind)
        _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind)) if is_data else None
    return _FIELDS[kind]


class _Aligner:
    """Compares two plain-data values, collecting the line pairs of their spans."""

    def __init__(self) -> None:
        self.lines: dict[int, int] = {}

    def _line(self, old: int, new: int) -> bool:
        return self.lines.setdefault(old, new) == new

    def same(self, old: Any, new: Any) -> bool:
        kind = type(old)
        if kind is not type(new):
            return False
        if kind is Span:
            return (
                old.column == new.column
                and old.end_column == new.end_column
                and self._line(old.line, new.line)
                and self._line(old.end_line, new.end_line)
            )
        if kind is tuple or kind is list:
            return len(old) == len(new) and all(map(self.same, old, new))
        if kind is dict:
            return list(old) == list(new) and all(self.same(old[k], new[k]) for k in old)
        names = _fields(kind)
        if names is None:
            return bool(old == new)
        return all(self.same(getattr(old, n), getattr(new, n)) for n in names)


@dataclass(frozen=True, slots=True)
class LineShift:
    """An order-keeping map of a file's old lines (those its results name) to new ones."""

    old: tuple[int, ...]  # sorted
    new: tuple[int, ...]  # the new line of each, rising

    @property
    def moves(self) -> bool:
        """Some line the results name is somewhere else now."""
        return self.old != self.new

    def line(self, line: int) -> int | None:
        i = bisect_left(self.old, line)
        return self.new[i] if i < len(self.old) and self.old[i] == line else None

    def edit_line(self, line: int) -> int | None:
        """The new line of an edit's old ``line``: a known line, or the line right after
        a known one (an insertion after a statement); None when the two disagree."""
        here, before = self.line(line), self.line(line - 1)
        if before is None:
            return here
        if here is None:
            return before + 1
        return here if here == before + 1 else None

    def span(self, span: Span) -> Span | None:
        line, end = self.line(span.line), self.line(span.end_line)
        if line is None or end is None:
            return None
        return Span(line, span.column, end, span.end_column)

    def edit_span(self, span: Span) -> Span | None:
        line, end = self.edit_line(span.line), self.edit_line(span.end_line)
        if line is None or end is None:
            return None
        return Span(line, span.column, end, span.end_column)

    def diagnostic(self, diagnostic: Diagnostic) -> Diagnostic | None:
        """``diagnostic`` (in the shifted file) at its new place; None when a line of it
        is not one the map knows."""
        span = self.span(diagnostic.span)
        if span is None:
            return None
        fix = diagnostic.fix
        if fix is not None:
            edits = [self.edit_span(e.span) for e in fix.edits]
            if None in edits:
                return None
            moved = tuple(Edit(e.content, s) for e, s in zip(fix.edits, edits, strict=True) if s)
            fix = Fix(fix.message, fix.safety, moved)
        return dataclasses.replace(diagnostic, span=span, fix=fix)


def align(old: Any, new: Any) -> LineShift | None:
    """The line map that turns the results ``old`` into ``new``, or None when they differ
    in more than line numbers (or the lines changed order)."""
    aligner = _Aligner()
    try:
        if not aligner.same(old, new):
            return None
    except RecursionError:
        return None
    pairs = sorted(aligner.lines.items())
    news = tuple(n for _, n in pairs)
    if any(a >= b for a, b in pairwise(news)):
        return None
    return LineShift(tuple(o for o, _ in pairs), news)


def move_findings(
    findings: Iterable[Diagnostic], shifts: Mapping[str, LineShift]
) -> list[Diagnostic] | None:
    """``findings`` (of the project before the edits), those in the shifted files (by
    path) moved with their lines; None when one cannot be moved: on a line the map does not
    know, or with a message that names a line of a moved file (CEL106's "already taken
    ... at shop/tasks.py:13")."""
    moving = {path: shift for path, shift in shifts.items() if shift.moves}
    named = tuple(f"{path}:" for path in moving)
    moved: list[Diagnostic] = []
    for finding in findings:
        if named and any(name in finding.message for name in named):
            return None
        shift = moving.get(finding.path)
        now = finding if shift is None else shift.diagnostic(finding)
        if now is None:
            return None
        moved.append(now)
    return moved
