"""Per-file results cached across runs, keyed by content and everything that shapes them.

One file per (project, configuration): ``<cache-dir>/results-<key>.pickle`` maps each
checked file's absolute path to ``(mtime_ns, size, sha256, FileResult)``. A file whose
stat is unchanged is not even read; one whose stat changed but whose content hash matches
is not parsed. The key covers the celerylint code itself (a hash of the package's
sources), the facts schema, the enabled file rules and their options, module naming and
the prefilter, so a cached entry is only ever reused by an identical computation.

Writes are atomic (a temp file in the same directory, then ``os.replace``), so two runs
sharing the cache never see a torn file; a truncated or corrupt cache is ignored and
rebuilt; entries for files that no longer exist are pruned on save. Loading uses a
restricted unpickler that only builds celerylint's own plain data types.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from celerylint import __version__
from celerylint.facts.model import FACTS_SCHEMA

CACHE_DIR_NAME = ".celerylint_cache"
_ALLOWED_MODULES = ("celerylint.", "builtins", "copyreg", "collections", "enum")

Entry = tuple[int, int, str, Any]  # mtime_ns, size, sha256, FileResult


@functools.cache
def code_fingerprint() -> str:
    """A hash of celerylint's own sources: a changed rule invalidates the cache."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def config_key(parts: Iterable[object]) -> str:
    digest = hashlib.sha256()
    for part in (code_fingerprint(), FACTS_SCHEMA, sys.version_info[:2], *parts):
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "celerylint" or module.startswith(_ALLOWED_MODULES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the cache")


class ResultCache:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.path = directory / f"results-{key[:20]}.pickle"
        self.key = key
        self.entries: dict[str, Entry] = {}
        self.dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = _Unpickler(io.BytesIO(handle.read())).load()
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
            IndexError,
            KeyError,
            MemoryError,
        ):
            return
        if (
            isinstance(data, dict)
            and data.get("key") == self.key
            and isinstance(data.get("entries"), dict)
        ):
            self.entries = data["entries"]

    def get(self, abspath: str, display: str, stat: os.stat_result | None) -> Any | None:
        entry = self.entries.get(abspath)
        if entry is None or stat is None:
            return None
        mtime, size, _, result = entry
        if (
            mtime == stat.st_mtime_ns
            and size == stat.st_size
            and getattr(result, "path", None) == display
        ):
            return result
        return None

    def get_by_content(self, abspath: str, display: str, digest: str) -> Any | None:
        entry = self.entries.get(abspath)
        if entry is None or entry[2] != digest or getattr(entry[3], "path", None) != display:
            return None
        return entry[3]

    def put(self, abspath: str, stat: os.stat_result | None, digest: str, result: Any) -> None:
        mtime, size = (stat.st_mtime_ns, stat.st_size) if stat is not None else (-1, -1)
        old = self.entries.get(abspath)
        if old is None or old[0] != mtime or old[1] != size or old[2] != digest:
            self.entries[abspath] = (mtime, size, digest, result)
            self.dirty = True

    def save(self) -> None:
        # keys are an absolute path, optionally followed by NUL and a mode
        stale = [k for k in self.entries if not os.path.exists(k.split("\0", 1)[0])]
        for p in stale:
            del self.entries[p]
        if not (self.dirty or stale):
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by celerylint\n*\n")
            payload = pickle.dumps(
                {"key": self.key, "entries": self.entries}, protocol=pickle.HIGHEST_PROTOCOL
            )
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            return  # a read-only checkout still lints; it just does not cache


def clean(directory: Path) -> bool:
    """Remove a cache directory; True if there was one."""
    import shutil

    if not directory.is_dir():
        return False
    shutil.rmtree(directory, ignore_errors=True)
    return True
