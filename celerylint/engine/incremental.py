"""The early cutoff: after an edit that leaves a file's facts and findings as they were,
or only moved their lines, the last whole-project run's answer still holds.

The project phase is a function of every module's facts, the configuration and the
project files the configuration model read (Procfiles, compose files ...). When the run
manifest's listing is unchanged (no file added, removed or renamed) and the only inputs
that changed are Python files, each changed file is analysed again, alone, the way the
last run analysed it (as a full or a prefilter job), and compared with the result that
run used (the cached entry with the stat the manifest recorded):

- same facts and same per-file findings for every changed file, but for line numbers
  that moved in order (``engine/line_shift.py``): the index the project rules would read
  is the one the last run built, its positions in those files moved, so every finding
  before suppression is the last run's, moved the same way. Only the changed files'
  suppressions are applied again (an edit may add or remove a ``noqa`` comment); the
  other files' findings are the manifest's as they are.
- anything else (a fact changed, a finding that cannot be moved, a crash, a changed file
  the last run did not analyse, a project file changed): the full run, which reuses the
  results computed here through the cache.

So appending a comment, editing a docstring's words or adding a line above a task costs
one file's analysis and the start-up (no analysis when the file holds the bytes that run
analysed: a save that changed nothing, a checkout of another branch and back); an edit
that changes a fact (a task option, an import) runs the project phase. ``tests/test_incremental.py`` checks that every answer
given here equals a ``--no-cache`` run's.
"""

from __future__ import annotations

import dataclasses

from celerylint.diagnostics import Diagnostic
from celerylint.engine import manifest as manifests
from celerylint.engine.cache import ResultCache, content_hash
from celerylint.engine.file_pass import FileResult
from celerylint.engine.line_shift import LineShift, align, move_findings
from celerylint.engine.manifest import Manifest
from celerylint.engine.phase_one import (
    cache_for,
    cache_result,
    job_key,
    lookups,
    run_phase_one,
)
from celerylint.engine.phase_two import suppressed
from celerylint.engine.plan import FileJob
from celerylint.engine.request import RunReport, RunRequest
from celerylint.engine.source import read_bytes
from celerylint.files import Stat, stat_of

#: more changed files than this: a full run (each would be analysed twice on a miss)
MAX_CHANGED = 32


def _changed(kept: Manifest) -> list[tuple[str, Stat]] | None:
    """The Python files whose stat changed since the manifest's run, with their stat now,
    or None when something else changed (or nothing did). The paths of the manifest's
    listing were found unchanged just before (``manifest.listing_fresh``): not again."""
    jobs = {job[0] for job in kept.jobs}
    listed = dict(kept.listing)
    unchanged = manifests.unchanged_test(kept)
    changed: list[tuple[str, Stat]] = []
    for path, stat in kept.stats:
        if listed.get(path) == stat:
            continue
        now = stat_of(path)
        if now == stat:
            continue
        if path not in jobs and unchanged(path, stat):
            continue  # a directory whose entries are the same (a save by renaming)
        if path not in jobs or len(changed) == MAX_CHANGED:
            return None
        changed.append((path, now))
    return changed or None


def _used(cache: ResultCache, job: FileJob, stat: Stat) -> tuple[FileJob, FileResult, str] | None:
    """The job as the manifest's run analysed it, with the result it used and the digest of
    the content it had: the cached entry under the stat the run recorded, looked up the
    way phase 1 looks (a full analysis first, so a light file promoted in that run is
    analysed in full here too)."""
    for full in lookups(job):
        entry = cache.entry(job_key(job, full))
        if entry is None or (entry[0], entry[1]) != (stat[0], stat[2]):
            continue  # not the result the manifest's run used
        if not isinstance(entry[3], FileResult):
            return None
        return dataclasses.replace(job, full=full), entry[3], entry[2]
    return None


def _same_content(abspath: str, digest: str) -> bool:
    """The file holds the content the manifest's run analysed (a save that changed nothing,
    a checkout of another branch and back): its result is that run's."""
    data, _ = read_bytes(abspath)
    return data is not None and content_hash(data) == digest


def _shift(old: FileResult, new: FileResult) -> LineShift | None:
    """How the changed file's lines moved, when its new facts and per-file findings are the
    old ones but for line numbers (``engine/line_shift.py``); None when they differ in
    more."""
    if new.crashes or old.crashes or old.path != new.path or old.light != new.light:
        return None
    return align((old.facts, old.diagnostics), (new.facts, new.diagnostics))


def early_cutoff(request: RunRequest, kept: Manifest) -> RunReport | None:
    """The report of this run from the manifest ``kept`` (whose listing is unchanged) when
    the files changed since only changed in ways no finding depends on; else None."""
    if request.stdin is not None or request.cache_dir is None:
        return None
    changed = _changed(kept)
    if changed is None:
        return None
    options = dict(request.settings.rule_options)
    cache = cache_for(request, options, lazy=True)
    if cache is None:
        return None
    recorded = dict(kept.stats)
    by_path = {job[0]: job for job in kept.jobs}
    jobs: list[FileJob] = []
    old: list[FileResult] = []
    todo: list[int] = []
    for abspath, _ in changed:
        _, display, module, is_package, problem = by_path[abspath]
        if problem is not None:
            return None
        job = FileJob(display, abspath, module, is_package, None, None, abspath in kept.full_jobs)
        used = _used(cache, job, recorded[abspath])
        if used is None:
            return None
        if not _same_content(abspath, used[2]):
            todo.append(len(jobs))
        jobs.append(used[0])
        old.append(used[1])
    new = list(old)
    if todo:
        computed = run_phase_one(
            [jobs[i] for i in todo],
            request.enabled,
            options,
            request.processes,
            prefilter=request.prefilter,
        )
        for i, result in zip(todo, computed, strict=True):
            new[i] = result
    shifts: dict[str, LineShift] = {}
    for job, before, after, (_, now) in zip(jobs, old, new, changed, strict=True):
        shift = _shift(before, after)
        if shift is not None:
            shifts[after.path] = shift
        if stat_of(job.abspath) == now:  # not changed again while it was analysed
            cache_result(cache, job, after)
    cache.save()
    if len(shifts) < len(new):
        return None
    return _report(request, kept, changed, new, shifts)


def _report(
    request: RunRequest,
    kept: Manifest,
    changed: list[tuple[str, Stat]],
    results: list[FileResult],
    shifts: dict[str, LineShift],
) -> RunReport | None:
    unsuppressed = move_findings(kept.unsuppressed, shifts)
    if unsuppressed is None:
        return None
    paths = {r.path for r in results}
    again = suppressed(
        [d for d in unsuppressed if d.path in paths],
        {r.path: r.suppressions for r in results},
        request.enabled,
        request.settings,
    )
    diagnostics: list[Diagnostic] = sorted(
        {*(d for d in kept.diagnostics if d.path not in paths), *again},
        key=lambda d: d.sort_key,
    )
    now = dict(changed)
    updated = dataclasses.replace(
        kept,
        stats=tuple((path, now.get(path, stat)) for path, stat in kept.stats),
        diagnostics=tuple(diagnostics),
        unsuppressed=tuple(sorted(unsuppressed, key=lambda d: d.sort_key)),
    )
    assert request.cache_dir is not None
    manifests.save(request.cache_dir, updated)
    return manifests.report(updated, request.paths)
