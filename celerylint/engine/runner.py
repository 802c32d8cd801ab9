"""The two phases: per-file passes (in a process pool) then one project pass."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celerylint.config import Settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.cache import ResultCache, config_key, content_hash, ensure_directory
from celerylint.engine.file_pass import (
    FileResult,
    check_file,
    error_result,
    light_result,
    on_large_stack,
)
from celerylint.engine.prefilter import analyse_in_full, to_promote
from celerylint.engine.request import RunReport as RunReport
from celerylint.engine.request import RunRequest as RunRequest
from celerylint.engine.source import read_bytes
from celerylint.engine.suppression import UNREADABLE_FILE as UNREADABLE_FILE
from celerylint.engine.suppression import UNUSED_NOQA as UNUSED_NOQA
from celerylint.engine.suppression import Suppressions, apply_suppressions
from celerylint.engine.walker import RuleCrash
from celerylint.facts.modules import ModuleNamer
from celerylint.files import (
    DEFAULT_EXCLUDE,
    Boundary,
    Stat,
    Trace,
    discover,
    is_under,
)
from celerylint.project.index import ProjectIndex
from celerylint.rules import all_rules, rules_by_code
from celerylint.rules.base import FileRule, ProjectRule, Rule
from celerylint.selection import resolve_layers

if TYPE_CHECKING:
    from celerylint.engine.manifest import Manifest


#: below this many files the pool costs more than it saves
PARALLEL_THRESHOLD = 24


@dataclass(frozen=True)
class FileJob:
    path: str  # displayed
    abspath: str
    module: str
    is_package: bool
    data: bytes | None = None  # given (stdin) instead of read from disk
    problem: str | None = None
    full: bool = False  # always analyse in full (reported files, promoted files, stdin)


def enabled_codes(
    settings: Settings,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> frozenset[str]:
    """The configuration's selectors (those of the files it extends first), then the
    command line's on top (as ruff layers them: ``--select`` replaces the configured set,
    ``--extend-select``/``--ignore`` edit it)."""
    return resolve_layers(
        all_rules(),
        [
            *settings.inherited_selection,
            (settings.select, settings.extend_select, settings.ignore),
            (select, extend_select, ignore),
        ],
    )


# -- phase 1 -------------------------------------------------------------------------------

_WORKER_RULES: list[tuple[type[Rule], Any]] | None = None
_WORKER_PREFILTER = True


def _file_rules(enabled: frozenset[str], options: dict[str, Any]) -> list[tuple[type[Rule], Any]]:
    """The enabled rules with phase-1 work: per-file rules, and rules with a collector."""
    out: list[tuple[type[Rule], Any]] = []
    for rule in all_rules():
        if rule.code in enabled and (issubclass(rule, FileRule) or rule.collector is not None):
            out.append((rule, options.get(rule.code, rule.default_options())))
    return out


def _init_worker(enabled: frozenset[str], options: dict[str, Any], prefilter: bool = True) -> None:
    global _WORKER_RULES, _WORKER_PREFILTER
    _WORKER_RULES = _file_rules(enabled, options)
    _WORKER_PREFILTER = prefilter


def _run_job(
    job: FileJob, rules: list[tuple[type[Rule], Any]], prefilter: bool = False
) -> FileResult:
    if job.problem is not None:
        return error_result(job.path, job.problem)
    data = job.data
    if data is None:
        data, problem = read_bytes(job.abspath)
        if data is None:
            return error_result(job.path, problem or "could not be read")
    try:
        if prefilter and not job.full and not analyse_in_full(data, job.module, job.is_package):
            return light_result(job.path, data, job.module, job.is_package, rules)
        return check_file(job.path, data, job.module, job.is_package, rules)
    except Exception as exc:  # last line of defence: an engine bug on this file
        import traceback

        error = f"{type(exc).__name__}: {exc}"
        failed = error_result(job.path, f"internal error while checking: {error}")
        # a finding, so the file is not silently lost, and a crash, so the run exits 2
        crash = RuleCrash("engine", job.path, error, traceback.format_exc())
        return dataclasses.replace(failed, crashes=(crash,))


def _run_chunk(jobs: list[FileJob]) -> list[FileResult]:
    rules = _WORKER_RULES
    assert rules is not None
    # one thread with a large stack for the whole chunk, not one per file
    return on_large_stack(lambda: [_run_job(job, rules, _WORKER_PREFILTER) for job in jobs])


def _size(job: FileJob) -> int:
    if job.data is not None:
        return len(job.data)
    try:
        return os.stat(job.abspath).st_size
    except OSError:
        return 0


class PhaseOnePool:
    """Phase 1's worker processes: started when first needed, then reused by every
    promotion round of the run (a pool costs each worker its imports)."""

    def __init__(
        self,
        enabled: frozenset[str],
        options: dict[str, Any],
        processes: int,
        prefilter: bool,
        mp_context: BaseContext | None = None,
    ) -> None:
        self.enabled = enabled
        self.options = options
        self.processes = processes
        self.prefilter = prefilter
        self.mp_context = mp_context
        self._executor: ProcessPoolExecutor | None = None

    def run(self, jobs: Sequence[FileJob]) -> list[FileResult]:
        if self.processes <= 1 or len(jobs) < PARALLEL_THRESHOLD:
            rules = _file_rules(self.enabled, self.options)
            prefilter = self.prefilter
            return on_large_stack(lambda: [_run_job(job, rules, prefilter) for job in jobs])
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=self.mp_context,
                initializer=_init_worker,
                initargs=(self.enabled, self.options, self.prefilter),
            )
        # the biggest files first, in small chunks, so that no worker is left with a
        # large file at the end while the others idle
        order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i]))
        size = max(1, min(32, len(jobs) // (self.processes * 16)))
        chunks = [order[i : i + size] for i in range(0, len(order), size)]
        results: list[FileResult | None] = [None] * len(jobs)
        parts = self._executor.map(_run_chunk, [[jobs[i] for i in chunk] for chunk in chunks])
        for chunk, part in zip(chunks, parts, strict=True):
            for i, result in zip(chunk, part, strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None


def run_phase_one(
    jobs: Sequence[FileJob],
    enabled: frozenset[str],
    options: dict[str, Any],
    processes: int,
    mp_context: BaseContext | None = None,
    prefilter: bool = False,
    pool: PhaseOnePool | None = None,
) -> list[FileResult]:
    """Phase 1 for every job, in ``pool`` if given (else in a pool of its own).
    ``mp_context`` picks how workers start (the language server, a threaded process, uses
    forkserver/spawn rather than fork)."""
    if pool is not None:
        return pool.run(jobs)
    own = PhaseOnePool(enabled, options, processes, prefilter, mp_context)
    try:
        return own.run(jobs)
    finally:
        own.close()


# -- phase 2 -------------------------------------------------------------------------------


def _condition_holds(diag: Diagnostic, index: ProjectIndex) -> bool:
    return diag.condition is None or index.condition_holds(diag.path, diag.condition)


def review_fix(diag: Diagnostic, index: ProjectIndex) -> Diagnostic:
    """Let the rule settle its fix with project knowledge (``Rule.review_fix``)."""
    if diag.fix is None:
        return diag
    rule = rules_by_code().get(diag.code)
    if rule is None or rule.review_fix.__func__ is Rule.review_fix.__func__:  # type: ignore[attr-defined]
        return diag
    fix = rule.review_fix(diag, index)
    return diag if fix is diag.fix else dataclasses.replace(diag, fix=fix)


def run_project_rules(
    index: ProjectIndex, enabled: frozenset[str], options: dict[str, Any], report: RunReport
) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for rule in all_rules():
        if rule.code not in enabled or not issubclass(rule, ProjectRule):
            continue
        instance = rule(options.get(rule.code, rule.default_options()))
        try:
            for f in instance.check(index):
                message = f.message if f.message is not None else rule.message.format(**f.args)
                found.append(
                    Diagnostic(
                        rule.code, message, f.path, f.span, f.severity or rule.severity, f.fix
                    )
                )
        except Exception as exc:
            import traceback

            report.crashes.append(
                RuleCrash(
                    rule.code, "<project>", f"{type(exc).__name__}: {exc}", traceback.format_exc()
                )
            )
    return found


# -- the whole run -------------------------------------------------------------------------


def display_path(abspath: str, cwd: Path) -> str:
    try:
        rel = os.path.relpath(abspath, cwd)
    except ValueError:
        return abspath
    return abspath if rel.startswith("..") else rel


def plan_jobs(
    request: RunRequest,
    trace: Trace | None = None,
    known: Manifest | None = None,
    other_projects: set[str] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> tuple[list[FileJob], set[str] | None]:
    """The files to analyse and, when only some are to be reported, which. ``trace``
    collects what discovery read (for the run manifest); ``known``, a manifest whose
    listing is unchanged and whose walk covers the request, stands in for discovery.
    With a resolver, directories with a configuration of their own are left out and
    added to ``other_projects``; ``skipped`` collects what discovery passed over, and why."""
    settings = request.settings
    boundary: Boundary | None = None
    resolver = request.resolver
    if resolver is not None:
        config = settings.config_path
        boundary = Boundary(lambda d: resolver.starts_other_project(d, config), skipped=skipped)
    elif skipped is not None:
        boundary = Boundary(lambda d: False, skipped=skipped)
    cwd = request.cwd
    namer = ModuleNamer(settings.src)
    exclude = (*(settings.exclude or DEFAULT_EXCLUDE), *settings.extend_exclude)
    paths = list(request.paths)
    report_only: set[str] | None = None
    report_under: tuple[str, ...] = ()
    stdin_abspath: str | None = None
    if request.stdin is not None:
        stdin_abspath = os.path.abspath(request.stdin[0])
        report_only = {stdin_abspath}
        paths = [settings.root] if Path(stdin_abspath).is_relative_to(settings.root) else []
    elif paths and all(not p.is_dir() for p in paths):
        report_only = {os.path.abspath(p) for p in paths}
        if all(Path(p).is_relative_to(settings.root) for p in report_only):
            paths = [*paths, settings.root]
    elif paths:
        # directories inside the project: index the whole project (so cross-file rules see
        # the settings and routes that live elsewhere), report only under the given paths
        given = [os.path.abspath(p) for p in paths]
        root = str(settings.root)
        if root not in given and all(Path(g).is_relative_to(settings.root) for g in given):
            report_under = tuple(given)
            paths = [*paths, settings.root]
    jobs: list[FileJob] = []
    if known is not None:
        if trace is not None:
            trace.stats.update(known.listing)
            trace.walked.update(known.walked)
        if boundary is not None:
            boundary.found.update(known.nested)
        for abspath, display, module, is_package, problem in known.jobs:
            full = report_only is not None and abspath in report_only
            jobs.append(FileJob(display, abspath, module, is_package, None, problem, full))
    for found in (
        ()
        if known is not None
        else discover(
            paths,
            settings.root,
            exclude,
            settings.respect_gitignore,
            request.force_exclude,
            trace,
            boundary,
        )
    ):
        if found.abspath == stdin_abspath:
            continue
        module, is_package = namer.name(found.abspath)
        jobs.append(
            FileJob(
                display_path(found.abspath, cwd),
                found.abspath,
                module,
                is_package,
                problem=found.problem,
                full=report_only is not None and found.abspath in report_only,
            )
        )
    if request.stdin is not None and stdin_abspath is not None:
        module, is_package = namer.name(stdin_abspath)
        jobs.append(
            FileJob(
                display_path(stdin_abspath, cwd),
                stdin_abspath,
                module,
                is_package,
                data=request.stdin[1],
                full=True,
            )
        )
    if boundary is not None and other_projects is not None:
        other_projects.update(boundary.found)
    if report_under:
        report_only = {
            job.abspath for job in jobs if any(is_under(job.abspath, g) for g in report_under)
        }
    return jobs, report_only


def unsuppressed_diagnostics(
    results: Sequence[FileResult],
    index: ProjectIndex,
    enabled: frozenset[str],
    options: dict[str, Any],
    report: RunReport,
    project_diagnostics: Sequence[Diagnostic] | None = None,
) -> list[Diagnostic]:
    """Phase 2 for the files of ``results``, before suppression: per-file findings whose
    task condition holds and project-rule findings on those files, fixes reviewed."""
    reported_paths = {r.path for r in results}
    diagnostics: list[Diagnostic] = []
    for result in results:
        diagnostics.extend(d for d in result.diagnostics if _condition_holds(d, index))
    if project_diagnostics is None:
        project_diagnostics = run_project_rules(index, enabled, options, report)
    diagnostics.extend(d for d in project_diagnostics if d.path in reported_paths)
    return [
        d
        if d.condition is None
        else Diagnostic(d.code, d.message, d.path, d.span, d.severity, d.fix)
        for d in (review_fix(d, index) for d in diagnostics)
    ]


def suppressed(
    diagnostics: Sequence[Diagnostic],
    suppressions: dict[str, Suppressions],
    enabled: frozenset[str],
    settings: Settings,
) -> list[Diagnostic]:
    """Selection, per-file-ignores and ``noqa`` (unused ``noqa`` reported), in report order."""
    return sorted(
        set(apply_suppressions(diagnostics, suppressions, enabled, settings)),
        key=lambda d: d.sort_key,
    )


def finish_diagnostics(
    results: Sequence[FileResult],
    index: ProjectIndex,
    enabled: frozenset[str],
    options: dict[str, Any],
    settings: Settings,
    report: RunReport,
    project_diagnostics: Sequence[Diagnostic] | None = None,
) -> list[Diagnostic]:
    """Phase 2 for the files of ``results``: per-file findings whose task condition holds,
    project-rule findings on those files, then selection, per-file-ignores and ``noqa``.

    Reused by the language server, which keeps ``index`` in memory across edits and passes
    ``project_diagnostics`` (the project rules' findings for this same ``index``) while the
    index has not changed, instead of running the project rules again.
    """
    found = unsuppressed_diagnostics(results, index, enabled, options, report, project_diagnostics)
    return suppressed(found, {r.path: r.suppressions for r in results}, enabled, settings)


def cache_for(
    request: RunRequest, options: dict[str, Any], *, lazy: bool = False
) -> ResultCache | None:
    if request.cache_dir is None:
        return None
    settings = request.settings
    key = config_key(
        (
            sorted(request.enabled),
            sorted((code, repr(value)) for code, value in options.items()),
            tuple(str(p) for p in settings.src or ()),
            request.prefilter,
            str(request.cwd),
        )
    )
    return ResultCache(request.cache_dir, key, lazy=lazy)


def job_key(job: FileJob) -> str:
    return f"{job.abspath}\0{'full' if job.full else 'auto'}"


def phase_one_cached(
    jobs: Sequence[FileJob],
    enabled: frozenset[str],
    options: dict[str, Any],
    processes: int,
    prefilter: bool,
    cache: ResultCache | None,
    pool: PhaseOnePool | None = None,
) -> list[FileResult]:
    """Phase 1, reusing cached results for files whose stat or content is unchanged."""
    results: list[FileResult | None] = [None] * len(jobs)
    todo: list[int] = []
    for i, job in enumerate(jobs):
        if cache is None or job.data is not None or job.problem is not None:
            todo.append(i)
            continue
        try:
            stat: os.stat_result | None = os.stat(job.abspath)
        except OSError:
            stat = None
        key = job_key(job)
        hit = None
        if not job.full:
            # a full analysis is always a valid answer for a file the prefilter may skip
            # (the prefilter never changes the output): files promoted last time are not
            # promoted again, round by round
            hit = cache.get(job_key(dataclasses.replace(job, full=True)), job.path, stat)
        if hit is None:
            hit = cache.get(key, job.path, stat)
        if hit is None and cache.entry(key) is not None:
            data, _ = read_bytes(job.abspath)
            if data is not None:
                hit = cache.get_by_content(key, job.path, content_hash(data))
                if hit is not None:
                    cache.put(key, stat, content_hash(data), hit)
        if hit is not None:
            results[i] = hit
        else:
            todo.append(i)
    computed = run_phase_one(
        [jobs[i] for i in todo], enabled, options, processes, prefilter=prefilter, pool=pool
    )
    for i, result in zip(todo, computed, strict=True):
        results[i] = result
        job = jobs[i]
        if cache is not None and job.data is None and job.problem is None and not result.crashes:
            data, _ = read_bytes(job.abspath)
            if data is not None:
                try:
                    stat = os.stat(job.abspath)
                except OSError:
                    continue
                cache.put(job_key(job), stat, content_hash(data), result)
    return [r for r in results if r is not None]


#: promotion rounds, at most: a light file that imports a task module is analysed in full;
#: a file that imports a wrapper defined in such a file needs one more round, and so on
#: down an import chain (each round only re-checks the newly promoted files)
PROMOTION_ROUNDS = 10


def analyse(request: RunRequest, jobs: list[FileJob]) -> tuple[list[FileResult], ProjectIndex]:
    """Phase 1 for ``jobs`` (cached; files the index shows to matter promoted to a full
    analysis, round by round) and the project index of the results. Promoted jobs are
    replaced in ``jobs``."""
    settings = request.settings
    enabled = request.enabled
    options = dict(settings.rule_options)
    processes = request.jobs if request.jobs > 0 else (os.cpu_count() or 1)
    cache = cache_for(request, options)
    pool = PhaseOnePool(enabled, options, processes, request.prefilter)
    try:
        results = phase_one_cached(
            jobs, enabled, options, processes, request.prefilter, cache, pool
        )
        index = ProjectIndex((r.facts for r in results if r.facts is not None), settings)
        for _ in range(PROMOTION_ROUNDS if request.prefilter else 0):
            light = [r.facts for r in results if r.light and r.facts is not None]
            promote = set(to_promote(index, light))
            if not promote:
                break
            position = {job.path: i for i, job in enumerate(jobs)}
            chosen = [i for path in sorted(promote) if (i := position.get(path)) is not None]
            upgraded = [dataclasses.replace(jobs[i], full=True) for i in chosen]
            redone = phase_one_cached(
                upgraded, enabled, options, processes, request.prefilter, cache, pool
            )
            for i, job, result in zip(chosen, upgraded, redone, strict=True):
                jobs[i] = job
                results[i] = result
            index = ProjectIndex((r.facts for r in results if r.facts is not None), settings)
    finally:
        pool.close()
    if cache is not None:
        cache.save()
    return results, index


def run(request: RunRequest) -> RunReport:
    settings = request.settings
    enabled = request.enabled
    options = dict(settings.rule_options)
    report = RunReport()
    keep = request.manifest_key is not None and request.cache_dir is not None
    trace = Trace() if keep and request.stdin is None else None
    if trace is not None:
        assert request.cache_dir is not None
        # created before discovery lists its parent, so the first save does not make the
        # manifest stale at once
        ensure_directory(request.cache_dir)
    known = _unchanged_listing(request) if trace is not None else None
    if known is not None:
        from celerylint.engine.incremental import early_cutoff

        cut = early_cutoff(request, known)
        if cut is not None:
            return cut
    jobs, report_only = plan_jobs(request, trace, known, report.other_projects)
    listing = dict(trace.stats) if trace is not None else {}
    if trace is not None:  # before any file is read
        for job in jobs:
            trace.record(job.abspath)
    results, index = analyse(request, jobs)
    reported_paths = {job.path for job in jobs if report_only is None or job.abspath in report_only}
    for result in results:
        report.crashes.extend(result.crashes)
    # a run on the project root alone: what any run on part of the project indexes too
    root = str(settings.root)
    whole = (
        trace is not None
        and bool(request.paths)
        and all(os.path.abspath(p) == root for p in request.paths)
        and not report.crashes
    )
    finished = results if whole else [r for r in results if r.path in reported_paths]
    unsuppressed = unsuppressed_diagnostics(finished, index, enabled, options, report)
    everything = suppressed(
        unsuppressed, {r.path: r.suppressions for r in finished}, enabled, settings
    )
    report.diagnostics = [d for d in everything if d.path in reported_paths]
    report.files_checked = len(reported_paths)
    report.files_indexed = len(jobs)
    report.files_analysed = sum(1 for r in results if not r.light)
    if whole and not report.crashes:
        assert trace is not None and request.manifest_key is not None
        assert request.cache_dir is not None
        _keep_manifest(
            request,
            trace,
            listing,
            jobs,
            index,
            everything,
            report.files_analysed,
            report.other_projects,
            unsuppressed,
        )
    return report


def _unchanged_listing(request: RunRequest) -> Manifest | None:
    """The last whole-project run's manifest when discovery would find the same files for
    this request (the pre-commit case: one file changed, no file added or removed)."""
    from celerylint.engine import manifest

    kept = manifest.usable(request)
    return kept if kept is not None and manifest.listing_fresh(kept) else None


def _keep_manifest(
    request: RunRequest,
    trace: Trace,
    listing: dict[str, Stat],
    jobs: Sequence[FileJob],
    index: ProjectIndex,
    diagnostics: Sequence[Diagnostic],
    analysed: int,
    trace_nested: set[str],
    unsuppressed: Sequence[Diagnostic],
) -> None:
    from celerylint.engine import manifest
    from celerylint.project.config_model import ProjectConfig

    assert request.manifest_key is not None and request.cache_dir is not None
    stats = dict(trace.stats)
    config = ProjectConfig.existing(index)
    if config is not None:
        stats.update(config.files.stats)
    manifest.save(
        request.cache_dir,
        manifest.Manifest(
            request.manifest_key,
            str(request.settings.root),
            frozenset(trace.walked),
            tuple(sorted(stats.items())),
            tuple(sorted(listing.items())),
            tuple((j.abspath, j.path, j.module, j.is_package, j.problem) for j in jobs),
            tuple(diagnostics),
            analysed,
            tuple(sorted(trace_nested)),
            tuple(sorted(set(unsuppressed), key=lambda d: d.sort_key)),
            frozenset(j.abspath for j in jobs if j.full),
        ),
    )
