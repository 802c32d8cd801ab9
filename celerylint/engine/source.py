"""Reading files: every failure becomes a reason string, never an exception."""

from __future__ import annotations

import errno
import os
import stat

MAX_FILE_BYTES = 10 * 1024 * 1024


def read_bytes(abspath: str) -> tuple[bytes | None, str | None]:
    """The file's bytes, or a reason it could not be read."""
    try:
        try:
            info = os.stat(abspath)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None, "is a symbolic link loop"
            if os.path.islink(abspath):
                return None, "is a broken symbolic link (its target does not exist)"
            raise
        if stat.S_ISDIR(info.st_mode):
            return None, "is a directory, not a Python file"
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the run forever
            return None, "is not a regular file (a pipe, socket or device)"
        if info.st_size > MAX_FILE_BYTES:
            size = info.st_size / 1024 / 1024
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return None, f"is too large to check ({size:.1f} MiB > {limit} MiB)"
        with open(abspath, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        return None, f"could not be read: {exc.strerror or type(exc).__name__}"
