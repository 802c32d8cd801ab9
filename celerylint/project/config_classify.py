"""Classification of settings units (RULES.md Appendix B.3): production, test,
development or shared, from ``production-settings``/``test-settings`` globs, test modules,
``DJANGO_SETTINGS_MODULE`` references (wsgi/asgi, deployment files, pytest/tox/CI,
manage.py), the unit's own, class and package names, and whether an app reads it."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from celerylint.project.config_types import DraftUnit
from celerylint.semantics.config_env import Kind, name_kind
from celerylint.semantics.django import is_test_module


def classify(
    units: dict[str, DraftUnit],
    references: list[tuple[str, str, str]],
    selection_uses: list[tuple[str, str, str]],
    production_globs: tuple[str, ...],
    test_globs: tuple[str, ...],
    root: Path | None,
) -> None:
    """Set every unit's ``kind`` and ``reason``. ``references`` are the (module, use,
    where) of ``DJANGO_SETTINGS_MODULE`` values; ``selection_uses`` those of modules an
    environment variable may select (``config_select.py``)."""
    uses: dict[str, list[tuple[str, str]]] = {}
    for module, use, where in references:
        uses.setdefault(module, []).append((use, where))
    for module, use, where in selection_uses:
        if use in {"deploy", "test"}:
            uses.setdefault(module, []).append((use, f"{where} (selects the config module)"))
    for unit in units.values():
        unit.kind, unit.reason = _classify_unit(unit, production_globs, test_globs, uses, root)
    # classes without a name of their own take their module's classification
    for unit in units.values():
        if unit.owner is not None and unit.kind is Kind.UNKNOWN:
            module_unit = units.get(unit.module)
            if module_unit is not None and module_unit.kind is not Kind.SHARED:
                unit.kind, unit.reason = module_unit.kind, module_unit.reason


def _classify_unit(
    unit: DraftUnit,
    production_globs: tuple[str, ...],
    test_globs: tuple[str, ...],
    uses: dict[str, list[tuple[str, str]]],
    root: Path | None,
) -> tuple[Kind, str]:
    path = root_relative(unit.path, root)

    def matches(globs: tuple[str, ...]) -> bool:
        return any(fnmatch.fnmatchcase(unit.name, g) or fnmatch.fnmatchcase(path, g) for g in globs)

    if matches(test_globs):
        return Kind.TEST, "`test-settings` in [tool.celerylint]"
    if matches(production_globs):
        return Kind.PRODUCTION, "`production-settings` in [tool.celerylint]"
    if is_test_module(unit.module) and unit.module.rsplit(".", 1)[-1] not in {
        "settings",
        "celeryconfig",
    }:
        return Kind.TEST, "a test module"
    if unit.owner is None:
        found = uses.get(unit.module, [])
        named = name_kind(unit.module.rsplit(".", 1)[-1])
        for use, where in found:
            if use == "production":
                return Kind.PRODUCTION, f"DJANGO_SETTINGS_MODULE in {where}"
        for use, where in found:
            if use == "deploy" and named is not Kind.TEST:
                return Kind.PRODUCTION, f"DJANGO_SETTINGS_MODULE in {where}"
        for use, where in found:
            if use == "test":
                return Kind.TEST, f"DJANGO_SETTINGS_MODULE in {where}"
        if named is not None and named is not Kind.SHARED:
            return named, "its name"
        for use, where in found:
            if use == "development" and named is None:
                return Kind.DEVELOPMENT, f"DJANGO_SETTINGS_MODULE in {where}"
        for part in reversed(unit.module.split(".")[:-1]):
            parent = name_kind(part)
            if parent is not None and parent is not Kind.SHARED:
                return parent, "its package name"
        if named is Kind.SHARED:
            return Kind.SHARED, "its name"
        if unit.referenced_by_app:
            return Kind.PRODUCTION, "the Celery app's config source"
        return Kind.UNKNOWN, ""
    named = name_kind(unit.owner)
    if named is not None:
        return named, "its class name"
    if unit.referenced_by_app:
        return Kind.PRODUCTION, "the Celery app's config source"
    return Kind.UNKNOWN, ""


def root_relative(path: str, root: Path | None) -> str:
    """``path`` relative to the project root (as ``per-file-ignores`` patterns are)."""
    if root is None:
        return Path(path).as_posix()
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()
