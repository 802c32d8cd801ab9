"""What the scripts that write generated modules share: ruff formatting and the
write-or-``--check`` entry point (CI runs each script with ``--check``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def formatted(text: str, target: Path) -> str:
    """``text`` as ``ruff format`` writes it (as the checked-in module must be)."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        sys.exit("ruff is needed to format the generated module (pip install ruff)")
    done = subprocess.run(
        [ruff, "format", "--stdin-filename", str(target), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def write_or_check(target: Path, text: str, script: str) -> None:
    """Write ``target``; with ``--check`` on the command line, exit 1 if it differs."""
    if "--check" in sys.argv:
        if target.read_text(encoding="utf-8") != text:
            sys.exit(f"{target} is out of date; run python scripts/{script}")
        sys.exit(0)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
