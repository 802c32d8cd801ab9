"""Project-level decisions of ``semantics/django.py`` (What Django code looks like: module names, the app lists settings build, model): the
parts that read the project index or its configuration model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celerylint.diagnostics import Span
from celerylint.kit.values import UNKNOWN, ListValue, Value
from celerylint.semantics.config_env import Kind, guard_classification

if TYPE_CHECKING:
    from celerylint.factdata import DatabasesWriteFact
    from celerylint.project.config_model import ProjectConfig
    from celerylint.project.config_types import ConfigValue
    from celerylint.project.index import ProjectIndex
from celerylint.semantics.django import (
    MODEL_BASES,
    _third_party_model,
    app_of_module,
    is_models_module,
)


def is_model_class(
    index: ProjectIndex, module: str, bases: tuple[str, ...], seen: frozenset[str] = frozenset()
) -> bool:
    """Does a class of ``module`` with these (resolved) bases derive from a Django model?
    Through project classes; a base from another package counts when it comes from a
    ``models`` module and the class is defined in one too."""
    for base in bases:
        resolved = index.resolve(base)
        if resolved in MODEL_BASES:
            return True
        if resolved in seen:
            continue
        owner, rest = index.split_module(resolved)
        if owner is None:
            if is_models_module(module) and _third_party_model(resolved):
                return True
            continue
        if not rest or "." in rest:
            continue
        for cls in index.modules[owner].classes:
            if cls.name == rest and is_model_class(index, owner, cls.bases, seen | {resolved}):
                return True
    return False


def installed_apps(values: Iterable[ConfigValue]) -> set[str] | None:
    """The ``INSTALLED_APPS`` strings of a unit's effective writes (``effective_map``), or
    None when any part is unknown."""
    found: set[str] = set()
    for value in values:
        parts: tuple[Value, ...] = (value.value,)
        if value.value is UNKNOWN:
            if not value.alternatives or value.guard is not None:
                return None
            parts = value.alternatives  # ``DJANGO_APPS + THIRD_PARTY_APPS + [...]``
        for part in parts:
            if isinstance(part, ListValue | tuple):
                items = part.items if isinstance(part, ListValue) else part
                if not all(isinstance(item, str) for item in items):
                    return None
                found.update(item for item in items if isinstance(item, str))
            elif isinstance(part, str) and value.op == "append":
                found.add(part)
            else:
                return None
    return found


@dataclass(frozen=True, slots=True)
class AtomicDatabase:
    """A database alias whose requests Django wraps in a transaction, in a production
    settings module, and the write that turns it on."""

    alias: str
    unit: str  # the production settings module
    module: str  # where ``ATOMIC_REQUESTS`` is set (the unit or a module it star-imports)
    path: str
    span: Span | None
    #: the unit's ``INSTALLED_APPS`` (None when unknown): the views it serves
    apps: frozenset[str] | None = None

    def serves(self, module: str) -> bool:
        """Could a view of ``module`` be served with these settings?"""
        return self.apps is None or app_of_module(self.apps, module)


def _star_chain(config: ProjectConfig, name: str, seen: set[str]) -> list[str]:
    """A settings unit and the units it star-imports, in the order Django runs them."""
    if name in seen or name not in config.units:
        return []
    seen.add(name)
    out: list[str] = []
    for parent in config.units[name].parents:
        out.extend(_star_chain(config, parent, seen))
    out.append(name)
    return out


def atomic_request_databases(index: ProjectIndex) -> tuple[AtomicDatabase, ...]:
    """The aliases with ``DATABASES[alias]["ATOMIC_REQUESTS"]`` known True in production
    settings modules (replayed along star imports: the last write wins; writes under a
    test or development guard do not count, other conditional ones make it unknown; an
    environment read counts with its default)."""
    config = index.config
    found: list[AtomicDatabase] = []
    for production in config.production_units:
        unit = config.units[production]
        if unit.owner is not None:
            continue
        state: dict[str, tuple[Value, str, str, Span | None]] = {}
        for name in _star_chain(config, production, set()):
            member = config.units[name]
            facts = index.modules.get(member.module)
            if member.owner is not None or facts is None:
                continue
            for write in facts.databases_writes:
                if write.op == "top-level":
                    continue
                kind = guard_classification(write.guard)
                if kind in (Kind.TEST, Kind.DEVELOPMENT):
                    continue
                certain = not write.conditional or kind is Kind.PRODUCTION
                if write.op == "assign" and certain:
                    state = {}
                for alias, written in write.atomic:
                    value = config.resolve_value(written)[0] if written is not None else None
                    if not certain and state.get(alias, (None,))[0] != value:
                        value = UNKNOWN
                    state[alias] = (value, facts.module, facts.path, write.span)
        apps = installed_apps(config.effective_map(production).get("INSTALLED_APPS", []))
        frozen = frozenset(apps) if apps else None
        for alias, (value, module, path, span) in state.items():
            if value is not UNKNOWN and value is True:
                found.append(AtomicDatabase(alias, production, module, path, span, frozen))
    return tuple(found)


def ignored_atomic_requests(index: ProjectIndex) -> Iterator[tuple[str, DatabasesWriteFact]]:
    """(path, write) of top-level ``ATOMIC_REQUESTS = <truthy>`` in settings modules."""
    config = index.config
    if "ATOMIC_REQUESTS" in config.project_reads:
        return  # the project reads it itself
    seen: set[str] = set()
    for unit in config.units.values():
        if unit.owner is not None or unit.module in seen:
            continue
        seen.add(unit.module)
        facts = index.modules.get(unit.module)
        if facts is None:
            continue
        for write in facts.databases_writes:
            if write.op != "top-level" or not write.atomic:
                continue
            value = config.resolve_value(write.atomic[0][1])[0]
            if value is not UNKNOWN and value is True:
                yield facts.path, write
