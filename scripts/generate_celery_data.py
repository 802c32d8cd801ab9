"""Regenerate celerylint/semantics/celery_data.py from the installed celery.

The module is written in the repository's own format (``ruff format``), so that
``--check`` and ``ruff format --check`` agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _generate import formatted, write_or_check

from celerylint.semantics.celery_introspect import collect, render

TARGET = Path(__file__).resolve().parent.parent / "celerylint" / "semantics" / "celery_data.py"


if __name__ == "__main__":
    write_or_check(TARGET, formatted(render(collect()), TARGET), "generate_celery_data.py")
