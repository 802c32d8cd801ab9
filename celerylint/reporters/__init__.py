"""Output formats. Each reporter turns sorted diagnostics into text; field names and
exit codes are a public interface that CI pipelines depend on."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from celerylint.diagnostics import Diagnostic
from celerylint.reporters import github, gitlab, json_format, json_lines, junit, sarif, text

Reporter = Callable[[Sequence[Diagnostic], dict[str, str]], str]

FORMATS: dict[str, Reporter] = {
    "text": text.concise,
    "concise": text.concise,
    "full": text.full,
    "json": json_format.render,
    "github": github.render,
    "json-lines": json_lines.render,
    "sarif": sarif.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}

#: formats whose reporter reads the checked files' text (source lines, fingerprints)
NEEDS_SOURCES = frozenset({"full", "sarif", "gitlab"})
