"""Questions several settings/security rules ask of the configuration model.

* :func:`mixed_style_keys` reproduces ``celery.app.utils.detect_settings``: which keys
  make Celery refuse to start with "Cannot mix new and old setting keys".
* :func:`where` words the production reach of a value for messages.
* :func:`numbers` / :func:`truth` read a value (or its alternatives) as Celery would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from celerylint.kit.values import Value
from celerylint.project.config_model import ProjectConfig
from celerylint.project.config_types import ConfigValue, SourceKind
from celerylint.semantics.config_env import selects_environment, truthy
from celerylint.semantics.config_names import NEW_TO_OLD, OLD_TO_NEW, SETTING_KEYS


def where(value: ConfigValue) -> str:
    """``production settings `proj.settings.production```, ```proj.settings.base`, which
    production settings `proj.settings.production` inherit``, ``the Celery app `...```."""
    if value.unit is None:
        return f"the Celery app `{value.source.name}`"
    others = [n for n in value.production_in if n != value.unit]
    if not others:
        return f"production settings `{value.unit}`"
    names = ", ".join(f"`{n}`" for n in others[:3]) + (" ..." if len(others) > 3 else "")
    verb = "inherit" if len(others) > 1 else "inherits"
    return f"`{value.unit}`, which production settings {names} {verb}"


def production_contexts(config: ProjectConfig) -> list[list[ConfigValue]]:
    """The configurations Celery runs with in production, one per production settings unit
    (with the ``app.conf`` writes of the apps that read it) and one per app whose
    production configuration is only ``app.conf``/``Celery(**kw)``, each in order."""
    contexts: list[list[ConfigValue]] = []
    app_values = [v for v in config.app_values() if v.reaches_production]
    covered: set[str] = set()
    for name in config.production_units:
        unit = config.units[name]
        apps = unit.source.apps if unit.source is not None else ()
        covered.update(apps)
        values = [v for found in config.unit_values(name).values() for v in found]
        values += [v for v in app_values if not apps or v.source.name in apps]
        contexts.append(values)
    rest: dict[str, list[ConfigValue]] = {}
    for value in app_values:
        if value.source.name not in covered:
            rest.setdefault(value.source.name, []).append(value)
    contexts.extend(rest.values())
    return contexts


@dataclass(frozen=True)
class Truth:
    value: bool
    certain: bool  # False: one branch of ``a if c else b``, or under an unknown ``if``


def truth(value: ConfigValue) -> Truth | None:
    """Is the setting on? None when unknown. Alternatives make the answer uncertain."""
    direct = truthy(value.value)
    if direct is not None:
        return Truth(direct, value.guard is None or selects_environment(value.guard))
    branches = [truthy(v) for v in value.alternatives]
    if value.alternatives and any(b is True for b in branches):
        return Truth(True, False)
    return None


def numbers(value: ConfigValue) -> list[float]:
    """The numeric value(s): the literal, or every numeric alternative."""
    found: list[float] = []
    for candidate in value.candidates:
        if isinstance(candidate, int | float) and not isinstance(candidate, bool):
            found.append(float(candidate))
    return found


def number(value: Value) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass(frozen=True)
class MixedKey:
    value: ConfigValue
    rename: str  # what Celery suggests
    majority: str  # "new" | "old"


def _detect(names: set[str]) -> tuple[str, set[str]] | None:
    """(the style Celery settles on, the keys it rejects), as ``detect_settings``."""
    is_in_new = names & SETTING_KEYS
    is_in_old = names & set(OLD_TO_NEW)
    info: str | None = None
    left: set[str] = set()
    if is_in_new:
        info, left = "new", is_in_old
        if is_in_old and len(is_in_old) > len(is_in_new):
            info, left = "old", is_in_new
    if is_in_old:
        if info is None:
            info, left = "old", is_in_new
        if is_in_new and len(is_in_new) > len(is_in_old):
            info, left = "new", is_in_old
    else:
        info, left = "new", is_in_old
    convert = OLD_TO_NEW if info == "new" else NEW_TO_OLD
    really_left = {key for key in left if convert.get(key, key) not in names}
    return (info, really_left) if really_left else None


def mixed_style_keys(config: ProjectConfig) -> Iterator[MixedKey]:
    """Keys of non-namespaced config objects that make Celery refuse to start."""
    for unit in config.units.values():
        source = unit.source
        if source is None or source.kind not in {SourceKind.MODULE, SourceKind.CLASS}:
            continue
        if source.namespace is not None or not source.namespace_known:
            continue
        if source.name != unit.name:
            continue  # a base inherited by the config object: checked through it
        writes = config.effective_map(unit.name)
        yield from _mixed({name: found[-1] for name, found in writes.items()})
    # an app configured only through ``app.conf`` writes (no config object): Celery checks
    # the pending configuration (``Celery(**kw)`` keywords are exempt)
    with_object = {app for unit in config.units.values() if unit.source for app in unit.source.apps}
    by_app: dict[str, dict[str, ConfigValue]] = {}
    for value in config.app_values():
        if value.op == "init" or value.function is not None:
            continue
        if value.source.name in with_object or value.source.namespace is not None:
            continue
        by_app.setdefault(value.source.name, {})[value.name] = value
    for names in by_app.values():
        yield from _mixed(names)


def _mixed(last: dict[str, ConfigValue]) -> Iterator[MixedKey]:
    """``last``: each name in the config and its (last) write."""
    found = _detect(set(last))
    if found is None:
        return
    majority, rejected = found
    for key in sorted(rejected):
        rename = OLD_TO_NEW.get(key, key) if majority == "new" else NEW_TO_OLD.get(key, key)
        yield MixedKey(last[key], rename, majority)
