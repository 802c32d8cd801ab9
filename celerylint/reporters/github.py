"""GitHub Actions workflow commands: annotations on the pull request diff."""

from __future__ import annotations

from collections.abc import Sequence

from celerylint.diagnostics import Diagnostic, Severity

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool = False
) -> str:
    out = []
    for d in diagnostics:
        s = d.span
        out.append(
            f"::{_LEVELS[d.severity]} file={_escape_property(d.path)},line={s.line},col={s.column},"
            f"endLine={s.end_line},endColumn={s.end_column},"
            f"title={_escape_property(f'celerylint ({d.code})')}::"
            f"{_escape_data(f'{d.path}:{s.line}:{s.column}: {d.code} {d.message}')}"
        )
    return "".join(line + "\n" for line in out)
