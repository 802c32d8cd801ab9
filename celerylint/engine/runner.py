"""A check run of one project: plan, phase 1 (cached, prefiltered, promoted), phase 2,
through a :class:`~celerylint.engine.session.Session`; a run on the project root keeps
the run manifest (``engine/manifest.py``) for the next one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from celerylint.diagnostics import Diagnostic
from celerylint.engine.cache import ensure_directory
from celerylint.engine.phase_one import PARALLEL_THRESHOLD as PARALLEL_THRESHOLD
from celerylint.engine.phase_one import run_phase_one as run_phase_one
from celerylint.engine.phase_two import finish_diagnostics as finish_diagnostics
from celerylint.engine.plan import FileJob as FileJob
from celerylint.engine.plan import display_path as display_path
from celerylint.engine.plan import enabled_codes as enabled_codes
from celerylint.engine.plan import plan_jobs as plan_jobs
from celerylint.engine.request import RunReport as RunReport
from celerylint.engine.request import RunRequest as RunRequest
from celerylint.engine.session import Plan, Session
from celerylint.files import Stat, Trace

if TYPE_CHECKING:
    from celerylint.engine.manifest import Manifest


def run(request: RunRequest) -> RunReport:
    """Check one project (the CLI has already tried to replay the manifest)."""
    known = None
    if request.manifest_key is not None and request.cache_dir is not None and not request.stdin:
        known = _unchanged_listing(request)
        if known is not None:
            from celerylint.engine.incremental import early_cutoff

            # before the session loads the whole result cache
            cut = early_cutoff(request, known)
            if cut is not None:
                return cut
    with Session(request) as session:
        return _check(session, known)


def _check(session: Session, known: Manifest | None) -> RunReport:
    """The run, with ``known``: the last manifest, when its listing is still the project's
    (``_unchanged_listing``, asked once per run)."""
    request = session.request
    report = RunReport()
    keep = request.manifest_key is not None and request.cache_dir is not None
    trace = Trace() if keep and request.stdin is None else None
    if trace is not None:
        assert request.cache_dir is not None
        # created before discovery lists its parent, so the first save does not make the
        # manifest stale at once
        ensure_directory(request.cache_dir)
    else:
        known = None
    plan = session.plan(trace, known)
    report.other_projects = plan.other_projects
    listing = dict(trace.stats) if trace is not None else {}
    if trace is not None:  # before any file is read
        for job in plan.jobs:
            trace.record(job.abspath)
        session.stats = trace.stats
    results = session.analyse(plan.jobs)
    session.save_cache()
    reported = plan.reported
    report.crashes.extend(session.file_crashes())
    # every file of the project was planned (as a run on the root alone plans them, also
    # when only some are reported: pre-commit names the changed files), so the project's
    # findings on all of them are kept in the manifest for the next run
    whole = trace is not None and plan.complete and not report.crashes
    everything, unsuppressed = session.finish_unsuppressed(
        [r.path for r in results] if whole else sorted(reported), report.crashes
    )
    report.diagnostics = [d for d in everything if d.path in reported]
    report.files_checked = len(reported)
    report.files_indexed = len(plan.jobs)
    report.files_analysed = sum(1 for r in results if not r.light)
    if whole and not report.crashes:
        _keep_manifest(
            session, trace, listing, plan, everything, unsuppressed, report.files_analysed
        )
    return report


def _unchanged_listing(request: RunRequest) -> Manifest | None:
    """The last whole-project run's manifest when discovery would find the same files for
    this request (the pre-commit case: one file changed, no file added or removed)."""
    from celerylint.engine import manifest

    kept = manifest.usable(request)
    return kept if kept is not None and manifest.listing_fresh(kept) else None


def _keep_manifest(
    session: Session,
    trace: Trace | None,
    listing: dict[str, Stat],
    plan: Plan,
    diagnostics: Sequence[Diagnostic],
    unsuppressed: Sequence[Diagnostic],
    analysed: int,
) -> None:
    from celerylint.engine import manifest
    from celerylint.project.config_model import ProjectConfig

    request = session.request
    assert trace is not None
    assert request.manifest_key is not None and request.cache_dir is not None
    stats = dict(trace.stats)
    config = ProjectConfig.existing(session.index)
    if config is not None:
        stats.update(config.files.stats)
    jobs = plan.jobs
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
            tuple(sorted(plan.other_projects)),
            tuple(sorted(set(unsuppressed), key=lambda d: d.sort_key)),
            frozenset(j.abspath for j in jobs if j.full),
            tuple(sorted(trace.names.items())),
        ),
    )
