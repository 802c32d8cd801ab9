"""``string_value`` (the fast path for string literals) agrees with libcst's
``evaluated_value`` on every literal."""

from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

from celerylint.kit.values import string_value

LITERALS = [
    "''",
    '""',
    "''''''",
    '""""""',
    "'a'",
    '"proj.tasks.add"',
    "'''multi\nline'''",
    '"""has "quotes" inside"""',
    "'tab\\there'",
    "'\\\\'",
    "r'raw\\d'",
    "b'bytes'",
    "u'unicode'",
    "'\\N{BULLET}'",
    "'it\\'s'",
    "'''a\r\nb'''",
]


@pytest.mark.parametrize("literal", LITERALS)
def test_known_literals(literal: str) -> None:
    node = cst.parse_expression(literal)
    assert isinstance(node, cst.SimpleString)
    assert string_value(node) == node.evaluated_value


@given(st.text().filter(lambda t: "\x00" not in t))  # files with NUL are never parsed
def test_any_text_written_by_repr(text: str) -> None:
    for literal in (repr(text), '"""' + text.replace("\\", "\\\\").replace('"', '\\"') + '"""'):
        try:
            node = cst.parse_expression(literal)
        except cst.ParserSyntaxError:
            continue
        if isinstance(node, cst.SimpleString):
            assert string_value(node) == node.evaluated_value


def test_concatenated_strings_fall_back() -> None:
    node = cst.parse_expression("'a' 'b'")
    assert isinstance(node, cst.ConcatenatedString)
    assert string_value(node) == "ab"
