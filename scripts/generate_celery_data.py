"""Regenerate celerylint/semantics/celery_data.py from the installed celery."""

from __future__ import annotations

import sys
from pathlib import Path

from celerylint.semantics.celery_introspect import collect, render

TARGET = Path(__file__).resolve().parent.parent / "celerylint" / "semantics" / "celery_data.py"

if __name__ == "__main__":
    text = render(collect())
    if "--check" in sys.argv:
        if TARGET.read_text() != text:
            sys.exit(f"{TARGET} is out of date; run python scripts/generate_celery_data.py")
        sys.exit(0)
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
