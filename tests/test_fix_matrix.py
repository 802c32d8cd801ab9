"""The fix matrix (issue 14): every rule example that has a fix, in every file shape.

For each shape (``fix_shapes.SHAPES``: CRLF, CR, BOM, no final newline, tabs, form feeds,
latin-1, trailing whitespace, comments on and between the lines, ...) the example's files are
written in that shape and fixed with ``--fix --unsafe-fixes`` in process. The fix must not
raise or report a problem, must produce code that parses, must change nothing on a second
run, must equal the fixed LF example once both are normalised, must keep every comment,
and must keep the file's line endings, encoding and byte-order mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from fix_shapes import (
    BOM,
    SHAPES,
    Shape,
    applies,
    comments,
    decode,
    fix_cases,
    fixable,
    newline_kinds,
    shaped,
)

from celerylint.config import Settings, build_options
from celerylint.engine.fixes import FixReport, fix_run, write_fixes
from celerylint.engine.runner import RunRequest
from celerylint.rules import rules_by_code
from celerylint.rules.base import Example, Rule
from celerylint.testing import expected_fixed

pytestmark = pytest.mark.slow  # every fixable example in every file shape: `-m "not slow"` skips it

CASES = fix_cases()


def test_every_shape_applies_to_every_fixable_example() -> None:
    """A shape that would change the program is left out of the matrix: only re-indenting
    with tabs may (no example needs that today)."""
    left_out = [
        (rule.code, i, shape.name)
        for rule, i, example in fixable()
        for shape in SHAPES
        if not applies(shape, example)
    ]
    assert all(name == "tabs" for _, _, name in left_out), left_out


def _fix(
    root: Path, files: Mapping[str, bytes], code: str, options: Mapping[str, Any]
) -> tuple[FixReport, dict[str, bytes]]:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    rule_options = {}
    if options:
        options_class = rules_by_code()[code].options_class
        assert options_class is not None
        rule_options[code] = build_options(options_class, options, code)
    settings = Settings(root=root, rule_options=rule_options)
    request = RunRequest([root], settings, frozenset({code}), jobs=1, cwd=root)
    result = fix_run(request, unsafe=True)
    crashes = "\n".join(c.traceback for c in result.report.crashes)
    assert not crashes, f"a rule crashed:\n{crashes}"
    assert not result.problems
    assert not write_fixes(result.files)
    return result, {name: (root / name).read_bytes() for name in files}


@pytest.mark.parametrize(("rule", "example", "shape"), CASES)
def test_fix_matrix(rule: type[Rule], example: Example, shape: Shape, tmp_path: Path) -> None:
    sources = example.sources()
    expected_lf = {**sources, **expected_fixed(example)}
    originals = shaped(shape, sources)
    _, after = _fix(tmp_path / "project", originals, rule.code, example.options)

    changed = {name for name in after if after[name] != originals[name]}
    assert changed == set(expected_fixed(example)), "other files changed than with LF"
    for name in changed:
        data, before = after[name], originals[name]
        text, original = decode(shape, data), decode(shape, before)
        # (2) the fixed code parses, for libcst and for Python
        cst.parse_module(data)
        compile(data, name, "exec", dont_inherit=True)
        # (4) the fix is the LF fix, shape aside
        assert shape.normalise(data) == shape.normalise(shape.make(expected_lf[name]))
        # (5) no comment is lost, none is copied or made up
        lf_original, lf_fixed = sources[name], expected_lf[name]
        assert not comments(original) - comments(text), "a comment was lost"
        assert comments(text) - comments(original) == comments(lf_fixed) - comments(lf_original)
        # (6) line endings, encoding and byte-order mark
        # (a one-line file without a final newline has none: lines added to it end in LF)
        kinds = newline_kinds(original) or {"\n"} & newline_kinds(text)
        assert newline_kinds(text) == kinds, "line endings changed"
        assert data.startswith(BOM) == before.startswith(BOM)
        if shape.name == "page-breaks":  # (a line holding only a form feed is blank: a fix
            # that removes the blank lines around what it removes may remove it too)
            assert text.count("\x0c") == original.count("\x0c"), "a page break was lost"
        if shape.encoding != "utf-8":
            assert "café" in data.decode(shape.encoding)
            assert "café".encode() not in data, "non-ASCII text written in UTF-8"
        if shape.name == "no-final-newline":
            # the last line keeps lacking its newline, unless the fix adds lines after it
            # (then the file ends with an added line, as the LF fix does)
            assert text in (lf_fixed, lf_fixed.rstrip("\n"))
            if text.endswith("\n"):
                added = text.rstrip("\n").rsplit("\n", 1)[-1]
                assert added not in original.split("\n"), "the last line got a newline"

    # (3) a fixed point: a second run changes nothing
    again, after_again = _fix(tmp_path / "again", after, rule.code, example.options)
    assert not again.files and after_again == after, "fixing the fixed code changed it again"
