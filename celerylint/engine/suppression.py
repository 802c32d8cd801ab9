"""``# noqa`` comments, parsed once per file and applied centrally (rules never see them)."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from celerylint.diagnostics import Span
from celerylint.pickling import fast_pickling

_NOQA = re.compile(
    r"#\s*noqa(?![\w-])(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I
)
_FILE_NOQA = re.compile(
    r"#\s*celerylint:\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I
)


@dataclass(frozen=True, slots=True)
class Directive:
    """A ``# noqa`` on one line, or a file-level ``# celerylint: noqa``.

    ``codes`` is None for a blanket directive; entries may be prefixes (``CEL1``).
    """

    line: int
    codes: tuple[str, ...] | None
    span: Span
    file_level: bool

    def matches(self, code: str) -> str | None:
        """The entry that suppresses ``code``, "" for a blanket directive, None for no match."""
        if self.codes is None:
            return ""
        for entry in self.codes:
            if code.startswith(entry):
                return entry
        return None


@dataclass(frozen=True, slots=True)
class Suppressions:
    directives: tuple[Directive, ...] = ()

    def for_line(self, line: int) -> Iterator[Directive]:
        for d in self.directives:
            if d.file_level or d.line == line:
                yield d


def _codes(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    return tuple(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """Python's tokens; a lone CR ends a line as for Python (``tokenize`` reads lines split
    at LF only), with the same offsets."""
    if "\r" in text:
        text = _LONE_CR.sub("\n", text)
    return tokenize.generate_tokens(io.StringIO(text).readline)


_LONE_CR = re.compile(r"\r(?!\n)")


def _comments(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, 0-based column, comment text) for every comment token."""
    try:
        for tok in _tokens(text):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.start[1], tok.string
        return
    except (tokenize.TokenError, SyntaxError, IndentationError, ValueError):
        pass
    # newer syntax than this interpreter tokenizes: fall back to a line scan
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):  # not a form feed
        index = line.find("#")
        if index >= 0:
            yield number, index, line[index:]


def parse_suppressions(text: str) -> Suppressions:
    if "noqa" not in text and "NOQA" not in text.upper():
        return Suppressions()
    found: list[Directive] = []
    for line, column, comment in _comments(text):
        file_match = _FILE_NOQA.search(comment)
        if file_match:
            span = Span(line, column + file_match.start() + 1, line, column + file_match.end() + 1)
            found.append(Directive(line, _codes(file_match.group("codes")), span, True))
            continue
        match = _NOQA.search(comment)
        if match:
            span = Span(line, column + match.start() + 1, line, column + match.end() + 1)
            found.append(Directive(line, _codes(match.group("codes")), span, False))
    return Suppressions(tuple(found))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def noqa_edit(text: str, line: int, code: str) -> tuple[int, int, str] | None:
    """How to make the ``# noqa`` of ``line`` (1-based) also cover ``code``.

    Returns (start, end, replacement) in 0-based code-point columns of that line: after the
    codes of an existing ``# noqa: ...`` (``, CODE``), else at the end of the line
    (``  # noqa: CODE``). None when the line already suppresses ``code``, carries a
    file-level directive, or cannot take a comment (it ends inside a string or with a
    backslash continuation).
    """
    lines = _LINE_BREAK.split(text)
    if not 0 < line <= len(lines):
        return None
    source = lines[line - 1]
    if source.rstrip().endswith("\\"):
        return None
    comment: tuple[int, str] | None = None
    try:
        for tok in _tokens(text):
            if tok.start[0] > line:
                break
            if tok.type == tokenize.COMMENT and tok.start[0] == line:
                comment = (tok.start[1], tok.string)
            elif tok.start[0] <= line < tok.end[0] and tok.type not in (
                tokenize.NL,
                tokenize.NEWLINE,
            ):
                return None  # the line ends inside a (triple-quoted) string
    except (tokenize.TokenError, SyntaxError, ValueError):
        index = source.find("#")
        comment = (index, source[index:]) if index >= 0 else None
    if comment is not None:
        column, body = comment
        if _FILE_NOQA.search(body):
            return None
        match = _NOQA.search(body)
        if match is not None:
            codes = _codes(match.group("codes"))
            if codes is None or any(code.startswith(entry) for entry in codes):
                return None
            at = column + match.end("codes")
            return (at, at, f", {code}")
    end = len(source.rstrip())
    return (end, end, f"  # noqa: {code}")


fast_pickling(globals())
