"""Every file of both example projects, with a line added at the top and in the middle:
the early cutoff's answer (the last run's findings moved with their lines, or the full
run when they cannot be moved) must be the ``--no-cache`` run's, fixes and their
positions included. The cutoff must also answer for most of these edits, so that a
silent fallback to the full run cannot pass for a working one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, Invoke

pytestmark = pytest.mark.slow  # two full runs per edit: `-m "not slow"` skips it


def _report(invoke: Invoke, root: Path, *args: str) -> tuple[int, str]:
    result = invoke(".", "--output-format", "json", "--unsafe-fixes", *args, cwd=root)
    return result.exit_code, result.stdout


def _write(path: Path, text: str) -> None:
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))


@pytest.mark.parametrize("name", ["django", "flask_service"])
def test_lines_added_anywhere_give_the_no_cache_answer(
    invoke: Invoke, tmp_path: Path, cutoffs: list[bool], name: str
) -> None:
    source = EXAMPLES if name == "django" else EXAMPLES / name
    ignore = shutil.ignore_patterns(".celerylint_cache", *(["flask_service"] * (name == "django")))
    root = tmp_path / name
    shutil.copytree(source, root, ignore=ignore)
    _report(invoke, root)
    edits = 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        if not lines:
            continue
        for at in (0, len(lines) // 2):
            edits += 1
            _write(path, "".join([*lines[:at], "# a line added\n", *lines[at:]]))
            assert _report(invoke, root) == _report(invoke, root, "--no-cache"), (path, at)
        _write(path, text)
    assert len(cutoffs) >= edits
    assert cutoffs.count(True) > len(cutoffs) * 0.8, cutoffs
