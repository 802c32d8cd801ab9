"""What a run is asked to do and what it reports (light: the warm path imports only this,
the configuration and the manifest, never the parser)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from celerylint.config import Settings
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
