"""Python code that starts a worker (``subprocess.Popen(f"celery -A proj worker -Q
{queues}")``, an invoke or fabric task): its queues cannot be read, so such a worker may
consume any queue (``project/workers.py`` records it as an *unknown* worker command).

Found in the text, per file: phase 1 keeps the line for each Python file it reads
(``ModuleFacts.worker_launch``), so that the project phase does not read every Python file
of the project again; a Python file phase 1 did not read (excluded from the run) is read
then, the same way (``semantics/project_files.py``: UTF-8, too large files empty).
"""

from __future__ import annotations

import re

from celerylint.semantics.project_files import MAX_BYTES

#: a string that starts a worker: ``"celery -A proj worker ..."``, or a list of arguments
#: with ``"celery"`` and ``"worker"`` among its items
_PY_WORKER = re.compile(
    r"""["'][^"'\n]*\bcelery\b[^"'\n]*\bworker\b|["']celery["'].*["']worker["']"""
)


def launch_line(text: str) -> int | None:
    """The first line of a Python file's text that builds a ``celery worker`` command."""
    if "worker" not in text or "celery" not in text:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        if "worker" in code and _PY_WORKER.search(code):
            return number
    return None


def launch_line_of(data: bytes) -> int | None:
    """``launch_line`` of a file's bytes, read as the project phase reads a file."""
    if len(data) > MAX_BYTES or b"worker" not in data or b"celery" not in data:
        return None
    return launch_line(data.decode("utf-8", errors="replace"))
