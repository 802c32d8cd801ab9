"""The last whole-project run's answer, reused while nothing it read has changed.

The per-file cache (``engine/cache.py``) spares the parsing, but a warm run would still
load every file's facts, rebuild the project index and run the project rules. When no
input of the last run changed, its answer is the answer: the manifest keeps every
finding in the project (before choosing which files to report) together with the stat
(``mtime_ns``, size) of everything the run read or listed:

- every Python file it indexed, stat'ed *before* the run read it;
- every directory discovery listed, so an added, removed or renamed file shows up as a
  changed directory;
- every ``.gitignore`` discovery consulted, present or absent;
- every directory and file the project model read (Procfiles, compose files, tox and
  pytest configuration, ...: ``semantics/project_files.py``).

The key covers celerylint's own code (the facts schema with it), the Python version, the whole
configuration, the command-line selectors, module naming, the prefilter switch and the
working directory (displayed paths depend on it).

Only a run on the project root itself, without internal errors, writes the manifest (a
run on named files or directories may index files the root's walk skips, such as an
excluded file named explicitly). A run on files or directories the root's walk found
reuses it: it reports the same findings for them, as the project is indexed in full either
way (``tests/test_prefilter.py`` shows that analysing a file in full or skipping it gives
identical output). Stdin, ``--no-cache`` and ``--fix`` runs never use it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from celerylint.diagnostics import Diagnostic
from celerylint.engine.cache import config_key, load_pickle, write_pickle
from celerylint.engine.request import RunReport, RunRequest
from celerylint.files import Stat, is_under, listing_digest, stat_of
from celerylint.pickling import fast_pickling


@dataclass(frozen=True, slots=True)
class Manifest:
    key: str
    root: str
    #: directories discovery walked (a run on one of them sees a subset of ``jobs``)
    walked: frozenset[str]
    #: what the run depended on: (path, stat when it was read)
    stats: tuple[tuple[str, Stat], ...]
    #: what discovery read (directories listed, ``.gitignore`` files looked for): while
    #: these are unchanged, discovery would find ``jobs`` again
    listing: tuple[tuple[str, Stat], ...]
    #: (absolute path, displayed path, module, is package, problem) of every indexed file
    jobs: tuple[tuple[str, str, str, bool, str | None], ...]
    #: every finding in the project, after suppressions, in report order
    diagnostics: tuple[Diagnostic, ...]
    analysed: int
    #: directories the walk left to projects of their own (``RunReport.other_projects``)
    nested: tuple[str, ...] = ()
    #: every finding in the project before suppression (selection, per-file-ignores,
    #: ``noqa``): an edit that changes only a file's comments re-suppresses these
    unsuppressed: tuple[Diagnostic, ...] = ()
    #: the indexed files the run analysed as full jobs (named or promoted), by absolute
    #: path; the others were prefilter ("auto") jobs
    full_jobs: frozenset[str] = frozenset()
    #: (directory, digest of its entries) of every directory discovery listed
    names: tuple[tuple[str, str], ...] = ()


def manifest_key(parts: Sequence[object]) -> str:
    return config_key(("manifest", *parts))


def _path(directory: Path, key: str) -> Path:
    return directory / f"run-{key[:20]}.pickle"


#: manifests read in this process, by path, with the stat of the file they came from: the
#: CLI asks for a replay and, when it cannot replay, the run asks for the listing
_LOADED: dict[Path, tuple[Stat, Manifest]] = {}


def load(directory: Path, key: str) -> Manifest | None:
    path = _path(directory, key)
    stat = stat_of(str(path))
    hit = _LOADED.get(path)
    if hit is not None and hit[0] == stat:
        return hit[1]
    data = load_pickle(path)
    if isinstance(data, Manifest) and data.key == key:
        _LOADED[path] = (stat, data)
        return data
    return None


def save(directory: Path, manifest: Manifest) -> None:
    write_pickle(directory, _path(directory, manifest.key), manifest)


def unchanged_test(manifest: Manifest) -> Callable[[str, Stat], bool]:
    """Whether a path the manifest's run read with a stat is as it was: the same stat or,
    for a directory discovery listed, the same entries (a file saved by renaming a new copy
    over it changes its directory's stat, not what is in it)."""
    names = dict(manifest.names)

    def unchanged(path: str, stat: Stat) -> bool:
        if stat_of(path) == stat:
            return True
        digest = names.get(path)
        return digest is not None and listing_digest(path) == digest

    return unchanged


def fresh(manifest: Manifest) -> bool:
    """Nothing the run read has changed since."""
    unchanged = unchanged_test(manifest)
    return all(unchanged(path, stat) for path, stat in manifest.stats)


def listing_fresh(manifest: Manifest) -> bool:
    """Discovery would find the same files (their contents may have changed)."""
    unchanged = unchanged_test(manifest)
    return all(unchanged(path, stat) for path, stat in manifest.listing)


def reported(
    manifest: Manifest, paths: Sequence[Path]
) -> tuple[tuple[Diagnostic, ...], int] | None:
    """The findings a run on ``paths`` reports and how many files it checks, or None when
    such a run would index other files than the manifest's (a path outside the project,
    an excluded file named explicitly, a directory discovery skipped)."""
    root = manifest.root
    given = [os.path.abspath(p) for p in paths]
    known = {job[0] for job in manifest.jobs}
    for path in given:
        if path != root and path not in manifest.walked and path not in known:
            return None
    if root in given:
        return manifest.diagnostics, len(manifest.jobs)
    shown = {
        display
        for abspath, display, *_ in manifest.jobs
        if any(is_under(abspath, g) for g in given)
    }
    return tuple(d for d in manifest.diagnostics if d.path in shown), len(shown)


def usable(request: RunRequest) -> Manifest | None:
    """The last whole-project run's manifest, when this run would index the same files as
    it did (if nothing was added or removed since: see ``listing_fresh``)."""
    if request.manifest_key is None or request.cache_dir is None or request.stdin is not None:
        return None
    kept = load(request.cache_dir, request.manifest_key)
    if kept is None or kept.root != str(request.settings.root):
        return None
    return kept if reported(kept, request.paths) is not None else None


def replay(request: RunRequest) -> RunReport | None:
    """The report of the last whole-project run, when nothing it read has changed and
    this run would index the same files."""
    kept = usable(request)
    if kept is None or not fresh(kept):
        return None
    return report(kept, request.paths)


def report(kept: Manifest, paths: Sequence[Path]) -> RunReport | None:
    """What a run on ``paths`` reports from ``kept`` (None: see ``reported``)."""
    found = reported(kept, paths)
    if found is None:
        return None
    diagnostics, checked = found
    return RunReport(
        list(diagnostics),
        files_checked=checked,
        files_indexed=len(kept.jobs),
        files_analysed=kept.analysed,
        other_projects=set(kept.nested),
    )


fast_pickling(globals())
