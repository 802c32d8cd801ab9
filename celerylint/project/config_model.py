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
"""

from __future__ import annotations

import fnmatch
import os
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from celerylint.diagnostics import Span
from celerylint.factdata import (
    SELF_RECEIVER,
    AppCallFact,
    ConfWriteFact,
    ModuleFacts,
    SettingFact,
)
from celerylint.kit.values import UNKNOWN, CallValue, DictValue, ListValue, Ref, Value
from celerylint.project.config_select import selected_modules, star_ancestors
from celerylint.semantics import celery_data
from celerylint.semantics.config_env import (
    EnvRead,
    Kind,
    env_read,
    guard_classification,
    is_env_class_call,
    name_kind,
)
from celerylint.semantics.config_names import NameMeaning, Style, meaning
from celerylint.semantics.django import is_test_module
from celerylint.semantics.project_files import ProjectFiles
from celerylint.semantics.tasks import CELERY_APP_CLASSES

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex

DJANGO_SETTINGS_SOURCES = frozenset({"django.conf:settings", "django.conf.settings"})
CURRENT_APP_REFS = frozenset({"celery.current_app", "celery.app.current_app"})
#: ``Celery(...)`` keyword arguments that are not settings, and those that name one
_INIT_NOT_SETTINGS = frozenset(
    {
        "main",
        "loader",
        "amqp",
        "events",
        "log",
        "control",
        "set_as_current",
        "tasks",
        "changes",
        "config_source",
        "fixups",
        "task_cls",
        "autofinalize",
        "namespace",
        "strict_typing",
        "config_source_silent",
    }
)
_INIT_SETTINGS = {"broker": "broker_url", "backend": "result_backend", "include": "include"}
#: calls that configure an app
_CONFIGURING_CALLS = frozenset(
    {
        "config_from_object",
        "config_from_envvar",
        "config_from_cmdline",
        "add_defaults",
        "conf.update",
        "conf.setdefault",
    }
)
#: ``Celery(...)`` keyword arguments that set nothing a worker or a caller connects with
_NOT_CONFIGURATION = frozenset(
    {
        "main",
        "include",
        "set_as_current",
        "autofinalize",
        "strict_typing",
        "task_cls",
        "tasks",
        "log",
        "events",
        "amqp",
        "control",
        "fixups",
        "namespace",
        "backend",
    }
)

_NON_PRODUCTION = frozenset({Kind.TEST, Kind.DEVELOPMENT})


class SourceKind:
    DJANGO = "django-settings"  # Django settings modules, read with a namespace
    MODULE = "module"  # ``config_from_object("pkg.celeryconfig")`` / celeryconfig.py
    CLASS = "class"  # ``config_from_object(Config)``, django-configurations classes
    APP = "app"  # ``Celery(**kw)``, ``app.conf.update``/``app.conf.x = v``


@dataclass(frozen=True)
class ConfigSource:
    """Where a group of settings comes from and how Celery reads its names."""

    kind: str  # a SourceKind value
    name: str  # unit name (``proj.settings.base``, ``proj.settings.Production``) or app
    namespace: str | None
    namespace_known: bool  # False when no app was seen reading it: the namespace is assumed
    apps: tuple[str, ...] = ()


@dataclass(frozen=True)
class SettingsUnit:
    """A settings module or a settings class (``owner`` set)."""

    name: str
    module: str
    path: str
    owner: str | None
    kind: Kind
    reason: str  # why it is classified so ("wsgi.py", "name", "production-settings" ...)
    parents: tuple[str, ...]  # star-imported modules / base classes, in order
    source: ConfigSource | None  # None: a Django settings module Celery does not read


@dataclass(frozen=True)
class ConfigValue:
    """One write of a configuration name, as Celery reads it."""

    name: str  # as written: ``CELERY_TASK_ALWAYS_EAGER``, ``task_always_eager``, ``broker``
    setting: str | None  # the new lowercase setting Celery reads it as; None: never read
    style: Style | None
    value: Value  # the literal; the default for env-driven values; UNKNOWN if not known
    written: Value  # the evaluated expression as written
    alternatives: tuple[Value, ...]  # branches of ``a if c else b``, operands of ``a + b``
    op: str  # "=", "+=", "update", "item", "append", "extend", "init", "attr", "setdefault"
    key: Value  # the key of an item write
    env: EnvRead | None  # set when the value is read from the environment
    guard: str | None
    conditional: bool
    source: ConfigSource
    unit: str | None  # the settings unit, None for app-level writes
    module: str
    path: str
    span: Span | None
    kind: Kind  # the environment the value is meant for (its guard, else its unit)
    production_in: tuple[str, ...] = field(default=(), compare=False)
    function: str | None = None  # app writes inside a function (tests, signal handlers)

    @property
    def env_driven(self) -> bool:
        return self.env is not None

    @property
    def reaches_production(self) -> bool:
        return bool(self.production_in)

    @property
    def candidates(self) -> tuple[Value, ...]:
        """The value, or each alternative when the value itself is unknown."""
        if self.value is not UNKNOWN or not self.alternatives:
            return (self.value,)
        return self.alternatives


@dataclass(frozen=True)
class CeleryVersion:
    version: tuple[int, int]
    origin: str  # "celery-version in [tool.celerylint]", "pyproject.toml: celery>=5.4" ...

    @property
    def text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def _version_of(text: str) -> tuple[int, int] | None:
    parts = text.strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        return None


@dataclass
class _Unit:
    name: str
    module: str
    path: str
    owner: str | None
    writes: list[SettingFact]
    parents: list[str] = field(default_factory=list)
    kind: Kind = Kind.UNKNOWN
    reason: str = ""
    referenced_by_app: list[tuple[str, str | None, bool]] = field(default_factory=list)


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, ProjectConfig] = weakref.WeakKeyDictionary()


class ProjectConfig:
    """The Celery configuration of a project. Use :meth:`of` to get the shared instance."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.files = ProjectFiles(index.root)
        #: modules that could not be resolved for some app (``config_from_envvar``, a
        #: computed ``config_from_object`` argument): the picture is incomplete
        self.unresolved: list[str] = []
        self._django_modules: frozenset[str] = frozenset()
        #: (module, use, where) of modules an environment variable may select
        #: (``semantics.config_select``); classified as settings references are
        self._selection_uses: list[tuple[str, str, str]] = []
        self._final: dict[int, ConfigValue] = {}

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

    def _globs(self, key: str) -> tuple[str, ...]:
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

    def _app_of(self, receiver: str) -> str | None:
        resolved = self.index.resolve(receiver)
        if resolved in self.index.apps:
            return resolved
        if resolved in CURRENT_APP_REFS:
            return resolved
        return None

    def _apps_of_call(self, facts: ModuleFacts, call: AppCallFact) -> tuple[str, ...]:
        """The apps an app call configures: its receiver's app, or, for a local of an app
        factory (``celery.config_from_object(...)`` in ``make_celery``), the factory's apps."""
        app = self._app_of(call.receiver)
        if app is not None:
            return (app,)
        return self.index.apps_configured_by(facts.module, call.function, call.receiver)

    @cached_property
    def _config_calls(self) -> list[tuple[str, Value, Value, bool]]:
        """(app, config object, namespace, namespace given) for every app's config source."""
        found: list[tuple[str, Value, Value, bool]] = []
        index = self.index
        for facts in index.modules.values():
            for call in facts.app_calls:
                for app in self._apps_of_call(facts, call):
                    if call.method == "config_from_envvar":
                        self.unresolved.append(app)
                        continue
                    if call.method != "config_from_object":
                        continue
                    kwargs = dict(call.kwargs)
                    target = call.args[0] if call.args else kwargs.get("obj", UNKNOWN)
                    given = "namespace" in kwargs
                    found.append((app, target, kwargs.get("namespace"), given))
        for app in index.apps:
            made_by = index.app_call(app)
            if made_by is None:
                continue
            kwargs = dict(made_by.kwargs)
            if "config_source" in kwargs:
                given = "namespace" in kwargs
                found.append((app, kwargs["config_source"], kwargs.get("namespace"), given))
        return found

    def configures(self, app: str) -> list[str]:
        """What may configure ``app`` in the project's code, described ("`config_from_object`
        in `proj/celery.py`"); empty when nothing does: no ``config_from_object``/
        ``config_from_envvar``, no ``conf`` write or ``conf.update`` (in any function), no
        ``Celery(...)`` argument that is or may be configuration, and no configuration
        written through ``current_app``. A project class (``class App(Celery)``) may
        configure itself, and counts."""
        found: list[str] = []
        for facts in self.index.modules.values():
            for call in facts.app_calls:
                target = self.index.resolve(call.receiver)
                if call.method in _CONFIGURING_CALLS and (
                    target in (app, *CURRENT_APP_REFS) or app in self._apps_of_call(facts, call)
                ):
                    found.append(f"`{call.method}` in `{facts.path}`")
            for write in facts.conf_writes:
                if write.op == "init":
                    continue  # ``Celery(...)`` arguments: read below
                if self.index.resolve(write.receiver) in (
                    app,
                    *CURRENT_APP_REFS,
                ) or app in self.index.apps_configured_by(
                    facts.module, write.function, write.receiver
                ):
                    found.append(f"`conf` in `{facts.path}`")
        factory = self.index.app_factory(app)
        if factory is not None and factory.passed_on:
            found.append(f"`{factory.function}`, which passes the app on")
        value = self.index.app_call(app) or UNKNOWN
        if not isinstance(value, CallValue) or value.starred or len(value.args) > 1:
            found.append("the `Celery(...)` call")
        elif self.index.resolve(value.func) not in CELERY_APP_CLASSES:
            found.append(f"its class `{value.func}`")
        else:
            found.extend(f"`{name}=`" for name, _ in value.kwargs if name not in _NOT_CONFIGURATION)
        return found

    def app_namespace(self, app: str) -> str | None:
        """The namespace an app reads its settings with (``Celery(namespace=)`` or the
        ``config_from_object(..., namespace=)``), None when there is none or unknown."""
        for target_app, _, namespace, given in self._config_calls:
            if target_app == app and given and isinstance(namespace, str):
                return namespace
        call = self.index.app_call(app)
        if call is not None:
            namespace = call.kwarg("namespace")
            if isinstance(namespace, str):
                return namespace
        return None

    @cached_property
    def django_namespaces(self) -> tuple[tuple[str | None, ...], bool, bool]:
        """(namespaces Django settings are read with, known?, read by Celery?)."""
        _ = self._units  # resolving config objects fills ``unresolved``
        namespaces: list[str | None] = []
        known = True
        for _, target, namespace, given in self._config_calls:
            if self._is_django_settings(target):
                if given and not isinstance(namespace, str) and namespace is not None:
                    known = False
                    continue
                namespaces.append(namespace if given and isinstance(namespace, str) else None)
        if namespaces:
            return tuple(dict.fromkeys(namespaces)), known, True
        # no app seen reading Django settings: assume the documented setup only when no
        # app is known at all (or an app's source is unknown); else Celery does not read them
        reads_other = bool(self._config_calls) and not self.unresolved
        if self.apps and reads_other:
            return (), False, False
        return ("CELERY",), False, True

    @staticmethod
    def _is_django_settings(target: Value) -> bool:
        if isinstance(target, str):
            return target in DJANGO_SETTINGS_SOURCES
        return isinstance(target, Ref) and target.name in DJANGO_SETTINGS_SOURCES

    # -- settings units ---------------------------------------------------------------------

    @cached_property
    def _settings_references(self) -> list[tuple[str, str, str]]:
        """(module, use, where) for DJANGO_SETTINGS_MODULE values found anywhere.

        ``use``: "production" (wsgi/asgi, deployment files), "test" (pytest, tox, CI,
        conftest), "development" (manage.py), "worker" (the Celery app's default)."""
        refs: list[tuple[str, str, str]] = []
        for facts in self.index.modules.values():
            stem = facts.module.rsplit(".", 1)[-1]
            for env in facts.env_defaults:
                if env.var != "DJANGO_SETTINGS_MODULE":
                    continue
                if stem in {"wsgi", "asgi"}:
                    use = "production"
                elif is_test_module(facts.module):
                    use = "test"
                elif stem == "manage":
                    use = "development"
                elif any(c.method == "config_from_object" for c in facts.app_calls):
                    use = "worker"
                else:
                    use = "other"
                refs.append((env.value, use, facts.path))
        for ref in self.files.settings_module_references:
            if ref.kind == "test":
                refs.append((ref.module, "test", ref.file))
            else:
                refs.append((ref.module, "deploy", ref.file))
        return refs

    def _is_settings_candidate(self, facts: ModuleFacts) -> bool:
        parts = facts.module.split(".")
        stem = parts[-1]
        named = (
            "settings" in parts[:-1]
            or "envs" in parts[:-1]
            or stem == "settings"
            or stem.startswith("settings_")
            or stem.endswith("_settings")
        )
        return named and self._looks_like_settings(facts)

    @staticmethod
    def _looks_like_settings(facts: ModuleFacts) -> bool:
        """Assigns UPPERCASE names (in its body or its classes) or star-imports, and is not
        a module of test functions."""
        if any(name.startswith("test_") for name in facts.defines):
            return False
        if any(i.name == "*" for i in facts.imports):
            return True
        if any(w.owner is not None and w.name.isupper() for w in facts.setting_writes):
            return True  # class-based settings (django-configurations)
        return any(a.name.isupper() for a in facts.assignments)

    @cached_property
    def _units(self) -> dict[str, _Unit]:
        index = self.index
        units: dict[str, _Unit] = {}
        django: set[str] = set()
        for module, _, _ in self._settings_references:
            facts = index.modules.get(module)
            if facts is not None and self._looks_like_settings(facts):
                django.add(module)
        for facts in index.modules.values():
            if self._is_settings_candidate(facts):
                django.add(facts.module)
        # modules star-imported by settings modules are settings too (per-concern files)
        pending = list(django)
        while pending:
            facts = index.modules[pending.pop()]
            for imp in facts.imports:
                if imp.name == "*" and imp.target in index.modules and imp.target not in django:
                    star = index.modules[imp.target]
                    if self._looks_like_settings(star):
                        django.add(imp.target)
                        pending.append(imp.target)
        self._django_modules = frozenset(django)
        # celery config modules and classes named by apps
        referenced = self._referenced()
        # modules an app's config module star-imports (``from proj.config.base import *``)
        inherited = {
            a for name in referenced if name in index.modules for a in star_ancestors(index, name)
        }
        readable = django | set(referenced) | inherited
        # build units: modules (their module-level writes) and classes (their attributes)
        for facts in index.modules.values():
            module = facts.module
            module_writes = [w for w in facts.setting_writes if w.owner is None]
            if module in readable:
                units[module] = _Unit(module, module, facts.path, None, module_writes)
                units[module].parents = [
                    i.target for i in facts.imports if i.name == "*" and i.target in readable
                ]
            owners = dict.fromkeys(w.owner for w in facts.setting_writes if w.owner is not None)
            for owner in owners:
                qual = f"{module}.{owner}"
                if module not in django and qual not in referenced:
                    continue
                writes = [w for w in facts.setting_writes if w.owner == owner]
                unit = _Unit(qual, module, facts.path, owner, writes)
                cls = next((c for c in facts.classes if c.name == owner), None)
                if cls is not None:
                    unit.parents = [index.resolve(b) for b in cls.bases]
                units[qual] = unit
        # classes that only inherit settings (``class Production(Base): DEBUG = False``)
        changed = True
        while changed:
            changed = False
            for facts in index.modules.values():
                for cls in facts.classes:
                    qual = f"{facts.module}.{cls.name}"
                    if qual in units:
                        continue
                    bases = [index.resolve(b) for b in cls.bases]
                    if any(b in units and units[b].owner is not None for b in bases):
                        unit = _Unit(qual, facts.module, facts.path, cls.name, [])
                        unit.parents = bases
                        units[qual] = unit
                        changed = True
        for name, refs in referenced.items():
            if name in units:
                units[name].referenced_by_app = refs
        for unit in units.values():
            unit.parents = [p for p in unit.parents if p in units]
        self._classify(units)
        return units

    def _referenced(self) -> dict[str, list[tuple[str, str | None, bool]]]:
        """Config modules and classes apps read -> (app, namespace, namespace known): named
        by ``config_from_object``, chosen by an environment variable
        (``semantics.config_select``), or a ``celeryconfig`` module."""
        index = self.index
        referenced: dict[str, list[tuple[str, str | None, bool]]] = {}
        for app, target, namespace, given in self._config_calls:
            if self._is_django_settings(target):
                continue
            ns = namespace if given and isinstance(namespace, str) else None
            ns_known = not given or isinstance(namespace, str) or namespace is None
            unit_name = self._resolve_config_object(target)
            if unit_name is None:
                # the variable may also name a module we do not see: still incomplete
                self.unresolved.append(app)
                for chosen in selected_modules(index, self.files, target, self.resolve_value):
                    refs = referenced.setdefault(chosen.module, [])
                    if (app, ns, ns_known) not in refs:
                        refs.append((app, ns, ns_known))
                    self._selection_uses.append((chosen.module, chosen.use, chosen.where))
                continue
            referenced.setdefault(unit_name, []).append((app, ns, ns_known))
        for facts in index.modules.values():
            stem = facts.module.rsplit(".", 1)[-1]
            if stem == "celeryconfig" and facts.module not in referenced:
                referenced[facts.module] = []
        return referenced

    def _resolve_config_object(self, target: Value) -> str | None:
        index = self.index
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            if attr:
                qual = f"{module}.{attr}"
                return qual if self._is_class(qual) else None
            if module in index.modules:
                return module
            head = module.rpartition(".")[0]
            return module if head in index.modules and self._is_class(module) else None
        if isinstance(target, Ref):
            resolved = index.resolve(target.name)
            if resolved in index.modules:
                return resolved
            return resolved if self._is_class(resolved) else None
        return None

    def _is_class(self, qual: str) -> bool:
        module, _, name = qual.rpartition(".")
        facts = self.index.modules.get(module)
        return facts is not None and any(c.name == name for c in facts.classes)

    # -- classification ---------------------------------------------------------------------

    def _classify(self, units: dict[str, _Unit]) -> None:
        production_globs = self._globs("production-settings")
        test_globs = self._globs("test-settings")
        uses: dict[str, list[tuple[str, str]]] = {}
        for module, use, where in self._settings_references:
            uses.setdefault(module, []).append((use, where))
        for module, use, where in self._selection_uses:
            if use in {"deploy", "test"}:
                uses.setdefault(module, []).append((use, f"{where} (selects the config module)"))
        for unit in units.values():
            unit.kind, unit.reason = self._classify_unit(unit, production_globs, test_globs, uses)
        # classes without a name of their own take their module's classification
        for unit in units.values():
            if unit.owner is not None and unit.kind is Kind.UNKNOWN:
                module_unit = units.get(unit.module)
                if module_unit is not None and module_unit.kind is not Kind.SHARED:
                    unit.kind, unit.reason = module_unit.kind, module_unit.reason

    def _classify_unit(
        self,
        unit: _Unit,
        production_globs: tuple[str, ...],
        test_globs: tuple[str, ...],
        uses: dict[str, list[tuple[str, str]]],
    ) -> tuple[Kind, str]:
        path = self._root_relative(unit.path)

        def matches(globs: tuple[str, ...]) -> bool:
            return any(
                fnmatch.fnmatchcase(unit.name, g) or fnmatch.fnmatchcase(path, g) for g in globs
            )

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

    def _root_relative(self, path: str) -> str:
        """``path`` relative to the project root (as ``per-file-ignores`` patterns are)."""
        root = self.index.root
        if root is None:
            return Path(path).as_posix()
        try:
            return Path(os.path.abspath(path)).relative_to(root).as_posix()
        except ValueError:
            return Path(path).as_posix()

    @cached_property
    def units(self) -> dict[str, SettingsUnit]:
        """Every settings module and settings class, classified."""
        out: dict[str, SettingsUnit] = {}
        for name, unit in self._units.items():
            out[name] = SettingsUnit(
                name,
                unit.module,
                unit.path,
                unit.owner,
                unit.kind,
                unit.reason,
                tuple(unit.parents),
                self._source_of(unit),
            )
        return out

    def _source_of(self, unit: _Unit) -> ConfigSource | None:
        if unit.referenced_by_app or unit.module.rsplit(".", 1)[-1] == "celeryconfig":
            refs = unit.referenced_by_app
            namespaces = {ns for _, ns, _ in refs}
            namespace = next(iter(namespaces)) if len(namespaces) == 1 else None
            known = all(k for _, _, k in refs) and len(namespaces) <= 1
            kind = SourceKind.CLASS if unit.owner is not None else SourceKind.MODULE
            return ConfigSource(kind, unit.name, namespace, known, tuple(a for a, _, _ in refs))
        # inherited by a unit an app reads (``class Production(Base)``, star imports)
        for other in self._units.values():
            if other.referenced_by_app and unit.name in self._ancestors(other.name):
                source = self._source_of(other)
                if source is not None:
                    return source
        if unit.module in self._django_modules:
            django_ns, django_known, read = self.django_namespaces
            if not read:
                return None
            apps = tuple(a for a, t, _, _ in self._config_calls if self._is_django_settings(t))
            return ConfigSource(
                SourceKind.DJANGO,
                unit.name,
                django_ns[0] if len(django_ns) == 1 else None,
                django_known and len(django_ns) == 1,
                apps,
            )
        return None

    def _ancestors(self, name: str) -> list[str]:
        seen: list[str] = []
        stack = [name]
        while stack:
            current = stack.pop()
            unit = self._units.get(current)
            if unit is None:
                continue
            for parent in unit.parents:
                if parent not in seen:
                    seen.append(parent)
                    stack.append(parent)
        return seen

    # -- values -----------------------------------------------------------------------------

    def resolve_value(self, value: Value) -> tuple[Value, EnvRead | None]:
        """Follow module constants and environment lookups to a literal (or UNKNOWN)."""
        env: EnvRead | None = None
        for _ in range(4):
            if isinstance(value, Ref):
                value = self.index.value_of(value)
                continue
            read = env_read(value, self._is_env_object)
            if read is not None:
                env = env or read
                value = read.default
                continue
            break
        return value, env

    def _is_env_object(self, ref: str) -> bool:
        assignment = self.index.assignment(ref)
        return assignment is not None and is_env_class_call(assignment.value)

    def _make_value(
        self,
        name: str,
        found: NameMeaning | None,
        written: Value,
        alternatives: tuple[Value, ...],
        op: str,
        key: Value,
        guard: str | None,
        conditional: bool,
        source: ConfigSource,
        unit: str | None,
        facts: ModuleFacts,
        span: Span | None,
        base_kind: Kind,
        function: str | None = None,
    ) -> ConfigValue:
        value, env = self.resolve_value(written)
        alts = tuple(self.resolve_value(a)[0] for a in alternatives)
        kind = guard_classification(guard) or base_kind
        return ConfigValue(
            name,
            found.setting if found is not None else None,
            found.style if found is not None else None,
            value,
            written,
            alts,
            op,
            key,
            env,
            guard,
            conditional,
            source,
            unit,
            facts.module,
            facts.path,
            span,
            kind,
            function=function,
        )

    @cached_property
    def _unit_values(self) -> dict[str, list[ConfigValue]]:
        """Own writes of every unit that Celery reads, in source order."""
        out: dict[str, list[ConfigValue]] = {}
        for unit in self.units.values():
            source = unit.source
            if source is None:
                continue
            facts = self.index.modules[unit.module]
            values = out.setdefault(unit.name, [])
            for write in self._units[unit.name].writes:
                name = write.name
                if source.kind == SourceKind.DJANGO and not name.isupper():
                    found = None  # Django loads only UPPERCASE names
                else:
                    found = meaning(name, source.namespace)
                    if found is None and not source.namespace_known:
                        found = meaning(name, None)
                values.append(
                    self._make_value(
                        name,
                        found,
                        write.value,
                        write.alternatives,
                        write.op,
                        write.key,
                        write.guard,
                        write.conditional,
                        source,
                        unit.name,
                        facts,
                        write.span,
                        unit.kind,
                    )
                )
        return out

    @cached_property
    def _app_values(self) -> list[ConfigValue]:
        out: list[ConfigValue] = []
        for facts in self.index.modules.values():
            for write in facts.conf_writes:
                out.extend(self._app_write_values(facts, write))
        return out

    def _app_write_values(self, facts: ModuleFacts, write: ConfWriteFact) -> Iterator[ConfigValue]:
        factory_apps = self.index.apps_configured_by(facts.module, write.function, write.receiver)
        if factory_apps:
            # inside an app factory: configuration of each app it made, when it is made; in
            # a method of a ``Celery`` subclass (``init_app``): of each app of the class,
            # when the method runs (at construction for ``__init__``)
            at_construction = write.receiver != SELF_RECEIVER or (
                write.function is not None and write.function.endswith(".__init__")
            )
            for made in factory_apps:
                yield from self._app_values_of(facts, write, made, in_factory=at_construction)
            return
        if write.op == "init":
            if not self.index.is_app(write.receiver):
                return
            app: str | None = self.index.resolve(write.receiver)
        else:
            app = self._app_of(write.receiver)
        if app is None:
            return
        yield from self._app_values_of(facts, write, app)

    def _app_values_of(
        self, facts: ModuleFacts, write: ConfWriteFact, app: str, in_factory: bool = False
    ) -> Iterator[ConfigValue]:
        namespace = self.app_namespace(app) if app in self.index.apps else None
        source = ConfigSource(SourceKind.APP, app, namespace, True, (app,))
        if is_test_module(facts.module) or (in_factory and is_test_module(app.rpartition(".")[0])):
            base_kind = Kind.TEST
        elif write.function is not None and not in_factory:
            base_kind = Kind.UNKNOWN
        else:
            base_kind = Kind.PRODUCTION
        items: list[tuple[str, Value]] = []
        if write.key is None:
            mapping, _ = self.resolve_value(write.value)
            if isinstance(mapping, DictValue):
                items = [(k, v) for k, v in mapping.items if isinstance(k, str)]
        elif write.op == "init":
            if write.key in _INIT_NOT_SETTINGS:
                if write.key == "changes":
                    mapping, _ = self.resolve_value(write.value)
                    if isinstance(mapping, DictValue):
                        items = [(k, v) for k, v in mapping.items if isinstance(k, str)]
                else:
                    return
            else:
                items = [(write.key, write.value)]
        else:
            items = [(write.key, write.value)]
        for key, value in items:
            if write.op == "init" and key in _INIT_SETTINGS:
                found: NameMeaning | None = NameMeaning(_INIT_SETTINGS[key], Style.NEW)
            else:
                found = meaning(key, namespace)
            alternatives = write.alternatives if write.key is not None else ()
            yield self._make_value(
                key,
                found,
                value,
                alternatives,
                write.op,
                None,
                write.guard,
                write.guard is not None,
                source,
                None,
                facts,
                write.span,
                base_kind,
                write.function,
            )

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
            for value in self._unit_values.get(name, []):
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
        for values in self._unit_values.values():
            for value in values:
                final = _with_reach(value, tuple(dict.fromkeys(reach.get(id(value), ()))))
                self._final[id(value)] = final
                out.append(final)
        for value in self._app_values:
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
        _ = self._units  # resolving config objects fills ``unresolved``
        return not self.unresolved

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


def literal_strings(value: Value) -> list[str]:
    """The string items of a list/tuple/set value (``accept_content``), or the string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, ListValue):
        return [v for v in value.items if isinstance(v, str)]
    if isinstance(value, tuple):
        return [v for v in value if isinstance(v, str)]
    return []
