"""Text and positions for the language server: lines as Python counts them, the bytes a
buffer would have on disk, LSP positions in the client's units, and fixes as LSP edits."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence

from lsprotocol import types as lsp
from pygls.workspace.position_codec import PositionCodec

from celerylint.diagnostics import Diagnostic, Edit, FixSafety, Span
from celerylint.engine.fixes import choose_fixes, chosen_edits
from celerylint.kit.text_edits import line_starts, placed_edits, position

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """Lines as Python (and libcst) count them: only CR, LF and CRLF end a line."""
    return _LINE_BREAK.split(text)


def encode_source(text: str) -> bytes:
    """The bytes the file would have on disk: in its declared ``coding:`` when that is not
    UTF-8, so that the engine decodes exactly this text."""
    data = text.encode("utf-8", errors="surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data  # a bad coding declaration: the engine reports it
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (LookupError, UnicodeError):
        return data


def to_position(lines: Sequence[str], codec: PositionCodec, line: int, column: int) -> lsp.Position:
    """1-based line and code-point column -> an LSP position in the client's units."""
    index = min(max(line - 1, 0), len(lines) - 1)
    text = lines[index]
    if line - 1 > index:
        return lsp.Position(index, codec.client_num_units(text))
    chars = min(max(column - 1, 0), len(text))
    return lsp.Position(index, codec.client_num_units(text[:chars]))


def to_range(lines: Sequence[str], codec: PositionCodec, span: Span) -> lsp.Range:
    return lsp.Range(
        to_position(lines, codec, span.line, span.column),
        to_position(lines, codec, span.end_line, span.end_column),
    )


def from_position(lines: Sequence[str], codec: PositionCodec, position: lsp.Position) -> int:
    """The 0-based code-point column of an LSP position on its line."""
    if not 0 <= position.line < len(lines):
        return 0
    text = lines[position.line]
    units = 0
    for i, char in enumerate(text):
        if units >= position.character:
            return i
        units += codec.client_num_units(char)
    return len(text)


def _before(a: lsp.Position, b: lsp.Position) -> bool:
    return (a.line, a.character) <= (b.line, b.character)


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    return _before(a.start, b.end) and _before(b.start, a.end)


def select_safe_fixes(diagnostics: Iterable[Diagnostic]) -> list[Edit]:
    """The edits of every safe fix that does not overlap a fix chosen before it: the
    choice one pass of ``--fix`` makes."""
    safe = [d for d in diagnostics if d.fix is not None and d.fix.safety is FixSafety.SAFE]
    return chosen_edits(choose_fixes(safe))


def text_edits(
    text: str, lines: Sequence[str], codec: PositionCodec, edits: Iterable[Edit]
) -> list[lsp.TextEdit]:
    """LSP edits that turn ``text`` into what ``--fix`` makes of it with ``edits``: the
    same placement, and the file's own line breaks in the new text."""
    starts = line_starts(text)
    out = []
    for start, end, content in placed_edits(text, edits):
        first = to_position(lines, codec, *position(starts, start))
        last = to_position(lines, codec, *position(starts, end))
        out.append(lsp.TextEdit(lsp.Range(first, last), content))
    return out
