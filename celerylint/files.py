"""Which files to check: path discovery, excludes and .gitignore."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True, slots=True)
class Discovered:
    abspath: str
    explicit: bool  # named on the command line (checked even if excluded)
    problem: str | None = None  # e.g. a directory named like a Python file


class _Matcher:
    def __init__(self, root: Path, patterns: Sequence[str]) -> None:
        self.root = root
        # plain names (``venv``, ``.git``) are a set lookup; only real globs need fnmatch
        self.names = frozenset(
            p.rstrip("/") for p in patterns if not any(c in p.rstrip("/") for c in "*?[/")
        )
        self.patterns = tuple(p for p in patterns if p.rstrip("/") not in self.names)

    def excluded(self, path: Path) -> bool:
        name = path.name
        if name in self.names:
            return True
        if not self.patterns:
            return False
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            rel = path.as_posix()
        for pattern in self.patterns:
            pat = pattern.rstrip("/")
            if glob_match(rel, name, pat):
                return True
            if "/" in pat and glob_match(rel, name, pat + "/*"):
                return True
        return False


def glob_match(rel: str, name: str, pattern: str) -> bool:
    """A path glob against a file's path relative to the project root or its name (ruff's
    ``exclude``/``per-file-ignores`` patterns). A leading ``**/`` also matches at the root
    (``**/migrations/*`` matches ``migrations/0001.py``), and a leading ``./`` is dropped."""
    pattern = pattern.removeprefix("./")
    while True:
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if not pattern.startswith("**/"):
            return False
        pattern = pattern[3:]


class _GitIgnore:
    """.gitignore files from the repository root down, each applying to its own directory."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._specs: dict[Path, pathspec.PathSpec[Any] | None] = {}
        self._top: dict[Path, Path] = {}
        self._chains: dict[Path, list[tuple[Path, pathspec.PathSpec[Any]]]] = {}

    def _spec(self, directory: Path) -> pathspec.PathSpec[Any] | None:
        if directory not in self._specs:
            spec = None
            ignore_file = directory / ".gitignore"
            try:
                if ignore_file.is_file():
                    lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                spec = None
            self._specs[directory] = spec
        return self._specs[directory]

    def _repo_top(self, directory: Path) -> Path:
        if directory not in self._top:
            top = directory
            for candidate in [directory, *directory.parents]:
                if (candidate / ".git").exists():
                    top = candidate
                    break
            else:
                top = Path(directory.anchor)
            self._top[directory] = top
        return self._top[directory]

    def _chain(self, directory: Path) -> list[tuple[Path, pathspec.PathSpec[Any]]]:
        """The .gitignore specs that apply in ``directory`` (its own up to the repo top)."""
        found = self._chains.get(directory)
        if found is None:
            top = self._repo_top(directory)
            found = []
            for base in [directory, *directory.parents]:
                spec = self._spec(base)
                if spec is not None:
                    found.append((base, spec))
                if base == top:
                    break
            self._chains[directory] = found
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        if not self.enabled:
            return False
        for base, spec in self._chain(path.parent):
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        return False


def discover(
    paths: Iterable[Path],
    root: Path,
    exclude: Sequence[str],
    respect_gitignore: bool = True,
    force_exclude: bool = False,
) -> Iterator[Discovered]:
    """Yield the Python files under ``paths``, sorted per directory. Files named explicitly
    are always yielded, unless ``force_exclude`` applies the exclusions to them too (what
    pre-commit needs: it names every changed file, excluded or not)."""
    matcher = _Matcher(root, exclude)
    gitignore = _GitIgnore(respect_gitignore)
    seen: set[str] = set()
    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_dir():
            yield from _walk(path, matcher, gitignore, seen)
        elif str(path) not in seen:
            seen.add(str(path))
            if force_exclude and _excluded_with_parents(path, root, matcher):
                continue
            yield Discovered(str(path), True)


def _excluded_with_parents(path: Path, root: Path, matcher: _Matcher) -> bool:
    """``path``, or a directory between it and the project root, matches an exclusion."""
    candidates = [path]
    parent = path.parent
    while parent != root and parent.is_relative_to(root):
        candidates.append(parent)
        parent = parent.parent
    return any(matcher.excluded(candidate) for candidate in candidates)


def _walk(
    top: Path, matcher: _Matcher, gitignore: _GitIgnore, seen: set[str]
) -> Iterator[Discovered]:
    for dirpath, dirnames, filenames in os.walk(top, onerror=None, followlinks=False):
        base = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            child = base / d
            if matcher.excluded(child) or gitignore.ignored(child, True):
                continue
            if d.endswith(".py") and str(child) not in seen:
                seen.add(str(child))
                yield Discovered(str(child), False, "is a directory, not a Python file")
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            child = base / name
            if str(child) in seen or matcher.excluded(child) or gitignore.ignored(child, False):
                continue
            seen.add(str(child))
            yield Discovered(str(child), False)


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
