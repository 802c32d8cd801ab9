"""Which files to check: path discovery, excludes and .gitignore."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathspec

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".semgrep",
    ".ruff_cache",
    ".celerylint_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "__pycache__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


#: (mtime_ns, ctime_ns, size); all -1: missing or unreadable. The ctime also moves when
#: only permissions change (a directory that could not be listed now can)
Stat = tuple[int, int, int]
MISSING: Stat = (-1, -1, -1)


def stat_of(path: str) -> Stat:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return MISSING
    return info.st_mtime_ns, info.st_ctime_ns, info.st_size


def is_under(abspath: str, given: str) -> bool:
    """``abspath`` is ``given`` or lies below it (both absolute, normalized)."""
    return abspath == given or abspath.startswith(given + os.sep)


@dataclass
class Trace:
    """What discovery read (the inputs of the run manifest, ``engine/manifest.py``): the
    stat of every directory it listed and every ``.gitignore`` it looked for, taken before
    reading them."""

    stats: dict[str, Stat] = field(default_factory=dict)
    walked: set[str] = field(default_factory=set)
    #: every listed directory's entries, as a digest (``listing_digest``)
    names: dict[str, str] = field(default_factory=dict)

    def record(self, path: str) -> None:
        self.stats[path] = stat_of(path)


Entry = tuple[str, bool, bool]  # name, is a directory, is a symlinked directory


def _entry_kinds(entries: Iterable[os.DirEntry[str]]) -> list[Entry]:
    kinds = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        link = False
        if is_dir:
            try:
                link = entry.is_symlink()
            except OSError:
                link = False
        kinds.append((entry.name, is_dir, link))
    return kinds


def _digest(kinds: Iterable[Entry]) -> str:
    return hashlib.blake2b(repr(sorted(kinds)).encode(), digest_size=16).hexdigest()


def listing_digest(directory: str) -> str | None:
    """A digest of what discovery sees in ``directory`` (each entry's name and kind), or
    None when it cannot be listed. A directory's stat changes when an editor saves a file
    by renaming a new copy over it; its digest does not, unless an entry was added,
    removed or renamed."""
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
    except OSError:
        return None
    return _digest(_entry_kinds(entries))


@dataclass(frozen=True, slots=True)
class Discovered:
    abspath: str
    explicit: bool  # named on the command line (checked even if excluded)
    problem: str | None = None  # e.g. a directory named like a Python file
    given: int = 0  # which of the paths given to ``discover`` found it (its index)


class _Matcher:
    def __init__(self, root: Path, patterns: Sequence[str]) -> None:
        self.root = root
        self._root = str(root)
        # plain names (``venv``, ``.git``) are a set lookup; only real globs need fnmatch
        self.names = frozenset(
            p.rstrip("/") for p in patterns if not any(c in p.rstrip("/") for c in "*?[/")
        )
        self.patterns = tuple(p for p in patterns if p.rstrip("/") not in self.names)

    def excluded(self, path: Path) -> bool:
        return self.excluded_path(str(path), path.name)

    def excluded_path(self, abspath: str, name: str) -> bool:
        """``excluded`` for an absolute path string and its last component (the walk's
        fast path: no ``Path`` objects per file)."""
        if name in self.names:
            return True
        if not self.patterns:
            return False
        root = self._root
        if abspath.startswith(root) and abspath[len(root) : len(root) + 1] == os.sep:
            rel = abspath[len(root) + 1 :].replace(os.sep, "/")
        elif abspath == root:
            rel = "."
        else:
            rel = Path(abspath).as_posix()
        for pattern in self.patterns:
            pat = pattern.rstrip("/")
            if os.path.isabs(pat):  # inherited through ``extend`` from another directory
                target = abspath.replace(os.sep, "/")
                if fnmatch.fnmatchcase(target, pat) or fnmatch.fnmatchcase(target, pat + "/*"):
                    return True
                continue
            if glob_match(rel, name, pat):
                return True
            if "/" in pat and glob_match(rel, name, pat + "/*"):
                return True
        return False


def glob_match(rel: str, name: str, pattern: str, abspath: str | None = None) -> bool:
    """A path glob against a file's path relative to the project root or its name (ruff's
    ``exclude``/``per-file-ignores`` patterns). A leading ``**/`` also matches at the root
    (``**/migrations/*`` matches ``migrations/0001.py``), and a leading ``./`` is dropped.
    An absolute pattern (inherited through ``extend``) is matched against ``abspath``."""
    if os.path.isabs(pattern):
        return abspath is not None and fnmatch.fnmatchcase(abspath.replace(os.sep, "/"), pattern)
    pattern = pattern.removeprefix("./")
    while True:
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if not pattern.startswith("**/"):
            return False
        pattern = pattern[3:]


class _GitIgnore:
    """.gitignore files from the repository root down, each applying to its own directory.
    Directories are absolute path strings; every lookup is memoized per directory."""

    def __init__(self, enabled: bool, trace: Trace | None = None) -> None:
        self.enabled = enabled
        self.trace = trace
        self._specs: dict[str, pathspec.PathSpec[Any] | None] = {}
        self._top: dict[str, str] = {}
        self._chains: dict[str, list[tuple[str, pathspec.PathSpec[Any]]]] = {}

    def _spec(self, directory: str) -> pathspec.PathSpec[Any] | None:
        if directory not in self._specs:
            spec = None
            ignore_file = os.path.join(directory, ".gitignore")
            if self.trace is not None:
                self.trace.record(ignore_file)
            try:
                if os.path.isfile(ignore_file):
                    with open(ignore_file, encoding="utf-8", errors="replace") as handle:
                        lines = handle.read().splitlines()
                    import pathspec  # only where a .gitignore is: 10 ms to import

                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                spec = None
            self._specs[directory] = spec
        return self._specs[directory]

    def _repo_top(self, directory: str) -> str:
        """The nearest directory at or above ``directory`` holding ``.git`` (else the root)."""
        top = self._top.get(directory)
        if top is None:
            parent = os.path.dirname(directory)
            if os.path.exists(os.path.join(directory, ".git")):
                top = directory
            elif parent == directory:
                top = directory  # the filesystem root
            else:
                top = self._repo_top(parent)
            self._top[directory] = top
        return top

    def _chain(self, directory: str) -> list[tuple[str, pathspec.PathSpec[Any]]]:
        """The .gitignore specs that apply in ``directory`` (its own up to the repo top)."""
        found = self._chains.get(directory)
        if found is None:
            spec = self._spec(directory)
            own = [(directory, spec)] if spec is not None else []
            parent = os.path.dirname(directory)
            if self._repo_top(directory) == directory or parent == directory:
                found = own
            else:
                found = own + self._chain(parent)
            self._chains[directory] = found
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return self.ignored_path(str(path), is_dir)

    def ignored_path(self, abspath: str, is_dir: bool) -> bool:
        if not self.enabled:
            return False
        for base, spec in self._chain(os.path.dirname(abspath)):
            rel = abspath[len(base) :].lstrip(os.sep).replace(os.sep, "/")
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False


def discover(
    paths: Iterable[Path],
    root: Path,
    exclude: Sequence[str],
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    trace: Trace | None = None,
    boundary: Boundary | None = None,
) -> Iterator[Discovered]:
    """Yield the Python files under ``paths``, sorted per directory. Files named explicitly
    are always yielded, unless ``force_exclude`` applies the exclusions to them too (what
    pre-commit needs: it names every changed file, excluded or not). A directory below a
    given one that holds a ``pyproject.toml`` for which ``boundary`` says yes belongs to
    another project (its own configuration): it is not entered, and is added to
    ``boundary.found``."""
    matcher = _Matcher(root, exclude)
    gitignore = _GitIgnore(respect_gitignore, trace)
    seen: set[str] = set()
    for index, given in enumerate(paths):
        path = Path(os.path.abspath(given))
        if path.is_dir():
            yield from _walk(path, matcher, gitignore, seen, trace, boundary, index)
        elif str(path) not in seen:
            seen.add(str(path))
            if force_exclude and _excluded_with_parents(path, root, matcher):
                continue
            yield Discovered(str(path), True, None, index)


def _excluded_with_parents(path: Path, root: Path, matcher: _Matcher) -> bool:
    """``path``, or a directory between it and the project root, matches an exclusion."""
    candidates = [path]
    parent = path.parent
    while parent != root and parent.is_relative_to(root):
        candidates.append(parent)
        parent = parent.parent
    return any(matcher.excluded(candidate) for candidate in candidates)


@dataclass
class Boundary:
    """Where the project being walked ends: ``other(directory)`` says whether a directory
    holding a ``pyproject.toml`` has a configuration of its own; those found are kept.
    ``skipped``, when a list, collects every directory and Python file the walk passed
    over, with the reason (``--show-files``/``--show-settings``)."""

    other: Callable[[str], bool]
    found: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] | None = None


