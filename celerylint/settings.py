"""The resolved settings of one project: what ``pyproject.toml`` (``[tool.celerylint]``)
says, as plain data. Loading and validating them is ``config.py``'s job; the layers below
the pipeline (the project index) read them from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    root: Path
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    src: tuple[Path, ...] | None = None
    respect_gitignore: bool = True
    rule_options: Mapping[str, Any] = field(default_factory=dict)
    #: project-model keys (settings classification, routing) read by later rule families
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: the configuration files this one inherits through ``extend``, nearest first
    extends: tuple[Path, ...] = ()
    #: the rule selection of each inherited file, farthest first: applied in turn before
    #: this file's own (as ruff layers them), so ``extend-select`` or ``ignore`` here edit
    #: the inherited set and ``select`` here replaces it
    inherited_selection: tuple[
        tuple[tuple[str, ...] | None, tuple[str, ...], tuple[str, ...]], ...
    ] = ()
