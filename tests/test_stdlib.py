"""celerylint over the whole installed Python standard library, through the real command line
with every rule on: no internal error, no traceback. The standard library's deliberately
broken test files (bad encodings, Python 2 syntax) may get CEL000 findings; that is fine.

On the project's 2-core machines this takes one to two minutes of CPU (files that cannot
matter to Celery are prefiltered; the pool uses every core).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

CELERYLINT = str(Path(sys.executable).parent / "celerylint")


def test_the_standard_library(tmp_path: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    assert (stdlib / "os.py").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERYLINT")}
    started = time.monotonic()
    proc = subprocess.run(
        [
            CELERYLINT,
            str(stdlib),
            "--select",
            "ALL",
            "--jobs",
            "0",
            "--output-format",
            "json",
            # the standard library may live in a git checkout (pyenv) that ignores it
            "--no-respect-gitignore",
        ],
        cwd=tmp_path,  # no configuration here; site-packages is excluded by default
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
    findings = json.loads(proc.stdout)
    assert all("site-packages" not in f["filename"] for f in findings)
    unreadable = [f for f in findings if f["code"] == "CEL000"]
    for finding in unreadable:
        # every file celerylint could not check is one of the standard library's own
        # deliberately broken or unusual test files
        assert f"{os.sep}test" in finding["filename"], finding
        assert finding["message"].endswith("the file was not checked"), finding
    print(f"\nstandard library: {len(findings)} findings, {len(unreadable)} CEL000, {elapsed:.0f}s")
