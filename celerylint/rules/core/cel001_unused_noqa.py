from __future__ import annotations

from celerylint.diagnostics import Severity
from celerylint.rules.base import FileRule, Invalid, Valid


class UnusedNoqa(FileRule):
    """
    ## What it does
    Reports `# noqa: CEL...` and `# celerylint: noqa: CEL...` codes that suppressed nothing
    in this run. Off by default; enable it with `extend-select = ["CEL001"]`.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line. Blanket `# noqa`
    comments are left alone because other linters (flake8, ruff) read them too.

    ## Use instead
    ```python
    from shop import helpers
    ```

    ## Fix safety
    There is no fix yet.
    """

    code = "CEL001"
    name = "unused-noqa"
    message = "Unused `noqa` directive (unused: {codes})"
    severity = Severity.INFO
    default_enabled = False
    examples = (
        Invalid("import os  # noqa: CEL101  # error@12: CEL001"),
        Valid("import os  # noqa: E401"),
        Valid("import os  # noqa"),
    )
