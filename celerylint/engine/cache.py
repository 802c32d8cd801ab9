"""Per-file results cached across runs, keyed by content and everything that shapes them.

Per (project, configuration), ``<cache-dir>/results-<key>-<NN>.pickle`` (16 shards by
path, so that re-checking one file rewrites one small shard) map each checked file's
absolute path to ``(mtime_ns, size, sha256, FileResult)``. A file whose
stat is unchanged is not even read; one whose stat changed but whose content hash matches
is not parsed. The key covers the celerylint code itself (a hash of the package's
sources, the facts schema among them), the enabled file rules and their options, module naming and
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
import zlib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from celerylint import __version__
from celerylint.files import MISSING, Stat

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
    """A key for results computed by this code on this Python (the facts schema is part of
    the code fingerprint: ``factdata.py`` is one of the hashed sources)."""
    digest = hashlib.sha256()
    for part in (code_fingerprint(), sys.version_info[:2], *parts):
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


#: the cache is split by path into this many files, so that a run that re-checks one
#: file rewrites one small shard instead of the whole cache
SHARDS = 16


def _shard(abspath: str) -> int:
    return zlib.crc32(abspath.split("\0", 1)[0].encode("utf-8", "surrogateescape")) % SHARDS


class ResultCache:
    """The cached results of one (project, configuration). ``lazy``: load a shard only
    when one of its files is asked about (the early cutoff of a run after an edit touches
    one or two shards, not all sixteen)."""

    def __init__(self, directory: Path, key: str, *, lazy: bool = False) -> None:
        self.directory = directory
        self.key = key
        self.entries: dict[str, Entry] = {}
        self._dirty: set[int] = set()
        self._loaded: set[int] = set()
        if not lazy:
            for shard in range(SHARDS):
                self._load_shard(shard)

    def _shard_path(self, shard: int) -> Path:
        return self.directory / f"results-{self.key[:20]}-{shard:02d}.pickle"

    @property
    def dirty(self) -> bool:
        return bool(self._dirty)

    def _load_shard(self, shard: int) -> None:
        if shard in self._loaded:
            return
        self._loaded.add(shard)
        data = load_pickle(self._shard_path(shard))
        if (
            isinstance(data, dict)
            and data.get("key") == self.key
            and isinstance(data.get("entries"), dict)
        ):
            for k, entry in data["entries"].items():
                self.entries.setdefault(k, entry)

    def entry(self, abspath: str) -> Entry | None:
        """The entry kept under ``abspath`` (a path, optionally NUL and a mode), if any."""
        self._load_shard(_shard(abspath))
        return self.entries.get(abspath)

    def get(self, abspath: str, display: str, stat: Stat) -> Any | None:
        """The result kept for the file at ``abspath`` when its stat is ``stat`` (taken
        before the file is read; ``MISSING`` finds nothing)."""
        entry = self.entry(abspath)
        if entry is None or stat == MISSING:
            return None
        mtime, size, _, result = entry
        if mtime == stat[0] and size == stat[2] and getattr(result, "path", None) == display:
            return result
        return None

    def get_by_content(self, abspath: str, display: str, digest: str) -> Any | None:
        entry = self.entry(abspath)
        if entry is None or entry[2] != digest or getattr(entry[3], "path", None) != display:
            return None
        return entry[3]

    def put(self, abspath: str, stat: Stat, digest: str, result: Any) -> None:
        """Keep ``result`` for the file at ``abspath`` with this stat and content digest
        (``MISSING`` for data given in memory: found by content only)."""
        mtime, size = stat[0], stat[2]
        old = self.entry(abspath)  # a shard is written whole: it must be loaded first
        if old is None or old[0] != mtime or old[1] != size or old[2] != digest:
            self.entries[abspath] = (mtime, size, digest, result)
            self._dirty.add(_shard(abspath))

    def save(self, existing: Collection[str] = frozenset()) -> None:
        """Write the shards that changed, without the entries of files that no longer
        exist; ``existing``: absolute paths the run has just found on disk (not looked up
        again)."""
        # keys are an absolute path, optionally followed by NUL and a mode
        stale = [
            k
            for k in self.entries
            if (file := k.split("\0", 1)[0]) not in existing and not os.path.exists(file)
        ]
        for p in stale:
            del self.entries[p]
            self._dirty.add(_shard(p))
        if not self._dirty:
            return
        shards: dict[int, dict[str, Entry]] = {shard: {} for shard in self._dirty}
        for k, entry in self.entries.items():
            found = shards.get(_shard(k))
            if found is not None:
                found[k] = entry
        for shard, entries in sorted(shards.items()):
            path = self._shard_path(shard)
            if entries:
                write_pickle(self.directory, path, {"key": self.key, "entries": entries})
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
        self._dirty.clear()


def load_pickle(path: Path) -> Any:
    """What a cache file holds, or None when it is missing, truncated, corrupt or foreign
    (only celerylint's own plain data types are ever built)."""
    try:
        with open(path, "rb") as handle:
            return _Unpickler(io.BytesIO(handle.read())).load()
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
        return None


def ensure_directory(directory: Path) -> bool:
    """Create the cache directory (with its ``.gitignore``); False when it cannot be."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        ignore = directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by celerylint\n*\n")
    except OSError:
        return False
    return True


def write_pickle(directory: Path, path: Path, data: object) -> None:
    """Write atomically (a temp file in the same directory, then ``os.replace``); a
    read-only checkout still lints, it just does not cache."""
    if not ensure_directory(directory):
        return
    try:
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return


def own_caches_below(top: Path) -> list[Path]:
    """The cache directories celerylint created below ``top`` (those of projects with a
    configuration of their own), skipping the directories discovery never enters."""
    from celerylint.files import DEFAULT_EXCLUDE

    skip = frozenset(DEFAULT_EXCLUDE) - {CACHE_DIR_NAME}
    found: list[Path] = []
    for directory, dirs, _ in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        if CACHE_DIR_NAME in dirs:
            dirs.remove(CACHE_DIR_NAME)
            cache = Path(directory, CACHE_DIR_NAME)
            with contextlib.suppress(OSError):
                marker = (cache / ".gitignore").read_text(encoding="utf-8", errors="replace")
                if marker.startswith("# created by celerylint"):
                    found.append(cache)
    return found


def clean(directory: Path) -> bool:
    """Remove a cache directory; True if there was one."""
    import shutil

    if not directory.is_dir():
        return False
    shutil.rmtree(directory, ignore_errors=True)
    return True