def _why_skipped(
    matcher: _Matcher, gitignore: _GitIgnore, path: str, name: str, is_dir: bool
) -> str:
    if name in matcher.names:
        return f"excluded (`{name}`)"
    for pattern in matcher.patterns:
        if _Matcher(matcher.root, [pattern]).excluded_path(path, name):
            return f"excluded (`{pattern}`)"
    return "ignored by .gitignore" if gitignore.ignored_path(path, is_dir) else "excluded"


def _walk(
    top: Path,
    matcher: _Matcher,
    gitignore: _GitIgnore,
    seen: set[str],
    trace: Trace | None,
    boundary: Boundary | None = None,
    given: int = 0,
) -> Iterator[Discovered]:
    """Top-down like ``os.walk`` (symlinked directories listed, not entered; unreadable
    directories skipped), with string paths and one ``scandir`` per directory."""
    pending = [str(top)]
    start = str(top)
    while pending:
        directory = pending.pop()
        if trace is not None:
            trace.record(directory)
            trace.walked.add(directory)
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue
        dirs: list[tuple[str, bool]] = []
        files: list[str] = []
        kinds = _entry_kinds(entries)
        if trace is not None:
            trace.names[directory] = _digest(kinds)
        for name, is_dir, link in kinds:
            if is_dir:
                dirs.append((name, link))
            else:
                files.append(name)
        if boundary is not None and directory != start and "pyproject.toml" in files:
            if trace is not None:  # a configuration added or removed there changes the walk
                trace.record(os.path.join(directory, "pyproject.toml"))
            if boundary.other(directory):
                boundary.found.add(directory)
                if boundary.skipped is not None:
                    boundary.skipped.append((directory, "has a configuration of its own"))
                continue
        skipped = boundary.skipped if boundary is not None else None
        descend: list[str] = []
        for name, link in sorted(dirs):
            child = os.path.join(directory, name)
            if matcher.excluded_path(child, name) or gitignore.ignored_path(child, True):
                if skipped is not None:
                    skipped.append((child, _why_skipped(matcher, gitignore, child, name, True)))
                continue
            if name.endswith(".py") and child not in seen:
                seen.add(child)
                yield Discovered(child, False, "is a directory, not a Python file", given)
            if not link:
                descend.append(child)
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            child = os.path.join(directory, name)
            if child in seen:
                continue
            if matcher.excluded_path(child, name) or gitignore.ignored_path(child, False):
                if skipped is not None:
                    skipped.append((child, _why_skipped(matcher, gitignore, child, name, False)))
                continue
            seen.add(child)
            yield Discovered(child, False, None, given)
        pending.extend(reversed(descend))  # depth first, in sorted order, like os.walk


def is_discovered(
    abspath: str, root: Path, exclude: Sequence[str], respect_gitignore: bool = True
) -> bool:
    """Whether walking ``root`` would find this file (the language server asks this about
    files created or changed on disk, instead of walking the tree again)."""
    path = Path(abspath)
    if path.suffix != ".py" or not path.is_relative_to(root):
        return False
    matcher = _Matcher(root, exclude)
    gitignore = _GitIgnore(respect_gitignore)
    rel = path.relative_to(root)
    for parent in reversed(rel.parents[:-1]):
        directory = root / parent
        if matcher.excluded(directory) or gitignore.ignored(directory, True):
            return False
    return not (matcher.excluded(path) or gitignore.ignored(path, False))
