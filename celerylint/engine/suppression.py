"""Suppression in one place: ``# noqa`` / ``# celerylint: noqa`` comments, parsed once per
file; ``per-file-ignores``; and applying them (with the CEL001 report of unused entries)
for check, ``--fix`` and the language server alike. Rules never see any of it."""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from celerylint.diagnostics import Diagnostic, Severity, Span
from celerylint.files import glob_match
from celerylint.pickling import fast_pickling
from celerylint.settings import Settings

#: the report of a ``noqa`` entry that suppressed nothing
UNUSED_NOQA = "CEL001"
#: a file celerylint could not read or parse
UNREADABLE_FILE = "CEL000"
#: findings that a noqa comment cannot (CEL000) or should not (CEL001) hide
NO_NOQA_CODES = frozenset({UNREADABLE_FILE, UNUSED_NOQA})

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


_CODE = re.compile(r"[A-Za-z]+[0-9]+")


def directive_codes(line: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, code) of each code in the ``noqa`` directives of one source line
    (0-based columns): what an editor hovers over."""
    for pattern in (_NOQA, _FILE_NOQA):
        for comment in pattern.finditer(line):
            if comment.group("codes") is None:
                continue
            offset = comment.start("codes")
            for match in _CODE.finditer(comment.group("codes")):
                yield offset + match.start(), offset + match.end(), match.group().upper()


def per_file_ignored(path: str, root: Path, settings: Settings) -> tuple[str, ...]:
    if not settings.per_file_ignores:
        return ()
    abspath = os.path.abspath(path)
    try:
        rel = Path(abspath).relative_to(root).as_posix()
    except ValueError:
        rel = Path(path).as_posix()
    name = os.path.basename(path)
    codes: list[str] = []
    for pattern, selectors in settings.per_file_ignores:
        if glob_match(rel, name, pattern, abspath):
            codes.extend(selectors)
    return tuple(codes)


def apply_suppressions(
    diagnostics: Iterable[Diagnostic],
    suppressions: dict[str, Suppressions],
    enabled: frozenset[str],
    settings: Settings,
) -> list[Diagnostic]:
    """What is left of ``diagnostics`` after selection (``enabled``), ``per-file-ignores``
    and ``noqa``, plus a CEL001 report for each ``noqa`` entry that suppressed nothing."""
    kept: list[Diagnostic] = []
    used: dict[tuple[str, int, int], set[str]] = {}
    ignored_cache: dict[str, tuple[str, ...]] = {}

    def ignored_for_file(diag: Diagnostic) -> bool:
        ignored = ignored_cache.get(diag.path)
        if ignored is None:
            ignored = ignored_cache[diag.path] = per_file_ignored(
                diag.path, settings.root, settings
            )
        if diag.code == UNREADABLE_FILE:  # as in selection: only by its exact code
            return UNREADABLE_FILE in ignored
        return any(sel == "ALL" or diag.code.startswith(sel) for sel in ignored)

    for diag in diagnostics:
        if diag.code not in enabled or ignored_for_file(diag):
            continue
        suppressed = False
        for directive in suppressions.get(diag.path, Suppressions()).for_line(diag.span.line):
            entry = directive.matches(diag.code)
            if entry is not None:
                suppressed = True
                key = (diag.path, directive.span.line, directive.span.column)
                used.setdefault(key, set()).add(entry)
        if not suppressed:
            kept.append(diag)
    if UNUSED_NOQA in enabled:
        for path, table in suppressions.items():
            for directive in table.directives:
                if directive.codes is None:
                    continue  # a blanket noqa may be meant for another linter
                key = (path, directive.span.line, directive.span.column)
                unused = [
                    c
                    for c in directive.codes
                    if c.startswith("CEL")
                    and c != UNUSED_NOQA  # a noqa for CEL001 silences this very report
                    and c not in used.get(key, set())
                ]
                if not unused:
                    continue
                report = Diagnostic(
                    UNUSED_NOQA,
                    f"Unused `noqa` directive (unused: {', '.join(unused)})",
                    path,
                    directive.span,
                    Severity.INFO,
                )
                # per-file-ignores and noqa apply to these reports like to any other
                if not ignored_for_file(report) and not any(
                    d.matches(UNUSED_NOQA) is not None for d in table.for_line(report.span.line)
                ):
                    kept.append(report)
    return kept
