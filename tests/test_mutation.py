"""Broken files never break celerylint: real code with random byte-level damage.

The example project and every rule example are damaged with a seeded RNG (deleted,
duplicated and swapped lines, truncation, NUL bytes, invalid UTF-8, other encodings, bad
coding cookies, flipped bytes, odd newlines and whitespace, unbalanced brackets, deep
nesting) and checked, and fixed, with every rule enabled. Each damaged file gives CEL000 or
normal findings: never an exception, a rule crash or an "internal error".
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from celerylint.config import Settings, find_config, load_settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.fixes import fix_run
from celerylint.engine.runner import RunReport, RunRequest, run
from celerylint.rules import all_rules
from celerylint.testing import write_files

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ALL_CODES = frozenset(rule.code for rule in all_rules())
#: ``CELERYLINT_FUZZ_SCALE=20``: twenty times the seeds, for a longer local hunt
SCALE = max(1, int(os.environ.get("CELERYLINT_FUZZ_SCALE", "1")))

Mutation = Callable[[random.Random, bytes], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def delete_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    del lines[start : start + rng.randint(1, 3)]
    return b"".join(lines)


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 4)]
    at = rng.randrange(len(lines) + 1)
    return b"".join([*lines[:at], *block, *lines[at:]])


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def insert_nul(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" * rng.randint(1, 3) + data[at:]


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    """Bytes that are not UTF-8: a lone lead byte, a continuation byte, an encoded
    surrogate, a code point beyond U+10FFFF, an overlong encoding."""
    junk = rng.choice(
        (b"\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf")
    )
    at = rng.randrange(len(data) + 1)
    return data[:at] + junk + data[at:]


def other_encoding(rng: random.Random, data: bytes) -> bytes:
    """The text in an encoding it does not declare (or declares wrongly)."""
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True) or [""]
    at = rng.randrange(len(lines))
    lines.insert(at, "# café, naïve, 東京, ☃\n")
    text = "".join(lines)
    choice = rng.randrange(5)
    if choice == 0:
        return text.encode("latin-1", errors="replace")
    if choice == 1:
        return text.encode("utf-16")  # a UTF-16 BOM and NULs everywhere
    if choice == 2:
        return b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + text.encode("utf-8")
    if choice == 3:
        return b"# -*- coding: ascii -*-\n" + text.encode("utf-8")
    return b"# coding: cp1252\n" + text.encode("utf-8")


def bad_cookie(rng: random.Random, data: bytes) -> bytes:
    cookie = rng.choice(
        (
            b"# -*- coding: klingon -*-\n",
            b"# coding=utf-16\n",
            b"# vim: set fileencoding=rot13 :\n",
            b"#!/usr/bin/env python\n# coding: \n",
            b"\xef\xbb\xbf\xef\xbb\xbf",
        )
    )
    return cookie + data


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def odd_whitespace(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return data.replace(b"\n", b"\r")  # old Mac newlines
    if choice == 1:
        return data.replace(b"\n", b"\r\n", rng.randint(1, 5))  # mixed
    if choice == 2:
        return data.replace(b"    ", b"\t", rng.randint(1, 5))  # tabs mixed with spaces
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines[at] = rng.choice((b"\x0c", b"\x1a", b"\x0b", b" ", b"\\\n")) + lines[at]
    return b"".join(lines)


def unbalance(rng: random.Random, data: bytes) -> bytes:
    """Delete one bracket, quote or colon."""
    spots = [i for i, byte in enumerate(data) if byte in b"()[]{}'\":"]
    if not spots:
        return data + b"("
    at = rng.choice(spots)
    return data[:at] + data[at + 1 :]


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice((50, 150, 400, 3000))
    opener, closer = rng.choice(((b"(", b")"), (b"[", b"]"), (b"{", b"}"), (b"-(", b")")))
    line = b"x = " + opener * depth + b"1" + closer * depth + b"\n"
    lines = _lines(data)
    lines.insert(rng.randrange(len(lines) + 1), line)
    return b"".join(lines)


def splice(rng: random.Random, data: bytes) -> bytes:
    """Paste a random slice of the file somewhere else in it (a bad merge)."""
    if len(data) < 2:
        return data * 2
    start = rng.randrange(len(data))
    piece = data[start : start + rng.randint(1, 200)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


MUTATIONS: tuple[Mutation, ...] = (
    delete_lines,
    duplicate_lines,
    swap_lines,
    truncate,
    insert_nul,
    invalid_utf8,
    other_encoding,
    bad_cookie,
    flip_bytes,
    odd_whitespace,
    unbalance,
    deep_nesting,
    splice,
)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three random mutations, stacked."""
    for _ in range(rng.choice((1, 1, 2, 3))):
        data = rng.choice(MUTATIONS)(rng, data)
    return data


