"""One project's pipeline, shared by ``check``, ``--fix`` and the language server.

A :class:`Session` owns what a project's run needs: the request (settings, enabled rules
and their options), the result cache, the phase-one pool, and the current state of the
project: each file's job and phase-1 result, the project index built from their facts and
the project rules' findings for that index. Its steps:

- ``plan()``: the files to analyse and which of them to report (``engine/plan.py``);
- ``phase_one(jobs)``: per-file results, from the cache or computed (in the pool);
- ``analyse(jobs)``: phase 1 for ``jobs``, kept as the project's state, then the files
  the index shows to matter promoted to a full analysis, round by round (the prefilter);
  called again with changed jobs (``--fix`` after a round of fixes) it re-checks those
  alone;
- ``finish(paths)``: phase 2 for those files (``engine/phase_two.py``): task conditions,
  fix reviews, project rules (run once per index: reused while the index is unchanged),
  selection, per-file-ignores and ``noqa``.

``engine/runner.py`` (check: plan, analyse, finish, manifest), ``engine/fixes.py``
(``--fix``: the same, then re-analyse the fixed files in memory, round by round) and
``lsp/project.py`` (phase 1 per edited buffer, the index kept across edits) drive it.

Data given in memory (stdin, a fixed file, an edited buffer) is cached by its content
only, never under the stat of the file on disk.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from celerylint.diagnostics import Diagnostic
from celerylint.engine.file_pass import FileResult
from celerylint.engine.line_shift import align, move_findings
from celerylint.engine.phase_one import PhaseOnePool, cache_for, cache_result, cached_result
from celerylint.engine.phase_two import (
    finish_diagnostics,
    run_project_rules,
    suppressed,
    unsuppressed_diagnostics,
)
from celerylint.engine.plan import FileJob, plan_project
from celerylint.engine.prefilter import to_promote
from celerylint.engine.request import RunRequest
from celerylint.engine.suppression import UNUSED_NOQA
from celerylint.engine.walker import RuleCrash
from celerylint.factdata import ModuleFacts
from celerylint.files import MISSING, Stat, Trace
from celerylint.project.index import ProjectIndex
from celerylint.rules import rules_by_code

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from celerylint.engine.manifest import Manifest

#: promotion rounds, at most: a light file that imports a task module is analysed in full;
#: a file that imports a wrapper defined in such a file needs one more round, and so on
#: down an import chain (each round only re-checks the newly promoted files)
PROMOTION_ROUNDS = 10

#: ``Session._project_findings`` holds findings for the next index built
_NEXT = object()


@dataclass
class Plan:
    """The files of a run: every job to analyse, and which are reported."""

    jobs: list[FileJob]
    #: absolute paths of the files to report (None: all of them)
    report_only: set[str] | None
    #: directories left to projects of their own (``RunReport.other_projects``)
    other_projects: set[str] = field(default_factory=set)
    #: the jobs are the project's own (``engine/plan.py::Planned``)
    complete: bool = False

    @property
    def reported(self) -> set[str]:
        """The displayed paths of the reported files."""
        only = self.report_only
        return {job.path for job in self.jobs if only is None or job.abspath in only}


class Session:
    """One project's pipeline and its current state (see the module's docstring).

    ``sticky_facts``: a file whose new result has no facts (an edited buffer that does not
    parse mid-edit) keeps its last good facts in the index, so that cross-file findings
    elsewhere do not flicker (the language server)."""

    def __init__(
        self,
        request: RunRequest,
        *,
        mp_context: BaseContext | None = None,
        sticky_facts: bool = False,
    ) -> None:
        self.request = request
        self.settings = request.settings
        self.enabled = request.enabled
        self.options = dict(request.settings.rule_options)
        self.processes = request.processes
        self.cache = cache_for(request, self.options)
        self.pool = PhaseOnePool(
            self.enabled, self.options, self.processes, request.prefilter, mp_context
        )
        self.sticky_facts = sticky_facts
        #: the project's files: their jobs (as last analysed) and phase-1 results, by path
        self.jobs: dict[str, FileJob] = {}
        self.results: dict[str, FileResult] = {}
        #: the facts the index is built from, by path
        self.facts: dict[str, ModuleFacts] = {}
        #: the files phase 1 computed in this session rather than found in the cache
        #: (the files that changed since the cache last saw them)
        self.computed: set[str] = set()
        self._unsaved = False
        #: the stat of files the run took before reading them (the run manifest's trace):
        #: phase 1 looks their results up in the cache by it instead of taking it again
        self.stats: Mapping[str, Stat] = {}
        self._index: ProjectIndex | None = None
        #: the project rules' findings and failures, for an index (or ``_NEXT``: for the
        #: next one built, moved from the last one's)
        self._project_findings: tuple[object, list[Diagnostic], list[RuleCrash]] | None
        self._project_findings = None

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the pool's workers and save the cache (the session stays usable: the pool
        starts again when needed)."""
        self.pool.close()
        self.save_cache()

    def save_cache(self) -> None:
        """Write what phase 1 added to the cache since the last save."""
        if self.cache is not None and self._unsaved:
            self.cache.save(existing={p for p, stat in self.stats.items() if stat != MISSING})
        self._unsaved = False

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the plan --------------------------------------------------------------------------

    def plan(
        self,
        trace: Trace | None = None,
        known: Manifest | None = None,
        skipped: list[tuple[str, str]] | None = None,
    ) -> Plan:
        """The files of the request (``engine/plan.py::plan_project``)."""
        other: set[str] = set()
        planned = plan_project(self.request, trace, known, other, skipped)
        return Plan(planned.jobs, planned.report_only, other, planned.complete)

    # -- phase 1 ---------------------------------------------------------------------------

    def phase_one(self, jobs: Sequence[FileJob]) -> list[FileResult]:
        """Phase 1 for ``jobs``, in their order: cached results for files whose stat or
        content is unchanged, the others computed (in the pool) and cached. Changes
        nothing but the cache."""
        results: list[FileResult | None] = [None] * len(jobs)
        todo: list[int] = []
        cache = self.cache
        stats = self.stats
        for i, job in enumerate(jobs):
            hit = cached_result(cache, job, stats.get(job.abspath)) if cache is not None else None
            if hit is None:
                todo.append(i)
            else:
                results[i] = hit
        self._unsaved = cache is not None
        computed = self.pool.run([jobs[i] for i in todo])
        for i, result in zip(todo, computed, strict=True):
            results[i] = result
            self.computed.add(result.path)
            if cache is not None:
                cache_result(cache, jobs[i], result)
        return [r for r in results if r is not None]

    def store(self, job: FileJob | None, result: FileResult) -> None:
        """Make ``result`` (of ``job``, if known) the file's current result. The index is
        rebuilt (lazily) only when the file's facts changed."""
        path = result.path
        if job is not None:
            self.jobs[path] = job
        self.results[path] = result
        facts = result.facts
        if facts is None and (self.sticky_facts or path not in self.facts):
            return
        if facts is None:
            del self.facts[path]
            self._changed()
        elif (old := self.facts.get(path)) != facts:
            self.facts[path] = facts
            self._changed(path, old, facts)

    def _changed(
        self, path: str = "", old: ModuleFacts | None = None, new: ModuleFacts | None = None
    ) -> None:
        """The facts changed: the index is rebuilt when next needed. When a file's facts
        only moved lines (``engine/line_shift.py``), the project rules' findings for the
        index before, moved the same way, are the findings for the next one (an editor's
        new line above a task costs no project rules)."""
        found, self._project_findings = self._project_findings, None
        index, self._index = self._index, None
        if found is None or old is None or new is None:
            return
        if found[0] is not _NEXT and (index is None or found[0] is not index):
            return  # findings for an older index
        shift = align(old, new)
        moved = move_findings(found[1], {path: shift}) if shift is not None else None
        if moved is not None:
            self._project_findings = (_NEXT, moved, found[2])

    def forget(self, abspath: str) -> None:
        """Drop the file (or every file below the directory) ``abspath``."""
        prefix = abspath.rstrip(os.sep) + os.sep
        gone = [p for p in self.results if p == abspath or p.startswith(prefix)]
        gone += [p for p in self.facts if p == abspath or p.startswith(prefix)]
        for path in gone:
            self.jobs.pop(path, None)
            self.results.pop(path, None)
            self.facts.pop(path, None)
        self._changed()

    def reset(self) -> None:
        """Forget every file (before a new scan of the project is installed)."""
        self.jobs.clear()
        self.results.clear()
        self.facts.clear()
        self._changed()

    def analyse(self, jobs: Sequence[FileJob]) -> list[FileResult]:
        """Phase 1 for ``jobs`` (new files, or files whose content changed), kept as the
        project's state; then, with the prefilter, the files the index shows to matter are
        analysed in full, round by round. Returns the results of ``jobs`` (promoted ones
        included)."""
        for job, result in zip(jobs, self.phase_one(jobs), strict=True):
            self.store(job, result)
        for _ in range(PROMOTION_ROUNDS if self.request.prefilter else 0):
            light = [r.facts for r in self.results.values() if r.light and r.facts is not None]
            promote = set(to_promote(self.index, light))
            upgraded = [
                dataclasses.replace(self.jobs[path], full=True)
                for path in sorted(promote)
                if path in self.jobs
            ]
            if not upgraded:
                break
            for job, result in zip(upgraded, self.phase_one(upgraded), strict=True):
                self.store(job, result)
        return [self.results[job.path] for job in jobs]

    # -- phase 2 ---------------------------------------------------------------------------

    @property
    def index(self) -> ProjectIndex:
        """The project index of the current facts (rebuilt after a change of facts)."""
        if self._index is None:
            origins = {path: job.abspath for path, job in self.jobs.items()}
            self._index = ProjectIndex(self.facts.values(), self.settings, origins)
        return self._index

    def project_findings(self) -> tuple[list[Diagnostic], list[RuleCrash]]:
        """The project rules' findings (and failures) for the current index: computed once
        per index."""
        index = self.index
        found = self._project_findings
        if found is not None and found[0] is _NEXT:
            found = self._project_findings = (index, found[1], found[2])
        if found is None or found[0] is not index:
            crashes: list[RuleCrash] = []
            diagnostics = run_project_rules(index, self.enabled, self.options, crashes)
            found = self._project_findings = (index, diagnostics, crashes)
        return found[1], found[2]

    def finish(
        self, paths: Iterable[str], crashes: list[RuleCrash], *, provisional: bool = False
    ) -> list[Diagnostic]:
        """Phase 2 for the files at ``paths`` (displayed paths), in report order; the
        project rules' failures are added to ``crashes``.

        ``provisional`` (the language server, before the project is indexed): per-file
        findings only; project rules, findings that need the index to confirm a task and
        unused-``noqa`` reports (which depend on all of those) wait for the index rather
        than guess."""
        results = [self.results[p] for p in paths if p in self.results]
        if provisional:
            enabled = frozenset(
                code
                for code, rule in rules_by_code().items()
                if code in self.enabled and not rule.project and code != UNUSED_NOQA
            )
            empty = ProjectIndex((), self.settings)
            return finish_diagnostics(results, empty, enabled, self.settings, ())
        project, failed = self.project_findings()
        crashes.extend(failed)
        return finish_diagnostics(results, self.index, self.enabled, self.settings, project)

    def finish_unsuppressed(
        self, paths: Iterable[str], crashes: list[RuleCrash]
    ) -> tuple[list[Diagnostic], list[Diagnostic]]:
        """``finish`` for the files at ``paths``, with the findings before suppression
        too (the run manifest keeps them for the early cutoff, ``engine/incremental.py``)."""
        results = [self.results[p] for p in paths if p in self.results]
        project, failed = self.project_findings()
        crashes.extend(failed)
        found = unsuppressed_diagnostics(results, self.index, project)
        kept = suppressed(
            found, {r.path: r.suppressions for r in results}, self.enabled, self.settings
        )
        return kept, found

    def file_crashes(self) -> list[RuleCrash]:
        """The failures of phase 1, every file's, in the project's order."""
        return [crash for result in self.results.values() for crash in result.crashes]
