"""Phase 1 for many files: in-process or in a pool of worker processes (reused by every
promotion round of a run), each result looked up in and stored to the result cache."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from celerylint.engine import gc_tuning
from celerylint.engine.cache import ResultCache, config_key, content_hash
from celerylint.engine.file_pass import (
    FileResult,
    check_file,
    error_result,
    light_result,
    on_large_stack,
)
from celerylint.engine.plan import FileJob
from celerylint.engine.prefilter import analyse_in_full
from celerylint.engine.request import RunRequest
from celerylint.engine.source import read_bytes
from celerylint.engine.walker import RuleCrash
from celerylint.files import MISSING, Stat, stat_of
from celerylint.rules import all_rules
from celerylint.rules.base import FileRule, Rule

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

#: below this many files the pool costs more than it saves
PARALLEL_THRESHOLD = 24

_WORKER_RULES: list[tuple[type[Rule], Any]] | None = None
_WORKER_PREFILTER = True


def file_rules(enabled: frozenset[str], options: dict[str, Any]) -> list[tuple[type[Rule], Any]]:
    """The enabled rules with phase-1 work: per-file rules, and rules with a collector."""
    out: list[tuple[type[Rule], Any]] = []
    for rule in all_rules():
        if rule.code in enabled and (issubclass(rule, FileRule) or rule.collector is not None):
            out.append((rule, options.get(rule.code, rule.default_options())))
    return out


def _init_worker(enabled: frozenset[str], options: dict[str, Any], prefilter: bool = True) -> None:
    global _WORKER_RULES, _WORKER_PREFILTER
    gc_tuning.for_batch_run()  # a forked worker has it already, a spawned one not
    _WORKER_RULES = file_rules(enabled, options)
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
    promotion round of the run (a pool costs each worker its imports); ``close`` stops
    them, and the next ``run`` that needs them starts new ones."""

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
            rules = file_rules(self.enabled, self.options)
            prefilter = self.prefilter
            return on_large_stack(lambda: [_run_job(job, rules, prefilter) for job in jobs])
        if self._executor is None:
            from concurrent.futures import ProcessPoolExecutor  # 10 ms: only for a pool

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
) -> list[FileResult]:
    """Phase 1 for every job, uncached, in a pool of its own (for tests and tools that
    want just the per-file results; runs go through ``engine/session.py``)."""
    pool = PhaseOnePool(enabled, options, processes, prefilter, mp_context)
    try:
        return pool.run(jobs)
    finally:
        pool.close()


# -- the result cache ----------------------------------------------------------------------


def cache_for(
    request: RunRequest, options: dict[str, Any], *, lazy: bool = False
) -> ResultCache | None:
    """The request's result cache (None without a cache directory), keyed by everything
    that shapes a file's result."""
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


def job_key(job: FileJob, full: bool | None = None) -> str:
    full = job.full if full is None else full
    return f"{job.abspath}\0{'full' if full else 'auto'}"


def lookups(job: FileJob) -> tuple[bool, ...]:
    """Which analyses of ``job`` may answer for it, in the order they are looked up (True:
    the full one). A full analysis is always a valid answer for a file the prefilter may
    skip (the prefilter never changes the output), so files promoted last time are not
    promoted again, round by round."""
    return (True,) if job.full else (True, False)


def _keys(job: FileJob) -> list[str]:
    """Where a result for ``job`` may be (``lookups``)."""
    return [job_key(job, full) for full in lookups(job)]


def cached_result(cache: ResultCache, job: FileJob, stat: Stat | None = None) -> FileResult | None:
    """The cached result for ``job``: by stat for a file on disk (then by content when the
    stat changed), by content only for data given in memory. ``stat``: the file's stat,
    when the run has just taken it (before reading the file); else it is taken here."""
    if job.problem is not None:
        return None
    keys = _keys(job)
    if job.data is not None:
        digest = content_hash(job.data)
        for key in keys:
            hit = cache.get_by_content(key, job.path, digest)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
        return None
    if stat is None:
        stat = stat_of(job.abspath)
    for key in keys:
        hit = cache.get(key, job.path, stat)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
    if all(cache.entry(key) is None for key in keys):
        return None
    data, _ = read_bytes(job.abspath)
    if data is None:
        return None
    digest = content_hash(data)
    for key in keys:
        hit = cache.get_by_content(key, job.path, digest)
        if hit is not None:
            cache.put(key, stat, digest, hit)
            return hit  # type: ignore[no-any-return]
    return None


def cache_result(cache: ResultCache, job: FileJob, result: FileResult) -> None:
    """Keep a computed result: under the stat and content of the file on disk, or, for data
    given in memory (stdin, a fixed file, an edited buffer), under its content only, never
    under the stat of the file on disk (which holds other bytes). A fixed file, once
    written, is then found by its content."""
    if job.problem is not None or result.crashes:
        return
    if job.data is not None:
        cache.put(job_key(job), MISSING, content_hash(job.data), result)
        return
    data, _ = read_bytes(job.abspath)
    if data is None:
        return
    stat = stat_of(job.abspath)
    if stat != MISSING:
        cache.put(job_key(job), stat, content_hash(data), result)
