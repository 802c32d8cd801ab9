"""ruff-like human output: ``path:line:col: CODE message``; ``full`` adds the source line."""

from __future__ import annotations

from collections.abc import Sequence

from celerylint.diagnostics import Diagnostic
from celerylint.reporters.common import is_fixable


def _line(diag: Diagnostic, unsafe_fixes: bool = False) -> str:
    mark = " [*]" if is_fixable(diag, unsafe_fixes) else ""
    return f"{diag.path}:{diag.span.line}:{diag.span.column}: {diag.code}{mark} {diag.message}"


def concise(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    return "".join(_line(d, unsafe_fixes) + "\n" for d in diagnostics)


def full(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    out: list[str] = []
    for diag in diagnostics:
        out.append(_line(diag, unsafe_fixes))
        text = sources.get(diag.path)
        lines = text.splitlines() if text is not None else []
        if 0 < diag.span.line <= len(lines):
            source_line = lines[diag.span.line - 1].expandtabs(1)
            number = str(diag.span.line)
            gutter = " " * len(number)
            width = (
                diag.span.end_column - diag.span.column
                if diag.span.end_line == diag.span.line
                else len(source_line) - diag.span.column + 1
            )
            out.append(f"{gutter} |")
            out.append(f"{number} | {source_line}")
            out.append(f"{gutter} | {' ' * (diag.span.column - 1)}{'^' * max(1, width)}")
            if diag.fix is not None:
                unsafe = "" if is_fixable(diag) else " (unsafe fix)"
                out.append(f"{gutter} = help: {diag.fix.message}{unsafe}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")
