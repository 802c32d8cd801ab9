"""Every output format has the one reporter signature (``reporters.Reporter``)."""

from __future__ import annotations

import inspect

import pytest

from celerylint.diagnostics import Diagnostic, Severity, Span
from celerylint.reporters import FORMATS


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_takes_the_same_arguments(name: str) -> None:
    reporter = FORMATS[name]
    assert list(inspect.signature(reporter).parameters) == [
        "diagnostics",
        "sources",
        "unsafe_fixes",
    ]
    diag = Diagnostic("CEL301", "a message", "a.py", Span(1, 1, 1, 2), Severity.ERROR)
    for unsafe in (False, True):
        assert isinstance(reporter([diag], {"a.py": "x = 1\n"}, unsafe_fixes=unsafe), str)
