"""celerylint over the whole installed Python standard library, through the real command line
with every rule on: no internal error, no traceback. The standard library's deliberately
broken test files (bad encodings, Python 2 syntax) may get CEL000 findings; that is fine.

On the project's 2-core machines this takes one to two minutes of CPU (files that cannot
matter to Celery are prefiltered; the pool uses every core).

The same check runs over the installed packages Celery is made of (celery, kombu,
billiard, ...): real code that uses Celery's own APIs in every way they allow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

CELERYLINT = str(Path(sys.executable).parent / "celerylint")


def check_with_every_rule(paths: list[Path], cwd: Path) -> tuple[list[dict[str, Any]], float]:
    """The real console script over ``paths`` with every rule on (JSON findings, seconds);
    fails on an internal error, a traceback or anything else on stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERYLINT")}
    started = time.monotonic()
    proc = subprocess.run(
        [
            CELERYLINT,
            *map(str, paths),
            "--select",
            "ALL",
            "--jobs",
            "0",
            "--output-format",
            "json",
            # the code may live in a git checkout (pyenv, a virtualenv) that ignores it
            "--no-respect-gitignore",
        ],
        cwd=cwd,  # no configuration here; site-packages is excluded by default
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode in (0, 1), proc.stderr[-5000:]
    assert "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    assert proc.stderr == ""  # json: nothing but findings, on stdout
    findings: list[dict[str, Any]] = json.loads(proc.stdout)
    return findings, elapsed


def test_the_standard_library(tmp_path: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    assert (stdlib / "os.py").is_file()
    findings, elapsed = check_with_every_rule([stdlib], tmp_path)
    assert all("site-packages" not in f["filename"] for f in findings)
    unreadable = [f for f in findings if f["code"] == "CEL000"]
    for finding in unreadable:
        # every file celerylint could not check is one of the standard library's own
        # deliberately broken or unusual test files
        assert f"{os.sep}test" in finding["filename"], finding
        assert finding["message"].endswith("the file was not checked"), finding
    print(f"\nstandard library: {len(findings)} findings, {len(unreadable)} CEL000, {elapsed:.0f}s")


#: installed distributions (celerylint's own dependencies and theirs): Celery's own code
#: base and the libraries around it, real code that defines and calls tasks, apps, canvas
#: and settings in every way Celery itself allows
PACKAGES = ("celery", "kombu", "billiard", "amqp", "vine", "click", "pathspec")


def test_installed_packages(tmp_path: Path) -> None:
    """A few hundred real files from site-packages, named explicitly (the default
    exclusion of site-packages applies to discovery below a project, not to named paths)."""
    site = Path(sysconfig.get_paths()["purelib"])  # not imported: other tests fake some
    paths = [site / name for name in PACKAGES if (site / name / "__init__.py").is_file()]
    assert len(paths) >= 5, paths
    count = sum(1 for path in paths for _ in path.rglob("*.py"))
    assert count >= 300, count
    findings, elapsed = check_with_every_rule(paths, tmp_path)
    unreadable = [f for f in findings if f["code"] == "CEL000"]
    assert not unreadable, unreadable  # released code parses
    print(f"\n{count} files of {', '.join(PACKAGES)}: {len(findings)} findings, {elapsed:.0f}s")
