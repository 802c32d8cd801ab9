"""Lazy start-up: each command imports only what it uses.

Asserted on the set of modules a fresh interpreter has imported after the command (not on
wall time, which depends on the machine): ``--version`` and ``--help`` import no libcst and
no rule; ``rule CODE`` imports that one rule's module and not the engine; a check imports
only the reporter it prints with, and never the language server or Celery itself.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from celerylint.rules import all_rules, rule_codes, rule_lookup, rule_modules

#: run the command line in a fresh interpreter, then print what it imported
_PROBE = """
import contextlib, io, json, sys
sys.argv = ["celerylint", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        from celerylint.cli import main
        main()
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""

RULE_MODULE = re.compile(r"^celerylint\.rules\.\w+\.cel\d{3}_\w+$")


def imported_by(*args: str, cwd: Path | None = None) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        timeout=120,
    )
    modules: list[str] = json.loads(proc.stdout)
    return set(modules)


def _top(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.mark.parametrize("args", [("--version",), ("-V",), ("--help",), ("check", "--help")])
def test_version_and_help_import_no_engine(args: tuple[str, ...]) -> None:
    modules = imported_by(*args)
    assert not _top(modules, "libcst")
    assert not _top(modules, "celery")
    assert {m for m in modules if m.startswith("celerylint")} == {"celerylint", "celerylint.cli"}


def test_version_with_importtime() -> None:
    """What ``python -X importtime -m celerylint --version`` shows: no libcst."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "celerylint", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "celerylint.cli" in imported
    assert not any(name.split(".")[0] == "libcst" for name in imported)
    assert not any(name.startswith("celerylint.rules") for name in imported)


@pytest.mark.parametrize("key", ["CEL101", "cel305", "unused-noqa", "dead-route"])
def test_rule_imports_one_rule(key: str) -> None:
    modules = imported_by("rule", key)
    rule = rule_lookup(key)
    assert rule is not None
    assert {m for m in modules if RULE_MODULE.match(m)} == {rule.__module__}
    for heavy in ("celerylint.engine.runner", "celerylint.reporters", "celerylint.lsp"):
        assert not _top(modules, heavy), heavy
    assert not _top(modules, "celery")


def test_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text(
        "from celery import shared_task\n\n\n@shared_task\ndef add(x, y=[]):\n    return x\n"
    )
    modules = imported_by("tasks.py", "--no-cache", cwd=tmp_path)
    assert "celerylint.engine.file_pass" in modules  # it did check the file
    reporters = {m for m in modules if m.startswith("celerylint.reporters.")}
    assert reporters <= {"celerylint.reporters.text", "celerylint.reporters.common"}
    for unused in ("celerylint.baseline", "celerylint.lsp", "pygls", "celery", "xml"):
        assert not _top(modules, unused), unused
    json_modules = imported_by("tasks.py", "--no-cache", "--output-format", "json", cwd=tmp_path)
    reporters = {m for m in json_modules if m.startswith("celerylint.reporters.")}
    assert "celerylint.reporters.json_format" in reporters
    assert "celerylint.reporters.sarif" not in reporters


# -- the index of rule modules ----------------------------------------------------------------


def test_every_rule_module_is_named_after_its_rule() -> None:
    """``celNNN_<snake_name>.py``: what lets ``rule CODE`` import one module only."""
    index = rule_modules()
    for rule in all_rules():
        if not rule.__module__.startswith("celerylint.rules."):
            continue  # test-only rules
        assert index.get(rule.code) == rule.__module__, rule.code
        assert index.get(rule.name) == rule.__module__, rule.name


def test_the_codes_from_file_names_are_every_rule_s_code() -> None:
    """The CLI validates selectors against ``rule_codes()`` before importing any rule."""
    assert rule_codes() == tuple(sorted(rule.code for rule in all_rules()))


def test_lookup_agrees_with_every_rule() -> None:
    for rule in all_rules():
        for key in (rule.code, rule.code.lower(), rule.name, f" {rule.name} "):
            assert rule_lookup(key) is rule, key
    assert rule_lookup("CEL0001") is None
    assert rule_lookup("no-such-rule") is None
