"""A run over several projects: each file is checked with its nearest configuration.

The paths of a run are grouped by the configuration that applies to them
(``ConfigResolver``); each group is one project, checked on its own: its files, its
settings, its project index (the project rules see the files of their own project only,
so one service's settings never decide a finding in another), its cache and its run
manifest. A directory found while walking that has a configuration of its own is left to
that configuration's project, which is then checked too. Projects run in the order of
their root directories (outer ones first) and the findings are merged in report order, so
the order of the paths on the command line changes nothing.

Light: the warm path (a replayed run) imports this, the configuration and the manifest
only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from celerylint.config import ConfigResolver, Settings
from celerylint.engine.request import RunReport
from celerylint.files import is_under


def group_paths(paths: Sequence[Path], resolver: ConfigResolver) -> dict[Path | None, list[Path]]:
    """The paths of each configuration (None: no configuration file)."""
    groups: dict[Path | None, list[Path]] = {}
    for path in paths:
        groups.setdefault(resolver.config_for(path), []).append(path)
    return groups


def _order(config: Path | None, resolver: ConfigResolver) -> tuple[str, ...]:
    """Outer projects first: a project found inside another one's walk comes after it (and
    so after every project already checked), so no project is checked twice."""
    root = Path(os.path.abspath(config)).parent if config is not None else resolver.default_root
    return root.parts


def run_projects(
    paths: Sequence[Path],
    resolver: ConfigResolver,
    execute: Callable[[Settings, list[Path]], RunReport],
) -> RunReport:
    """``execute`` each project of ``paths`` (its settings, its paths in sorted order) and
    merge the reports. Raises ``ConfigError`` for the first configuration that is wrong."""
    pending = group_paths(paths, resolver)
    done: dict[Path | None, list[str]] = {}
    total = RunReport()
    while pending:
        config = min(pending, key=lambda c: _order(c, resolver))
        checked = done.setdefault(config, [])
        group = sorted(
            {
                p
                for p in pending.pop(config)
                if not any(is_under(os.path.abspath(p), d) for d in checked)
            },
            key=os.path.abspath,
        )
        if not group:
            continue
        checked.extend(os.path.abspath(p) for p in group)
        report = execute(resolver.settings(config), group)
        total.merge(report)
        given = [os.path.abspath(p) for p in group if os.path.isdir(p)]
        for directory in sorted(report.other_projects):
            if any(is_under(directory, g) for g in given):
                pending.setdefault(resolver.config_for(directory), []).append(Path(directory))
    total.other_projects = set()
    return total
