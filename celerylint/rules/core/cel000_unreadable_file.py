from __future__ import annotations

from celerylint.diagnostics import Severity
from celerylint.rules.base import FileRule, Invalid, Valid


class UnreadableFile(FileRule):
    """
    ## What it does
    Reports a file celerylint could not check: it cannot be read, is not valid in its
    declared encoding, contains NUL bytes, or does not parse as Python (3.0 to 3.14 syntax).

    Files that cannot matter to Celery skip the full analysis (see `docs/performance.md`),
    but every file is still read, decoded and syntax-checked, so none is lost.

    ## Why is this bad?
    A file that is not checked can hide every other problem. The run goes on with the
    other files; this finding makes sure the skipped one is not silently lost.

    ## Use instead
    Exclude templates and generated files (`extend-exclude` in `[tool.celerylint]`), or fix
    the syntax error.

    ## Fix safety
    There is no fix. This finding is always on unless `CEL000` is ignored by its exact code.
    """

    code = "CEL000"
    name = "unreadable-file"
    message = "{reason}"
    severity = Severity.ERROR
    examples = (
        Invalid("from celery import shared_task\n\ndef broken(:  # error@12: CEL000\n    pass"),
        Invalid("x = 1\x00  # error: CEL000"),
        Valid("match = 1\nmatch match:\n    case 1:\n        pass"),
    )
