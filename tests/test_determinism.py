"""The output is deterministic: identical across runs, across ``--jobs 1`` and ``--jobs N``
(the process pool really in use), and across processes with different string hash seeds
(set and dict iteration orders differ between them; nothing may leak into the output).

Projects: the example project, and a larger generated one (the example project with its
Django apps cloned several times under another package, so task names, routes, duplicate
names, settings and import chains interact across a few hundred files).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import pytest

from celerylint.config import Settings, find_config, load_settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.runner import PARALLEL_THRESHOLD, RunRequest, run
from celerylint.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CELERYLINT = str(Path(sys.executable).parent / "celerylint")
ALL_CODES = frozenset(rule.code for rule in all_rules())
#: the example project's Django apps (cloned for the larger project)
APPS = ("billing", "inventory", "notifications", "payments", "reports", "shop", "gallery")
CLONES = 4


def generated_project(root: Path) -> Path:
    """The example project plus ``CLONES`` copies of its apps as ``clones.c<i>.<app>``:
    relative imports stay inside a clone, absolute ones reach the originals, explicit task
    names collide across clones."""
    shutil.copytree(EXAMPLES, root)
    (root / "clones").mkdir()
    (root / "clones" / "__init__.py").write_text("")
    for i in range(CLONES):
        package = root / "clones" / f"c{i}"
        package.mkdir()
        (package / "__init__.py").write_text(f'"""Clone {i} of the apps."""\n')
        for app in APPS:
            shutil.copytree(EXAMPLES / app, package / app)
    return root


def settings_for(root: Path) -> Settings:
    config = find_config(root)
    assert config is not None and config.parent == root
    return load_settings(config, root, sorted(ALL_CODES))


class _SpyPool(futures.ProcessPoolExecutor):
    """A process pool that counts how often it is started."""

    started = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).started += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def spy_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_SpyPool]]:
    _SpyPool.started = 0
    # phase 1 imports the pool class when it first needs one
    monkeypatch.setattr(futures, "ProcessPoolExecutor", _SpyPool)
    yield _SpyPool


def check(root: Path, jobs: int) -> list[Diagnostic]:
    request = RunRequest([root], settings_for(root), ALL_CODES, jobs=jobs, cwd=root)
    report = run(request)
    assert not report.crashes, [c.traceback for c in report.crashes]
    assert report.files_indexed >= PARALLEL_THRESHOLD  # big enough for the pool
    return report.diagnostics


def _assert_same_runs(root: Path, spy_pool: type[_SpyPool]) -> list[Diagnostic]:
    serial = check(root, jobs=1)
    assert spy_pool.started == 0
    assert check(root, jobs=1) == serial, "two serial runs differ"
    parallel = check(root, jobs=2)
    assert spy_pool.started >= 1, "--jobs 2 did not use the process pool"
    assert parallel == serial, "--jobs 2 differs from --jobs 1"
    assert check(root, jobs=2) == serial, "two parallel runs differ"
    return serial


def test_example_project_runs_are_identical(spy_pool: type[_SpyPool], tmp_path: Path) -> None:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    found = _assert_same_runs(root, spy_pool)
    assert len({d.code for d in found}) >= 40  # the planted mistakes, every family


def test_generated_project_runs_are_identical(spy_pool: type[_SpyPool], tmp_path: Path) -> None:
    root = generated_project(tmp_path / "big")
    assert sum(1 for _ in root.rglob("*.py")) >= 200
    found = _assert_same_runs(root, spy_pool)
    clones = {d.code for d in found if d.path.startswith("clones")}
    assert len(clones) >= 30, clones  # the clones take part, not only the originals
    assert "CEL106" in clones  # the explicit names collide across clones


def _cli(root: Path, *args: str, hash_seed: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERYLINT")}
    env["PYTHONHASHSEED"] = hash_seed
    proc = subprocess.run(
        [CELERYLINT, ".", "--select", "ALL", "--no-cache", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    return proc.stdout


def test_command_line_output_is_identical_across_processes(tmp_path: Path) -> None:
    """Byte-identical reports from separate processes with different hash seeds, serial and
    parallel: JSON (every field, fixes included) and SARIF."""
    root = generated_project(tmp_path / "big")
    runs = {
        (seed, jobs, fmt): _cli(root, "--jobs", jobs, "--output-format", fmt, hash_seed=seed)
        for seed, jobs, fmt in [
            ("1", "1", "json"),
            ("2", "2", "json"),
            ("3", "2", "sarif"),
            ("4", "1", "sarif"),
        ]
    }
    assert runs[("1", "1", "json")] == runs[("2", "2", "json")]
    assert runs[("3", "2", "sarif")] == runs[("4", "1", "sarif")]
    assert runs[("1", "1", "json")].count('"code"') > 100
