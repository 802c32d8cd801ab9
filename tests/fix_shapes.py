"""File shapes for the fix matrix: each one turns an example's LF text into the bytes of a
file of that shape, and normalises such bytes back to text comparable with the LF result.

Used by ``test_fix_matrix.py`` (``--fix``) and ``test_lsp_fix_matrix.py`` (code actions).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from celerylint.rules import all_rules
from celerylint.rules.base import Example, Rule
from celerylint.testing import expected_fixed

BOM = b"\xef\xbb\xbf"
LATIN1_HEADER = "# -*- coding: latin-1 -*-\n# Grüße, café: ½ °C\n"
_NEWLINES = re.compile(r"\r\n|\r|\n")


def to_lf(text: str) -> str:
    return _NEWLINES.sub("\n", text)


def newline_kinds(text: str) -> set[str]:
    return set(_NEWLINES.findall(text))


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(to_lf(text)).readline))


@dataclass(frozen=True)
class Lines:
    """Which physical lines of a (valid) LF text may be edited at their start or end."""

    starts_inside: frozenset[int]  # 1-based lines that begin inside a multi-line token
    ends_inside: frozenset[int]  # lines whose end is inside a multi-line token
    continued: frozenset[int]  # lines ending with a backslash continuation


def lines_of(text: str) -> Lines:
    starts: set[int] = set()
    ends: set[int] = set()
    for token in _tokens(text):
        (first, _), (last, _) = token.start, token.end
        if first < last and token.type not in (tokenize.NEWLINE, tokenize.NL):
            starts.update(range(first + 1, last + 1))
            ends.update(range(first, last))
    continued = {
        n
        for n, line in enumerate(text.split("\n"), start=1)
        if line.endswith("\\") and n not in ends
    }
    return Lines(frozenset(starts), frozenset(ends), frozenset(continued))


def comments(text: str) -> Counter[str]:
    """The file's comments (trailing whitespace aside), as a multiset."""
    return Counter(t.string.rstrip() for t in _tokens(text) if t.type == tokenize.COMMENT)


def code_tokens(text: str) -> list[tuple[int, str]]:
    """The tokens that carry code: no comments, no line breaks between statements."""
    skip = (tokenize.COMMENT, tokenize.NL)
    return [(t.type, t.string) for t in _tokens(text) if t.type not in skip]


