"""What a run covers: the enabled rules, and the files to analyse (and which of them to
report), from the request's paths, stdin and the project's configuration."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from celerylint.config import Settings
from celerylint.engine.request import RunRequest
from celerylint.facts.modules import ModuleNamer
from celerylint.files import DEFAULT_EXCLUDE, Boundary, Trace, discover, is_under
from celerylint.rules import all_rules
from celerylint.selection import resolve_layers

if TYPE_CHECKING:
    from celerylint.engine.manifest import Manifest


@dataclass(frozen=True)
class FileJob:
    path: str  # displayed
    abspath: str
    module: str
    is_package: bool
    data: bytes | None = None  # given (stdin, a fixed or edited buffer) instead of read
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


def display_path(abspath: str, cwd: Path) -> str:
    try:
        rel = os.path.relpath(abspath, cwd)
    except ValueError:
        return abspath
    return abspath if rel.startswith("..") else rel


@dataclass
class _Scope:
    """What discovery walks, and which of the files it finds are reported."""

    paths: list[Path]
    report_only: set[str] | None = None
    report_under: tuple[str, ...] = ()
    stdin_abspath: str | None = None
    jobs: list[FileJob] = field(default_factory=list)
    #: the project root is walked first, then ``paths`` (files and directories inside it)
    root_first: bool = False


def _scope(request: RunRequest) -> _Scope:
    """Stdin or named files: index the whole project, report only those; directories
    inside the project: index the whole project (so cross-file rules see the settings and
    routes that live elsewhere), report only under them. The project is walked first, so
    that its files come in the order a run on the root gives them."""
    settings = request.settings
    paths = list(request.paths)
    if request.stdin is not None:
        stdin_abspath = os.path.abspath(request.stdin[0])
        inside = Path(stdin_abspath).is_relative_to(settings.root)
        return _Scope([settings.root] if inside else [], {stdin_abspath}, (), stdin_abspath)
    if paths and all(not p.is_dir() for p in paths):
        report_only = {os.path.abspath(p) for p in paths}
        if all(Path(p).is_relative_to(settings.root) for p in report_only):
            return _Scope(paths, report_only, root_first=True)
        return _Scope(paths, report_only)
    if paths:
        given = [os.path.abspath(p) for p in paths]
        root = str(settings.root)
        if root not in given and all(Path(g).is_relative_to(settings.root) for g in given):
            return _Scope(paths, None, tuple(given), root_first=True)
    return _Scope(paths)


def _boundary(request: RunRequest, skipped: list[tuple[str, str]] | None) -> Boundary | None:
    """With a resolver, directories with a configuration of their own are left out."""
    resolver = request.resolver
    if resolver is not None:
        config = request.settings.config_path
        return Boundary(lambda d: resolver.starts_other_project(d, config), skipped=skipped)
    if skipped is not None:
        return Boundary(lambda d: False, skipped=skipped)
    return None


def _known_jobs(
    scope: _Scope, known: Manifest, trace: Trace | None, boundary: Boundary | None
) -> None:
    """The last manifest's files, in place of discovery (its listing is unchanged)."""
    if trace is not None:
        trace.stats.update(known.listing)
        trace.walked.update(known.walked)
        trace.names.update(known.names)
    if boundary is not None:
        boundary.found.update(known.nested)
    report_only = scope.report_only
    for abspath, display, module, is_package, problem in known.jobs:
        full = report_only is not None and abspath in report_only
        scope.jobs.append(FileJob(display, abspath, module, is_package, None, problem, full))


def _discovered_jobs(
    request: RunRequest, scope: _Scope, trace: Trace | None, boundary: Boundary | None
) -> bool:
    """Discovery's files as jobs; whether they are the project's own (the files a run on
    the root alone finds: no path was named that its walk leaves out)."""
    settings = request.settings
    namer = ModuleNamer(settings.src)
    exclude = (*(settings.exclude or DEFAULT_EXCLUDE), *settings.extend_exclude)
    report_only = scope.report_only
    paths = [settings.root, *scope.paths] if scope.root_first else scope.paths
    found_files = discover(
        paths,
        settings.root,
        exclude,
        settings.respect_gitignore,
        request.force_exclude,
        trace,
        boundary,
    )
    # the root is walked first and every file comes from that walk (the paths after it
    # add none)
    complete = bool(paths) and os.path.abspath(paths[0]) == str(settings.root)
    for found in found_files:
        complete = complete and found.given == 0
        if found.abspath == scope.stdin_abspath:
            continue
        module, is_package = namer.name(found.abspath)
        scope.jobs.append(
            FileJob(
                display_path(found.abspath, request.cwd),
                found.abspath,
                module,
                is_package,
                problem=found.problem,
                full=report_only is not None and found.abspath in report_only,
            )
        )
    return complete and scope.stdin_abspath is None


@dataclass(frozen=True)
class Planned:
    """The files of a run: every job to analyse and, when only some are to be reported,
    which (absolute paths); ``complete``: the jobs are the project's own, the files a run
    on the root alone would plan (so its findings on all of them are the project's)."""

    jobs: list[FileJob]
    report_only: set[str] | None
    complete: bool


def plan_jobs(
    request: RunRequest,
    trace: Trace | None = None,
    known: Manifest | None = None,
    other_projects: set[str] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> tuple[list[FileJob], set[str] | None]:
    """The files to analyse and, when only some are to be reported, which
    (``plan_project``)."""
    planned = plan_project(request, trace, known, other_projects, skipped)
    return planned.jobs, planned.report_only


def plan_project(
    request: RunRequest,
    trace: Trace | None = None,
    known: Manifest | None = None,
    other_projects: set[str] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> Planned:
    """The files to analyse and, when only some are to be reported, which. ``trace``
    collects what discovery read (for the run manifest); ``known``, a manifest whose
    listing is unchanged and whose walk covers the request, stands in for discovery.
    With a resolver, directories with a configuration of their own are left out and
    added to ``other_projects``; ``skipped`` collects what discovery passed over, and why."""
    scope = _scope(request)
    boundary = _boundary(request, skipped)
    if known is not None:
        _known_jobs(scope, known, trace, boundary)
        complete = request.stdin is None
    else:
        complete = _discovered_jobs(request, scope, trace, boundary)
    jobs = scope.jobs
    if request.stdin is not None and scope.stdin_abspath is not None:
        module, is_package = ModuleNamer(request.settings.src).name(scope.stdin_abspath)
        jobs.append(
            FileJob(
                display_path(scope.stdin_abspath, request.cwd),
                scope.stdin_abspath,
                module,
                is_package,
                data=request.stdin[1],
                full=True,
            )
        )
    if boundary is not None and other_projects is not None:
        other_projects.update(boundary.found)
    report_only = scope.report_only
    if scope.report_under:
        report_only = {
            job.abspath for job in jobs if any(is_under(job.abspath, g) for g in scope.report_under)
        }
    return Planned(jobs, report_only, complete)
