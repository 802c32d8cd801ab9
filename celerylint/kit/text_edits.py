"""Text positions and text edits: offsets of lines and columns, a map between two
renderings of a file, and applying :class:`~celerylint.diagnostics.Edit` lists to text
(the ruff way). Pure text, no tree: the language server and ``engine/fixes.py`` use it
without the parser; ``kit/edits.py`` builds fixes from nodes on top of it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from celerylint.diagnostics import Edit, Span

_NEWLINE = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Offsets at which each line starts (line 1 at index 0)."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def position(starts: Sequence[int], offset: int) -> tuple[int, int]:
    """(line, column), both 1-based, of a character offset."""
    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def offset(starts: Sequence[int], line: int, column: int) -> int:
    """The character offset of a 1-based (line, column)."""
    if line - 1 >= len(starts):
        return starts[-1] + column - 1
    return starts[line - 1] + column - 1


class SourceMap:
    """Offsets in libcst's rendering of a module -> offsets in the file's text.

    libcst reproduces a file exactly, except for a form feed at the start of a line that
    begins a statement (``\\f`` resets Python's indentation count; libcst drops it). For
    such a file the rendering is the text minus those characters, so positions and fixes
    computed on the rendering are mapped back here; an edit that would delete a dropped
    character cannot be expressed (``span`` returns None).
    """

    def __init__(self, anchors: Sequence[tuple[int, int]]) -> None:
        #: (rendered offset, text offset) where a run of dropped characters ends
        self._anchors = list(anchors)
        self._keys = [r for r, _ in anchors]

    @classmethod
    def build(cls, rendered: str, text: str) -> SourceMap | None:
        """The map, or None when the rendering is not the text minus some characters."""
        anchors = [(0, 0)]
        i = j = 0
        while i < len(rendered):
            common = _common_prefix(rendered, i, text, j)
            i += common
            j += common
            if i == len(rendered):
                break
            j += 1  # text[j] was dropped
            if j > len(text) or len(text) - j < len(rendered) - i:
                return None
            anchors.append((i, j))
        return cls(anchors)

    def offset(self, rendered: int) -> int:
        """Where a rendered offset is in the text (after characters dropped just before)."""
        r, t = self._anchors[bisect.bisect_right(self._keys, rendered) - 1]
        return t + rendered - r

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The text range of a rendered range, or None when it holds dropped characters."""
        if start == end:
            return (at := self.offset(start)), at
        first, last = self.offset(start), self.offset(end - 1) + 1
        return (first, last) if last - first == end - start else None

    def covering(self, start: int, end: int) -> tuple[int, int]:
        """The text range of a node's rendered range (dropped characters inside included)."""
        if start == end:
            return (at := self.offset(start)), at
        return self.offset(start), self.offset(end - 1) + 1


def _common_prefix(a: str, i: int, b: str, j: int) -> int:
    """Length of the common prefix of ``a[i:]`` and ``b[j:]`` (slice compares, in C)."""
    low, high = 0, min(len(a) - i, len(b) - j)
    if a[i : i + high] == b[j : j + high]:
        return high
    while low < high:  # a[i:i+low] == b[j:j+low], a[i:i+high] != b[j:j+high]
        middle = (low + high + 1) // 2
        if a[i : i + middle] == b[j : j + middle]:
            low = middle
        else:
            high = middle - 1
    return low


def edit_span(starts: Sequence[int], start: int, end: int) -> Span:
    line, column = position(starts, start)
    end_line, end_column = position(starts, end)
    return Span(line, column, end_line, end_column)


def line_insertion(after: Span, lines: str) -> Edit:
    """An edit that adds ``lines`` (each ending in ``\\n``) on the lines right after the
    statement at ``after``: the way a project rule adds a setting next to another one
    without knowing the file's text (the engine writes the file's own line endings)."""
    return Edit(lines, Span(after.end_line + 1, 1, after.end_line + 1, 1))


def _placed(text: str, starts: Sequence[int], edit: Edit) -> tuple[int, int, str]:
    """(start, end, content) of an edit. An insertion on the line after the last one of a
    file without a final newline (``line_insertion`` after the last statement) goes at the
    very end, after a newline that ends the last line; an edit that ends there ends at the
    end of the text."""
    span = edit.span
    if span.line - 1 >= len(starts) and span == Span(span.line, 1, span.line, 1):
        content = edit.content
        if text and not text.endswith(("\n", "\r")):
            found = _NEWLINE.search(text)
            content = (found.group() if found else "\n") + content
        return len(text), len(text), content
    start = offset(starts, span.line, span.column)
    if span.end_line - 1 >= len(starts):
        # "up to the start of the next line" from the last line, which has no newline
        return start, len(text), edit.content
    return start, offset(starts, span.end_line, span.end_column), edit.content


_LF = re.compile(r"(?<!\r)\n")


def newline_of(text: str) -> str:
    """The file's line ending (its first one): edits written with ``\\n`` get it."""
    found = _NEWLINE.search(text)
    return found.group() if found is not None else "\n"


def placed_edits(text: str, edits: Iterable[Edit]) -> list[tuple[int, int, str]]:
    """(start, end, content) of each edit in ``text``, in order, exactly as ``apply_edits``
    applies them: line breaks in the content are the file's own, and an insertion after
    the last line of a file without a final newline starts with one. The language server
    sends these, so that a code action makes the same text as ``--fix``."""
    starts = line_starts(text)
    newline = newline_of(text)
    placed = []
    for edit in edits:
        if newline != "\n":
            edit = Edit(_LF.sub(newline, edit.content), edit.span)
        placed.append(_placed(text, starts, edit))
    return sorted(placed)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (positions relative to ``text``)."""
    spans = placed_edits(text, edits)
    out: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