def damage_tree(root: Path, rng: random.Random, share: float) -> dict[str, bytes]:
    """Mutate a random ``share`` of the Python files under ``root`` in place."""
    damaged: dict[str, bytes] = {}
    for path in sorted(root.rglob("*.py")):
        if rng.random() < share:
            data = mutate(rng, path.read_bytes())
            path.write_bytes(data)
            damaged[path.relative_to(root).as_posix()] = data
    return damaged


def assert_survives(request: RunRequest) -> RunReport:
    """Check and fix (in memory) with every rule: no exception, crash or internal error."""
    report = run(request)
    _assert_clean(report)
    fixed = fix_run(request, unsafe=True)
    _assert_clean(fixed.report)
    return report


def _assert_clean(report: RunReport) -> None:
    assert not report.crashes, "\n".join(c.traceback for c in report.crashes)
    internal = [d for d in report.diagnostics if _is_internal_error(d)]
    assert not internal, internal


def _is_internal_error(diag: Diagnostic) -> bool:
    return diag.code == "CEL000" and "internal error" in diag.message


@pytest.fixture
def example_project(tmp_path: Path) -> Iterator[tuple[Path, Settings]]:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    config = find_config(root)
    assert config is not None
    yield root, load_settings(config, root, sorted(ALL_CODES))


@pytest.mark.parametrize("seed", range(6 * SCALE))
def test_damaged_example_project(seed: int, example_project: tuple[Path, Settings]) -> None:
    root, settings = example_project
    rng = random.Random(seed)
    damaged = damage_tree(root, rng, share=0.4)
    assert damaged
    report = assert_survives(RunRequest([root], settings, ALL_CODES, jobs=1, cwd=root))
    by_path: dict[str, set[str]] = {}
    for d in report.diagnostics:
        by_path.setdefault(Path(d.path).as_posix(), set()).add(d.code)
    for path, data in damaged.items():
        if b"\x00" in data and path != "manage.py":  # manage.py: per-file-ignores ALL
            assert "CEL000" in by_path.get(path, set()), path


def rule_example_files() -> dict[str, str]:
    """Every rule example, each in its own folder (multi-file examples keep their layout)."""
    files: dict[str, str] = {}
    for rule in all_rules():
        for i, example in enumerate(rule.examples):
            for name, text in example.sources().items():
                files[f"{rule.code.lower()}_{i}/{name}"] = text
    return files


@pytest.mark.parametrize("seed", range(2 * SCALE))
def test_damaged_rule_examples(seed: int, tmp_path: Path) -> None:
    write_files(tmp_path, rule_example_files())
    damage_tree(tmp_path, random.Random(1000 + seed), share=1.0)
    settings = Settings(root=tmp_path)
    assert_survives(RunRequest([tmp_path], settings, ALL_CODES, jobs=1, cwd=tmp_path))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
def test_each_mutation_on_each_example_file(mutation: Mutation, tmp_path: Path) -> None:
    """Every kind of damage, alone, on every file of the example project at once."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    rng = random.Random(mutation.__name__)
    for path in sorted(root.rglob("*.py")):
        path.write_bytes(mutation(rng, path.read_bytes()))
    settings = Settings(root=root)
    report = run(RunRequest([root], settings, ALL_CODES, jobs=1, cwd=root))
    _assert_clean(report)


def test_mutations_really_damage() -> None:
    """Each mutation changes typical code, and NUL bytes give CEL000 with a reason."""
    sample = (EXAMPLES / "payments" / "tasks.py").read_bytes()
    for mutation in MUTATIONS:
        changed = [mutation(random.Random(n), sample) != sample for n in range(5)]
        assert any(changed), mutation.__name__
