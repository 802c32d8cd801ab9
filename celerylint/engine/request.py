"""What a run is asked to do and what it reports (light: the warm path imports only this,
the configuration and the manifest, never the parser)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from celerylint.config import ConfigResolver, Settings
from celerylint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from celerylint.engine.walker import RuleCrash


@dataclass
class RunReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    crashes: list[RuleCrash] = field(default_factory=list)
    files_checked: int = 0
    files_indexed: int = 0
    files_analysed: int = 0  # parsed in full (the rest were skipped by the prefilter)
    #: directories below the run's paths that have a configuration of their own: their
    #: files belong to another project, checked with that configuration
    other_projects: set[str] = field(default_factory=set)

    def merge(self, other: RunReport) -> None:
        """Add the report of another project of the same run."""
        self.diagnostics = sorted(
            set(self.diagnostics) | set(other.diagnostics), key=lambda d: d.sort_key
        )
        self.crashes.extend(other.crashes)
        self.files_checked += other.files_checked
        self.files_indexed += other.files_indexed
        self.files_analysed += other.files_analysed
        self.other_projects |= other.other_projects


@dataclass(frozen=True)
class RunRequest:
    paths: Sequence[Path]
    settings: Settings
    enabled: frozenset[str]
    jobs: int = 0
    stdin: tuple[str, bytes] | None = None  # (filename, content)
    cwd: Path = field(default_factory=Path.cwd)
    force_exclude: bool = False  # apply exclude/extend-exclude to files named explicitly
    prefilter: bool = True  # skip parsing files that cannot matter (engine/prefilter.py)
    cache_dir: Path | None = None  # None: no cache
    #: the run manifest's key (``engine/manifest.py``); None: do not keep one
    manifest_key: str | None = None
    #: which configuration each directory has: discovery leaves the directories with a
    #: configuration other than ``settings`` to their own project. None: one project
    resolver: ConfigResolver | None = None

    @property
    def processes(self) -> int:
        """Worker processes for phase 1: ``jobs``, or every core when it is 0."""
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)
