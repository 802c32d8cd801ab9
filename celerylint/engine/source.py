"""Reading files: every failure becomes a reason string, never an exception."""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # as displayed
    abspath: str
    module: str
    is_package: bool


def read_bytes(abspath: str) -> tuple[bytes | None, str | None]:
    """The file's bytes, or a reason it could not be read."""
    try:
        if os.path.isdir(abspath):
            return None, "is a directory, not a Python file"
        if os.path.islink(abspath) and not os.path.exists(abspath):
            return None, "is a broken symbolic link"
        size = os.path.getsize(abspath)
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return None, f"is too large to check ({size / 1024 / 1024:.1f} MiB > {limit} MiB)"
        with open(abspath, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if exc.errno == 40:  # ELOOP
            reason = "is a symbolic link loop"
            return None, reason
        return None, f"could not be read: {reason}"