def same_program(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return False


# -- the transformations -------------------------------------------------------------------


def tabify(text: str) -> str:
    """Indentation by tabs (four spaces each; a remainder stays spaces), strings untouched."""
    inside = lines_of(text).starts_inside
    out = []
    for n, line in enumerate(text.split("\n"), start=1):
        spaces = len(line) - len(line.lstrip(" "))
        if n not in inside and spaces:
            line = "\t" * (spaces // 4) + " " * (spaces % 4) + line[spaces:]
        out.append(line)
    return "\n".join(out)


def detab(text: str) -> str:
    inside = lines_of(text).starts_inside
    out = []
    for n, line in enumerate(text.split("\n"), start=1):
        tabs = len(line) - len(line.lstrip("\t"))
        if n not in inside and tabs:
            line = "    " * tabs + line[tabs:]
        out.append(line)
    return "\n".join(out)


def form_feeds(text: str) -> str:
    """Each blank line outside strings becomes a page break (a line holding a form feed)."""
    inside = lines_of(text).starts_inside
    lines = text.split("\n")
    last = len(lines)  # the empty string after the final newline stays empty
    return "\n".join(
        "\x0c" if not line and n not in inside and n != last else line
        for n, line in enumerate(lines, start=1)
    )


_DEFINITION = re.compile(r"(?:@|def |async def |class )")


def page_breaks(text: str) -> str:
    """A form feed before each top-level definition (a page break, Emacs style): libcst
    does not render it, so the engine maps its positions back to the text."""
    inside = lines_of(text).starts_inside
    return "\n".join(
        "\x0c" + line if n not in inside and _DEFINITION.match(line) else line
        for n, line in enumerate(text.split("\n"), start=1)
    )


def _no_leading_form_feeds(text: str) -> str:
    return "\n".join(line.lstrip("\x0c") for line in text.split("\n"))


def trailing_whitespace(text: str) -> str:
    info = lines_of(text)
    lines = text.split("\n")
    last = len(lines)
    return "\n".join(
        line + " \t " if n not in info.ends_inside | info.continued and n != last else line
        for n, line in enumerate(lines, start=1)
    )


def trailing_comments(text: str) -> str:
    """A comment at the end of every line that can have one."""
    info = lines_of(text)
    lines = text.split("\n")
    last = len(lines)
    return "\n".join(
        f"{line}  # on {n}"
        if line.strip() and n not in info.ends_inside | info.continued and n != last
        else line
        for n, line in enumerate(lines, start=1)
    )


def comment_lines(text: str) -> str:
    """A comment line (indented like the line after it) before every line that can have one."""
    info = lines_of(text)
    lines = text.split("\n")
    last = len(lines)
    out = []
    for n, line in enumerate(lines, start=1):
        can = n not in info.starts_inside and n - 1 not in info.continued and n != last
        if can and line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# before {n}")
        out.append(line)
    return "\n".join(out)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _decode(data: bytes) -> str:
    return data.decode("utf-8").removeprefix("\ufeff")


@dataclass(frozen=True)
class Shape:
    """``make``: LF text -> the file's bytes; ``normalise``: a file's bytes -> text that
    is equal for the shaped fixed example and the fixed shaped example."""

    name: str
    make: Callable[[str], bytes]
    normalise: Callable[[bytes], object]
    #: the line endings a file of this shape has (None: those of its LF text)
    newline: str = "\n"
    bom: bool = False
    encoding: str = "utf-8"
    #: the shape changes comments (so the comment check compares with the shaped LF fix)
    adds_comments: bool = False

    def applies(self, text: str) -> bool:
        """Whether the shaped text is still the same program (tabs, for one, may not be)."""
        data = self.make(text)
        try:
            shaped = data.decode(self.encoding).removeprefix("\ufeff")
            compile(data, "<shape>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
        if self.name.startswith("latin-1"):
            return True  # two comment lines more
        return same_program(to_lf(shaped), text)


def _rstrip_lines(text: str) -> str:
    return "\n".join(line.rstrip(" \t") for line in text.split("\n"))


def _no_page_breaks(text: str) -> str:
    return "\n".join("" if line == "\x0c" else line for line in text.split("\n"))


SHAPES = (
    Shape("lf", _utf8, lambda d: _decode(d)),
    Shape("crlf", lambda t: _utf8(t.replace("\n", "\r\n")), lambda d: to_lf(_decode(d)), "\r\n"),
    Shape("cr", lambda t: _utf8(t.replace("\n", "\r")), lambda d: to_lf(_decode(d)), "\r"),
    Shape("bom", lambda t: BOM + _utf8(t), lambda d: _decode(d), bom=True),
    Shape(
        "bom-crlf",
        lambda t: BOM + _utf8(t.replace("\n", "\r\n")),
        lambda d: to_lf(_decode(d)),
        "\r\n",
        bom=True,
    ),
    Shape("no-final-newline", lambda t: _utf8(t.rstrip("\n")), lambda d: _decode(d).rstrip("\n")),
    Shape("tabs", lambda t: _utf8(tabify(t)), lambda d: detab(_decode(d))),
    Shape("form-feeds", lambda t: _utf8(form_feeds(t)), lambda d: _no_page_breaks(_decode(d))),
    Shape(
        "page-breaks",
        lambda t: _utf8(page_breaks(t)),
        lambda d: _no_leading_form_feeds(_decode(d)),
    ),
    Shape(
        "latin-1",
        lambda t: (LATIN1_HEADER + t).encode("latin-1"),
        lambda d: d.decode("latin-1"),
        encoding="latin-1",
    ),
    Shape(
        "latin-1-crlf",
        lambda t: (LATIN1_HEADER + t).replace("\n", "\r\n").encode("latin-1"),
        lambda d: to_lf(d.decode("latin-1")),
        "\r\n",
        encoding="latin-1",
    ),
    Shape(
        "trailing-whitespace",
        lambda t: _utf8(trailing_whitespace(t)),
        lambda d: _rstrip_lines(_decode(d)),
    ),
    Shape(
        "trailing-comments",
        lambda t: _utf8(trailing_comments(t)),
        lambda d: code_tokens(_decode(d)),
        adds_comments=True,
    ),
    Shape(
        "comment-lines",
        lambda t: _utf8(comment_lines(t)),
        lambda d: code_tokens(_decode(d)),
        adds_comments=True,
    ),
)


def decode(shape: Shape, data: bytes) -> str:
    """A file's text as Python reads it (BOM dropped, line endings kept)."""
    return data.decode(shape.encoding).removeprefix("\ufeff")


# -- the cases -----------------------------------------------------------------------------


def fixable() -> list[tuple[type[Rule], int, Example]]:
    """Every rule example that has a fix: (rule, index in its examples, example)."""
    return [
        (rule, i, example)
        for rule in all_rules()
        for i, example in enumerate(rule.examples)
        if example.fixed is not None
    ]


def applies(shape: Shape, example: Example) -> bool:
    texts = [*example.sources().values(), *expected_fixed(example).values()]
    return all(shape.applies(t) for t in texts)


def fix_cases() -> list[Any]:
    """pytest params (rule, example, shape) for every fixable example in every shape."""
    return [
        pytest.param(rule, example, shape, id=f"{rule.code}-{i}-{shape.name}")
        for rule, i, example in fixable()
        for shape in SHAPES
        if applies(shape, example)
    ]


def shaped(shape: Shape, files: Mapping[str, str]) -> dict[str, bytes]:
    """The example's files in the shape (Python files only)."""
    return {p: shape.make(t) if p.endswith(".py") else t.encode() for p, t in files.items()}
