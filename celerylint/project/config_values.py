"""Every configuration write Celery reads, as a :class:`ConfigValue` (phase 2, for
``ProjectConfig``): the own writes of each settings unit a source reads, and the writes
on the apps themselves (``Celery(**kw)``, ``app.conf.update``, ``app.conf.x = v``), with
module constants and environment lookups followed to a literal. ``ProjectConfig`` merges
them into effective values and production reach."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.diagnostics import Span
from celerylint.factdata import SELF_RECEIVER, ConfWriteFact, ModuleFacts
from celerylint.kit.values import DictValue, Ref, Value
from celerylint.project.config_types import ConfigSource, ConfigValue, SourceKind
from celerylint.semantics.config_env import (
    EnvRead,
    Kind,
    env_read,
    guard_classification,
    is_env_class_call,
)
from celerylint.semantics.config_names import NameMeaning, Style, meaning
from celerylint.semantics.django import is_test_module

if TYPE_CHECKING:
    from celerylint.project.config_model import ProjectConfig

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


class ConfigWrites:
    """The writes Celery reads, resolved lazily (``config.writes``)."""

    def __init__(self, config: ProjectConfig) -> None:
        self.config = config
        self.index = config.index
        self.sources = config.sources

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
    def unit_values(self) -> dict[str, list[ConfigValue]]:
        """Own writes of every unit that Celery reads, in source order."""
        out: dict[str, list[ConfigValue]] = {}
        for unit in self.config.units.values():
            source = unit.source
            if source is None:
                continue
            facts = self.index.modules[unit.module]
            values = out.setdefault(unit.name, [])
            for write in self.sources.draft_units[unit.name].writes:
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
    def app_values(self) -> list[ConfigValue]:
        """Writes on the apps themselves (``Celery(**kw)``, ``app.conf...``), in module order."""
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
            app = self.sources.app_of(write.receiver)
        if app is None:
            return
        yield from self._app_values_of(facts, write, app)

    def _app_values_of(
        self, facts: ModuleFacts, write: ConfWriteFact, app: str, in_factory: bool = False
    ) -> Iterator[ConfigValue]:
        namespace = self.sources.app_namespace(app) if app in self.index.apps else None
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
