"""Output formats. Each reporter turns sorted diagnostics into text; field names and
exit codes are a public interface that CI pipelines depend on."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from celerylint.diagnostics import Diagnostic


class Reporter(Protocol):
    """Every format's one signature: the sorted diagnostics, the checked files' text (for
    the formats in ``NEEDS_SOURCES``; empty otherwise), and whether unsafe fixes count as
    available (the text formats mark fixable findings with ``[*]``)."""

    def __call__(
        self, diagnostics: Sequence[Diagnostic], sources: dict[str, str], *, unsafe_fixes: bool
    ) -> str: ...


#: format -> (module in this package, function); a run imports only the one it prints
_REPORTERS: dict[str, tuple[str, str]] = {
    "text": ("text", "concise"),
    "concise": ("text", "concise"),
    "full": ("text", "full"),
    "json": ("json_format", "render"),
    "github": ("github", "render"),
    "json-lines": ("json_lines", "render"),
    "sarif": ("sarif", "render"),
    "gitlab": ("gitlab", "render"),
    "junit": ("junit", "render"),
}


class _Formats(Mapping[str, Reporter]):
    """``FORMATS[name]``: the reporter, its module imported on first use."""

    def __getitem__(self, name: str) -> Reporter:
        module, function = _REPORTERS[name]
        reporter: Reporter = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return reporter

    def __iter__(self) -> Iterator[str]:
        return iter(_REPORTERS)

    def __len__(self) -> int:
        return len(_REPORTERS)


FORMATS: Mapping[str, Reporter] = _Formats()

#: formats whose reporter reads the checked files' text (source lines, fingerprints)
NEEDS_SOURCES = frozenset({"full", "sarif", "gitlab"})
