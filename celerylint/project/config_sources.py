"""Where a project's Celery configuration comes from (phase 2, for ``ProjectConfig``):
each app's config sources (``config_from_object`` targets and their namespaces,
``Celery(config_source=)``, what may configure an app at all), and the settings units
Celery reads: Django settings modules (found through ``DJANGO_SETTINGS_MODULE``
references and settings-like module names), ``celeryconfig`` modules and config classes,
with star imports and class inheritance resolved, then classified
(``config_classify.py``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.factdata import AppCallFact, ModuleFacts
from celerylint.kit.values import UNKNOWN, CallValue, Ref, Value
from celerylint.project.config_classify import classify
from celerylint.project.config_select import selected_modules, star_ancestors
from celerylint.project.config_types import (
    CURRENT_APP_REFS,
    DJANGO_SETTINGS_SOURCES,
    ConfigSource,
    DraftUnit,
    SettingsUnit,
    SourceKind,
)
from celerylint.semantics.django import is_test_module
from celerylint.semantics.tasks import CELERY_APP_CLASSES

if TYPE_CHECKING:
    from celerylint.project.config_model import ProjectConfig

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


class ConfigSources:
    """The apps' config sources and the settings units, found lazily (``config.sources``)."""

    def __init__(self, config: ProjectConfig) -> None:
        self.config = config
        self.index = config.index
        self.files = config.files
        #: modules that could not be resolved for some app (``config_from_envvar``, a
        #: computed ``config_from_object`` argument): the picture is incomplete
        self.unresolved: list[str] = []
        self._django_modules: frozenset[str] = frozenset()
        #: (module, use, where) of modules an environment variable may select
        #: (``semantics.config_select``); classified as settings references are
        self._selection_uses: list[tuple[str, str, str]] = []

    def app_of(self, receiver: str) -> str | None:
        resolved = self.index.resolve(receiver)
        if resolved in self.index.apps:
            return resolved
        if resolved in CURRENT_APP_REFS:
            return resolved
        return None

    def apps_of_call(self, facts: ModuleFacts, call: AppCallFact) -> tuple[str, ...]:
        """The apps an app call configures: its receiver's app, or, for a local of an app
        factory (``celery.config_from_object(...)`` in ``make_celery``), the factory's apps."""
        app = self.app_of(call.receiver)
        if app is not None:
            return (app,)
        return self.index.apps_configured_by(facts.module, call.function, call.receiver)

    @cached_property
    def config_calls(self) -> list[tuple[str, Value, Value, bool]]:
        """(app, config object, namespace, namespace given) for every app's config source."""
        found: list[tuple[str, Value, Value, bool]] = []
        index = self.index
        for facts in index.modules.values():
            for call in facts.app_calls:
                for app in self.apps_of_call(facts, call):
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
                    target in (app, *CURRENT_APP_REFS) or app in self.apps_of_call(facts, call)
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
        for target_app, _, namespace, given in self.config_calls:
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
        _ = self.draft_units  # resolving config objects fills ``unresolved``
        namespaces: list[str | None] = []
        known = True
        for _, target, namespace, given in self.config_calls:
            if self._is_django_settings(target):
                if given and not isinstance(namespace, str) and namespace is not None:
                    known = False
                    continue
                namespaces.append(namespace if given and isinstance(namespace, str) else None)
        if namespaces:
            return tuple(dict.fromkeys(namespaces)), known, True
        # no app seen reading Django settings: assume the documented setup only when no
        # app is known at all (or an app's source is unknown); else Celery does not read them
        reads_other = bool(self.config_calls) and not self.unresolved
        if self.config.apps and reads_other:
            return (), False, False
        return ("CELERY",), False, True

    @staticmethod
    def _is_django_settings(target: Value) -> bool:
        if isinstance(target, str):
            return target in DJANGO_SETTINGS_SOURCES
        return isinstance(target, Ref) and target.name in DJANGO_SETTINGS_SOURCES

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
    def draft_units(self) -> dict[str, DraftUnit]:
        """Every settings unit by name, classified: settings modules, the modules they
        star-import, the config modules and classes apps read, and classes inheriting one."""
        index = self.index
        units: dict[str, DraftUnit] = {}
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
                units[module] = DraftUnit(module, module, facts.path, None, module_writes)
                units[module].parents = [
                    i.target for i in facts.imports if i.name == "*" and i.target in readable
                ]
            owners = dict.fromkeys(w.owner for w in facts.setting_writes if w.owner is not None)
            for owner in owners:
                qual = f"{module}.{owner}"
                if module not in django and qual not in referenced:
                    continue
                writes = [w for w in facts.setting_writes if w.owner == owner]
                unit = DraftUnit(qual, module, facts.path, owner, writes)
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
                        unit = DraftUnit(qual, facts.module, facts.path, cls.name, [])
                        unit.parents = bases
                        units[qual] = unit
                        changed = True
        for name, refs in referenced.items():
            if name in units:
                units[name].referenced_by_app = refs
        for unit in units.values():
            unit.parents = [p for p in unit.parents if p in units]
        classify(
            units,
            self._settings_references,
            self._selection_uses,
            self.config.project_globs("production-settings"),
            self.config.project_globs("test-settings"),
            self.index.root,
        )
        return units

    def _referenced(self) -> dict[str, list[tuple[str, str | None, bool]]]:
        """Config modules and classes apps read -> (app, namespace, namespace known): named
        by ``config_from_object``, chosen by an environment variable
        (``semantics.config_select``), or a ``celeryconfig`` module."""
        index = self.index
        referenced: dict[str, list[tuple[str, str | None, bool]]] = {}
        for app, target, namespace, given in self.config_calls:
            if self._is_django_settings(target):
                continue
            ns = namespace if given and isinstance(namespace, str) else None
            ns_known = not given or isinstance(namespace, str) or namespace is None
            unit_name = self._resolve_config_object(target)
            if unit_name is None:
                # the variable may also name a module we do not see: still incomplete
                self.unresolved.append(app)
                for chosen in selected_modules(
                    index, self.files, target, self.config.resolve_value
                ):
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

    @cached_property
    def units(self) -> dict[str, SettingsUnit]:
        """Every settings module and settings class, classified."""
        out: dict[str, SettingsUnit] = {}
        for name, unit in self.draft_units.items():
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

    def _source_of(self, unit: DraftUnit) -> ConfigSource | None:
        if unit.referenced_by_app or unit.module.rsplit(".", 1)[-1] == "celeryconfig":
            refs = unit.referenced_by_app
            namespaces = {ns for _, ns, _ in refs}
            namespace = next(iter(namespaces)) if len(namespaces) == 1 else None
            known = all(k for _, _, k in refs) and len(namespaces) <= 1
            kind = SourceKind.CLASS if unit.owner is not None else SourceKind.MODULE
            return ConfigSource(kind, unit.name, namespace, known, tuple(a for a, _, _ in refs))
        # inherited by a unit an app reads (``class Production(Base)``, star imports)
        for other in self.draft_units.values():
            if other.referenced_by_app and unit.name in self._ancestors(other.name):
                source = self._source_of(other)
                if source is not None:
                    return source
        if unit.module in self._django_modules:
            django_ns, django_known, read = self.django_namespaces
            if not read:
                return None
            apps = tuple(a for a, t, _, _ in self.config_calls if self._is_django_settings(t))
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
            unit = self.draft_units.get(current)
            if unit is None:
                continue
            for parent in unit.parents:
                if parent not in seen:
                    seen.append(parent)
                    stack.append(parent)
        return seen
