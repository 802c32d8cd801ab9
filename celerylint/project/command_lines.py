"""Deployment file text -> ``celery`` command lines: the logical lines of a Procfile,
Makefile, compose file, Dockerfile, systemd unit or YAML manifest (continuations joined,
YAML/JSON lists turned into one line), their shell tokens, and the argument lists that
follow a ``celery`` executable. ``workers.py`` parses those arguments into commands."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from celerylint.semantics import celery_data

#: options of ``celery`` and ``celery worker`` that take a separate value (from celery's CLI)
VALUE_OPTIONS = frozenset(celery_data.WORKER_VALUE_OPTIONS)
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "\n"})
_CELERY = re.compile(r"(?:^|/)celery$")

_INLINE_ARRAY = re.compile(r"\[\s*(\"[^\"]*\"|'[^']*')(\s*,\s*(\"[^\"]*\"|'[^']*'))*\s*,?\s*\]")
_YAML_ITEM = re.compile(r"^(\s*)-\s+(.*)$")
_YAML_BLOCK = re.compile(r":\s*[>|][-+]?\s*$")


def unquote(item: str) -> str:
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'":
        return item[1:-1]
    return item


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, command text): continuation lines joined, inline and block
    YAML/JSON lists turned into one command line each, comments dropped."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        stripped = line.strip()
        i += 1
        if not stripped or stripped.startswith(("#", ";")):
            continue
        while line.rstrip().endswith("\\") and i < len(lines):
            line = line.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
        item = _YAML_ITEM.match(line)
        if item is not None:
            indent = len(item.group(1))
            parts = [unquote(item.group(2))]
            while i < len(lines):
                nxt = _YAML_ITEM.match(lines[i])
                if nxt is None or len(nxt.group(1)) != indent:
                    break
                parts.append(unquote(nxt.group(2)))
                i += 1
            yield start + 1, " ".join(shlex.quote(p) if " " in p else p for p in parts)
            continue
        if _YAML_BLOCK.search(line):
            indent = len(line) - len(line.lstrip())
            parts = [line.split(":", 1)[0] + ":"]
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                parts.append(lines[i].strip().rstrip("\\"))
                i += 1
            yield start + 2, " ".join(p for p in parts if p)  # the block's first line
            continue
        array = _INLINE_ARRAY.search(line)
        if array is not None:
            items = re.findall(r"\"([^\"]*)\"|'([^']*)'", array.group(0))
            words = [a or b for a, b in items]
            line = (
                line[: array.start()]
                + " ".join(shlex.quote(w) if " " in w else w for w in words)
                + line[array.end() :]
            )
        yield start + 1, line


def shell_tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def has_variable(token: str) -> bool:
    return "$" in token or "{{" in token or "%(" in token


def commands_in(tokens: list[str]) -> Iterator[list[str]]:
    """Argument lists that follow a ``celery`` executable (``python -m celery`` too)."""
    for index, token in enumerate(tokens):
        if " " in token and "celery" in token:
            yield from commands_in(shell_tokens(token))  # ``sh -c "celery -A x worker"``
            continue
        if not _CELERY.search(token):
            continue
        if index >= 1 and tokens[index - 1] in VALUE_OPTIONS:
            continue  # ``--app celery``: a value, not the executable
        args: list[str] = []
        for arg in tokens[index + 1 :]:
            if arg in _SEPARATORS:
                break
            args.append(arg)
        yield args
