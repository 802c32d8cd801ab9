"""The fix-building helpers keep the call's own layout (``kit/fixkit.py``)."""

from __future__ import annotations

import libcst as cst
import pytest

from celerylint.kit.fixkit import keyword, with_arguments


def _added(source: str, first: bool) -> str:
    call = cst.parse_expression(source)
    assert isinstance(call, cst.Call)
    new = with_arguments(call, [keyword("minute", cst.Integer("0"))], first=first)
    return cst.Module([]).code_for_node(new)


@pytest.mark.parametrize(
    ("source", "first", "expected"),
    [
        ("crontab()", False, "crontab(minute=0)"),
        ("crontab(hour=3)", False, "crontab(hour=3, minute=0)"),
        ("crontab(hour=3)", True, "crontab(minute=0, hour=3)"),
        ("crontab(1, hour=3)", True, "crontab(1, minute=0, hour=3)"),
        (
            "crontab(\n    hour=3,\n)",
            True,
            "crontab(\n    minute=0,\n    hour=3,\n)",
        ),
        (
            "crontab(\n    hour=3,\n)",
            False,
            "crontab(\n    hour=3,\n    minute=0,\n)",
        ),
        # a comment (or blank line) after the opening parenthesis is not copied
        (
            "crontab(  # nightly\n\n    hour=3,\n)",
            True,
            "crontab(  # nightly\n\n    minute=0,\n    hour=3,\n)",
        ),
        (
            "crontab(  # nightly\n    hour=3\n)",
            False,
            "crontab(  # nightly\n    hour=3,\n    minute=0\n)",
        ),
    ],
)
def test_with_arguments_keeps_the_layout(source: str, first: bool, expected: str) -> None:
    assert _added(source, first) == expected
