"""The project's Celery configuration, as Celery will read it (phase 2).

Built once per run from the index (``ProjectConfig.of(index)``) and shared by every
settings, routing and security rule:

* **Config sources**: each Celery app's ``Celery(...)`` keyword arguments,
  ``app.config_from_object(...)`` target (Django settings with their namespace, a module,
  a class), ``app.conf.update(...)``, ``app.conf.x = v`` and ``app.conf["x"] = v``.
* **Settings units**: Django settings modules (found through ``DJANGO_SETTINGS_MODULE``
  references and settings-like module names, without configuration), ``celeryconfig``
  modules and config classes (``class Production(Base)``), with ``from .base import *``
  and class inheritance resolved.
* **Classification** of every unit as production, test, development or shared (RULES.md
  Appendix B.3), overridable with ``production-settings``/``test-settings`` globs.
* **Values**: every write Celery reads, as a :class:`ConfigValue` with its new lowercase
  setting name, the literal (an environment default for env-driven values), where it is,
  and the production units it is effective in.

The namespace decides which names a source is read with (``semantics.config_names``).

``ProjectConfig`` answers the questions (values by setting and app, effective maps,
production reach); the building is next to it: ``config_sources.py`` (config sources and
settings units, ``config.sources``), ``config_classify.py`` (classification),
``config_values.py`` (the writes as ``ConfigValue``, ``config.writes``) and
``config_types.py`` (the plain data).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.kit.values import Value
from celerylint.project.config_sources import ConfigSources
from celerylint.project.config_types import (
    CURRENT_APP_REFS,
    CeleryVersion,
    ConfigSource,
    ConfigValue,
    SettingsUnit,
    SourceKind,
)
from celerylint.project.config_values import ConfigWrites
from celerylint.semantics import celery_data
from celerylint.semantics.config_env import EnvRead, Kind
from celerylint.semantics.project_files import ProjectFiles

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex

_NON_PRODUCTION = frozenset({Kind.TEST, Kind.DEVELOPMENT})


def _version_of(text: str) -> tuple[int, int] | None:
    parts = text.strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        return None


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, ProjectConfig] = weakref.WeakKeyDictionary()


class ProjectConfig:
    """The Celery configuration of a project. Use :meth:`of` to get the shared instance."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.files = ProjectFiles(index.root)
        self._final: dict[int, ConfigValue] = {}
        #: where configuration comes from, and the writes Celery reads (see the docstring)
        self.sources = ConfigSources(self)
        self.writes = ConfigWrites(self)

    @classmethod
    def of(cls, index: ProjectIndex) -> ProjectConfig:
        found = _CACHE.get(index)
        if found is None:
            found = _CACHE[index] = cls(index)
        return found

    @classmethod
    def existing(cls, index: ProjectIndex) -> ProjectConfig | None:
        """The shared instance if some rule built it (without building it)."""
        return _CACHE.get(index)

    # -- project-level options --------------------------------------------------------------

    def _option(self, key: str) -> object:
        return self.index.project_option(key)

    def project_globs(self, key: str) -> tuple[str, ...]:
        """A ``[tool.celerylint]`` list of globs (``production-settings``, ``test-settings``)."""
        value = self._option(key)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    @cached_property
    def celery_version(self) -> CeleryVersion:
        """The Celery version the project targets: ``celery-version`` in
        ``[tool.celerylint]``, else the declared dependency, else the installed celery."""
        configured = self._option("celery-version")
        if isinstance(configured, str) and (version := _version_of(configured)):
            return CeleryVersion(version, "`celery-version` in [tool.celerylint]")
        declared = self.files.declared_celery_version
        if declared is not None:
            return CeleryVersion(declared.version, f"{declared.file}: {declared.requirement}")
        installed = _version_of(celery_data.CELERY_VERSION) or (5, 0)
        return CeleryVersion(installed, f"installed celery {celery_data.CELERY_VERSION}")

    # -- apps and their config sources ------------------------------------------------------

    @cached_property
    def apps(self) -> tuple[str, ...]:
        return tuple(sorted(self.index.apps))

    @property
    def units(self) -> dict[str, SettingsUnit]:
        """Every settings module and settings class, classified (``config_sources.py``)."""
        return self.sources.units

    def configures(self, app: str) -> list[str]:
        """What may configure ``app`` in the project's code (``ConfigSources.configures``)."""
        return self.sources.configures(app)

    def resolve_value(self, value: Value) -> tuple[Value, EnvRead | None]:
        """Follow module constants and environment lookups to a literal (or UNKNOWN)."""
        return self.writes.resolve_value(value)

    # -- effective values and production reach ----------------------------------------------

    def effective_map(self, unit_name: str) -> dict[str, list[ConfigValue]]:
        """name as written -> the writes effective in ``unit_name`` (inherited ones too).

        An unconditional ``=`` replaces what came before; conditional writes and partial
        writes (``+=``, ``.update``, ``[k] =``) add to it.
        """
        return self._effective_maps.get(unit_name, {})

    @cached_property
    def _effective_maps(self) -> dict[str, dict[str, list[ConfigValue]]]:
        maps: dict[str, dict[str, list[ConfigValue]]] = {}
        visiting: set[str] = set()

        def build(name: str) -> dict[str, list[ConfigValue]]:
            if name in maps:
                return maps[name]
            if name in visiting:
                return {}
            visiting.add(name)
            unit = self.units[name]
            merged: dict[str, list[ConfigValue]] = {}
            for parent in unit.parents:
                for key, values in build(parent).items():
                    merged[key] = list(values)
            for value in self.writes.unit_values.get(name, []):
                if value.op == "=" and not value.conditional and value.guard is None:
                    merged[value.name] = [value]
                else:
                    merged.setdefault(value.name, []).append(value)
            visiting.discard(name)
            maps[name] = merged
            return merged

        for name in self.units:
            build(name)
        return maps

    @cached_property
    def production_units(self) -> tuple[str, ...]:
        """Units Celery runs with in production: those classified production; when there
        are none, the shared/unclassified units no other unit inherits from."""
        units = self.units
        classified = [n for n, u in units.items() if u.kind is Kind.PRODUCTION and u.source]
        if classified:
            return tuple(classified)
        inherited = {p for u in units.values() for p in u.parents}
        return tuple(
            n
            for n, u in units.items()
            if u.source is not None and u.kind in {Kind.SHARED, Kind.UNKNOWN} and n not in inherited
        )

    @cached_property
    def all_values(self) -> tuple[ConfigValue, ...]:
        """Every write in a source Celery reads (names it ignores included, with
        ``setting`` None), each with the production units it is effective in."""
        reach: dict[int, list[str]] = {}
        for production in self.production_units:
            for values in self.effective_map(production).values():
                for value in values:
                    if value.kind not in _NON_PRODUCTION:
                        reach.setdefault(id(value), []).append(production)
        out: list[ConfigValue] = []
        for values in self.writes.unit_values.values():
            for value in values:
                final = _with_reach(value, tuple(dict.fromkeys(reach.get(id(value), ()))))
                self._final[id(value)] = final
                out.append(final)
        for value in self.writes.app_values:
            at_load = value.kind is Kind.PRODUCTION
            out.append(_with_reach(value, (value.source.name,) if at_load else ()))
        return tuple(out)

    def values(self, setting: str) -> tuple[ConfigValue, ...]:
        """Every write Celery reads as ``setting`` (new lowercase name), any environment."""
        return self._by_setting.get(setting, ())

    def production_values(self, setting: str) -> tuple[ConfigValue, ...]:
        """The writes of ``setting`` effective in production."""
        return tuple(v for v in self.values(setting) if v.reaches_production)

    @staticmethod
    def applies_to(value: ConfigValue, app: str | None) -> bool:
        """Does ``value`` configure ``app`` (None: any app, e.g. for ``@shared_task``)?

        A source no app was seen reading (Django settings when the app is not in the
        project, a lone ``celeryconfig``) is taken to configure every app."""
        if app is None:
            return True
        source = value.source
        if source.kind == SourceKind.APP:
            return source.name == app or source.name in CURRENT_APP_REFS
        return not source.apps or app in source.apps

    def values_for(
        self, setting: str, app: str | None, production: bool = True
    ) -> tuple[ConfigValue, ...]:
        """The writes of ``setting`` that configure ``app`` (in production, by default)."""
        return tuple(
            v
            for v in self.values(setting)
            if self.applies_to(v, app) and (v.reaches_production or not production)
        )

    @cached_property
    def _by_setting(self) -> dict[str, tuple[ConfigValue, ...]]:
        grouped: dict[str, list[ConfigValue]] = {}
        for value in self.all_values:
            if value.setting is not None:
                grouped.setdefault(value.setting, []).append(value)
        return {k: tuple(v) for k, v in grouped.items()}

    def unit_values(self, unit: str) -> dict[str, list[ConfigValue]]:
        """setting -> the writes effective in one unit (inherited ones too)."""
        _ = self.all_values
        out: dict[str, list[ConfigValue]] = {}
        for values in self.effective_map(unit).values():
            for value in values:
                final = self._final.get(id(value), value)
                if final.setting is not None:
                    out.setdefault(final.setting, []).append(final)
        return out

    def app_values(self) -> tuple[ConfigValue, ...]:
        """Writes on the apps themselves (``Celery(**kw)``, ``app.conf...``)."""
        return tuple(v for v in self.all_values if v.unit is None)

    # -- what the project reads and whether the picture is complete -------------------------

    @cached_property
    def project_reads(self) -> frozenset[str]:
        """Setting names the project reads itself (``settings.X``, ``app.conf.X``)."""
        names: set[str] = set()
        for facts in self.index.modules.values():
            names.update(facts.setting_reads)
        return frozenset(names)

    @cached_property
    def has_sources(self) -> bool:
        """True when some Celery configuration is known (an app, or a config source)."""
        return bool(self.apps) or any(u.source is not None for u in self.units.values())

    @cached_property
    def complete(self) -> bool:
        """True when every app's configuration could be followed (no unknown source)."""
        _ = self.sources.draft_units  # resolving config objects fills ``unresolved``
        return not self.sources.unresolved

    def iter_sources(self) -> Iterable[ConfigSource]:
        seen: dict[str, ConfigSource] = {}
        for unit in self.units.values():
            if unit.source is not None:
                seen.setdefault(unit.source.name, unit.source)
        return seen.values()


def _with_reach(value: ConfigValue, production_in: tuple[str, ...]) -> ConfigValue:
    if not production_in:
        return value
    return ConfigValue(
        value.name,
        value.setting,
        value.style,
        value.value,
        value.written,
        value.alternatives,
        value.op,
        value.key,
        value.env,
        value.guard,
        value.conditional,
        value.source,
        value.unit,
        value.module,
        value.path,
        value.span,
        value.kind,
        production_in,
        value.function,
    )
