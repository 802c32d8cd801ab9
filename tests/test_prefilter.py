"""The prefilter never changes the output: with and without it, every rule example, the
example project, multi-file promotion cases and real code give identical findings."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from celerylint.config import Settings, find_config, load_settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.prefilter import analyse_in_full
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.facts.light import decode_problem, light_facts
from celerylint.rules import all_rules
from celerylint.testing import write_files

ALL = frozenset(r.code for r in all_rules())
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(
    root: Path, prefilter: bool, settings: Settings | None = None, enabled: frozenset[str] = ALL
) -> list[Diagnostic]:
    settings = settings or Settings(root=root)
    report = run(RunRequest([root], settings, enabled, jobs=1, cwd=root, prefilter=prefilter))
    assert not report.crashes
    return report.diagnostics


def _both(root: Path, **kwargs: object) -> tuple[list[Diagnostic], list[Diagnostic]]:
    return _run(root, True, **kwargs), _run(root, False, **kwargs)  # type: ignore[arg-type]


def test_skipped_files_are_still_syntax_checked(tmp_path: Path) -> None:
    """No file is lost: a syntax error in a file without any Celery text is reported."""
    write_files(tmp_path, {"util.py": "def broken(:\n    pass\n", "ok.py": "x = 1\n"})
    assert not analyse_in_full(b"def broken(:\n    pass\n", "util")
    found = _run(tmp_path, True)
    assert [(d.path, d.code, d.span.line, d.span.column) for d in found] == [
        ("util.py", "CEL000", 1, 12)
    ]


EXAMPLE_CASES = [
    pytest.param(example, id=f"{rule.code}-{i}")
    for rule in all_rules()
    for i, example in enumerate(rule.examples)
]


@pytest.mark.parametrize("example", EXAMPLE_CASES)
def test_rule_examples_are_the_same_with_and_without_the_prefilter(
    example: object, tmp_path: Path
) -> None:
    write_files(tmp_path, example.sources())  # type: ignore[attr-defined]
    with_prefilter, without = _both(tmp_path)
    assert with_prefilter == without


def test_example_project_is_the_same_with_and_without_the_prefilter() -> None:
    config = find_config(EXAMPLES)
    settings = load_settings(config, EXAMPLES, sorted(ALL))
    enabled = enabled_codes(settings)
    with_prefilter, without = _both(EXAMPLES, settings=settings, enabled=enabled)
    assert with_prefilter == without
    assert with_prefilter, "the example project has planted findings"


def test_a_task_file_without_any_celery_text_is_promoted(tmp_path: Path) -> None:
    """`@app.task` on an app imported from a project module: the file itself never says
    "celery", so the prefilter skips it at first and must promote it."""
    write_files(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/worker.py": "from celery import Celery\napp = Celery('proj')\n",
            "jobs/__init__.py": "",
            "jobs/things.py": (
                "from proj.worker import app\n\n\n@app.task\ndef sync(self, user_id):\n"
                "    raise self.retry()\n"
            ),
            "jobs/more.py": (
                "from jobs.deco import retrying\n\n\n@retrying\ndef push(self, x):\n    raise self.retry()\n"
            ),
            "jobs/deco.py": "from proj.worker import app\n\nretrying = app.task(max_retries=3)\n",
        },
    )
    assert not analyse_in_full((tmp_path / "jobs/things.py").read_bytes(), "jobs.things")
    with_prefilter, without = _both(tmp_path)
    assert with_prefilter == without
    assert {d.path for d in with_prefilter if d.code == "CEL201"} == {
        "jobs/things.py",
        "jobs/more.py",
    }


def test_real_code_is_the_same_with_and_without_the_prefilter(tmp_path: Path) -> None:
    """A slice of the installed celery and kombu sources (real code, no network)."""
    site = Path(sysconfig.get_paths()["purelib"])
    files: dict[str, str] = {}
    for package, sub in (
        ("celery", "app"),
        ("celery", "backends"),
        ("kombu", "utils"),
        ("celery", "contrib"),
    ):
        for path in sorted((site / package / sub).glob("*.py")):
            files[f"{package}/{sub}/{path.name}"] = path.read_text(encoding="utf-8")
    for package in ("celery", "kombu"):
        files[f"{package}/__init__.py"] = ""
        for sub in ("app", "backends", "utils", "contrib"):
            files.setdefault(f"{package}/{sub}/__init__.py", "")
    write_files(tmp_path, files)
    with_prefilter, without = _both(tmp_path)
    assert with_prefilter == without


def test_light_facts_read_load_time_imports_and_names() -> None:
    source = b'''"""Usage:

from evil import x
"""
import os, a.b as c
from . import (tasks,
   models as m)
from ..x.y import z  # comment
if TYPE_CHECKING:
    from q import r
def f(): pass
X: int = 3
'''
    facts = light_facts(source, "p.py", "pkg.sub.mod", False)
    got = {(i.target, i.name, i.bound) for i in facts.imports}
    assert got == {
        ("os", None, "os"),
        ("a.b", None, "c"),
        ("pkg.sub", "tasks", "tasks"),
        ("pkg.sub", "models", "m"),
        ("pkg.x.y", "z", "z"),
    }
    assert facts.defines == ("f", "X")


def test_light_files_still_report_undecodable_bytes() -> None:
    assert decode_problem(b"x = '\xe9'\n") is not None
    assert decode_problem(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n") is None
    assert decode_problem(b"x = 1\x00") is not None
    assert decode_problem(b"# coding: nope\n") is not None
    assert decode_problem("\ufeffx = 1\n".encode()) is None


def test_a_settings_module_with_cr_line_endings_is_analysed_in_full() -> None:
    """Issue 14: a file with old-Mac CR line endings is one line for a ``^`` pattern."""
    settings = b"import os\n\nINSTALLED_APPS = ['shop']\n"
    assert analyse_in_full(settings, "shop.conf")
    assert analyse_in_full(settings.replace(b"\n", b"\r"), "shop.conf")
    assert analyse_in_full(settings.replace(b"\n", b"\r\n"), "shop.conf")
