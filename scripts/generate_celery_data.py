"""Regenerate celerylint/semantics/celery_data.py from the installed celery.

The module is written in the repository's own format (``ruff format``), so that
``--check`` and ``ruff format --check`` agree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from celerylint.semantics.celery_introspect import collect, render

TARGET = Path(__file__).resolve().parent.parent / "celerylint" / "semantics" / "celery_data.py"


def formatted(text: str) -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        sys.exit("ruff is needed to format the generated module (pip install ruff)")
    done = subprocess.run(
        [ruff, "format", "--stdin-filename", str(TARGET), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


if __name__ == "__main__":
    text = formatted(render(collect()))
    if "--check" in sys.argv:
        if TARGET.read_text() != text:
            sys.exit(f"{TARGET} is out of date; run python scripts/generate_celery_data.py")
        sys.exit(0)
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
