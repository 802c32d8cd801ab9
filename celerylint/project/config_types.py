"""The plain data of the configuration model: where settings come from
(:class:`ConfigSource`, :class:`SourceKind`), the settings modules and classes
(:class:`SettingsUnit`, and :class:`DraftUnit` while they are found and classified), one
write Celery reads (:class:`ConfigValue`) and the targeted Celery version
(:class:`CeleryVersion`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from celerylint.diagnostics import Span
from celerylint.factdata import SettingFact
from celerylint.kit.values import UNKNOWN, ListValue, Value
from celerylint.semantics.config_env import EnvRead, Kind
from celerylint.semantics.config_names import Style

DJANGO_SETTINGS_SOURCES = frozenset({"django.conf:settings", "django.conf.settings"})
CURRENT_APP_REFS = frozenset({"celery.current_app", "celery.app.current_app"})


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


@dataclass
class DraftUnit:
    """A settings unit while the sources are found and classified (mutable)."""

    name: str
    module: str
    path: str
    owner: str | None
    writes: list[SettingFact]
    parents: list[str] = field(default_factory=list)
    kind: Kind = Kind.UNKNOWN
    reason: str = ""
    referenced_by_app: list[tuple[str, str | None, bool]] = field(default_factory=list)


def literal_strings(value: Value) -> list[str]:
    """The string items of a list/tuple/set value (``accept_content``), or the string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, ListValue):
        return [v for v in value.items if isinstance(v, str)]
    if isinstance(value, tuple):
        return [v for v in value if isinstance(v, str)]
    return []
