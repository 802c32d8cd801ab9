"""What Django code looks like: module names, the app lists settings build, model
signals and model classes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.semantics.config_env import Kind, guard_classification
from celerylint.semantics.values import UNKNOWN, ListValue, Value

if TYPE_CHECKING:
    from celerylint.facts.index import ProjectIndex
    from celerylint.facts.model import DatabasesWriteFact
    from celerylint.semantics.config_model import ConfigValue, ProjectConfig

_TEST_DIRS = frozenset({"tests", "test", "testing"})

#: manager/queryset methods returning one model instance
ORM_INSTANCE_METHODS = frozenset(
    {"get", "create", "first", "last", "earliest", "latest", "get_or_none"}
)
#: manager/queryset methods returning a queryset
ORM_QUERYSET_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "select_for_update",
        "only",
        "defer",
        "distinct",
        "annotate",
        "using",
        "none",
        "reverse",
    }
)
#: queryset methods whose queryset yields dicts or tuples (still a queryset, not a list)
ORM_VALUES_METHODS = frozenset({"values", "values_list"})
#: manager methods returning an ``(instance, created)`` tuple
ORM_PAIR_METHODS = frozenset({"get_or_create", "update_or_create"})


def is_test_module(module: str) -> bool:
    parts = module.split(".")
    last = parts[-1]
    if last.startswith("test_") or last.endswith("_test") or last in {"tests", "conftest", "test"}:
        return True
    return any(part in _TEST_DIRS for part in parts[:-1])


def is_models_module(module: str) -> bool:
    """``<app>.models`` or a module of a ``<app>.models`` package (not tests under it)."""
    parts = module.split(".")
    if is_test_module(module):
        return False
    return parts[-1] == "models" or (len(parts) >= 2 and parts[-2] == "models")


def is_app_list_name(name: str) -> bool:
    """``INSTALLED_APPS`` and the lists it is commonly built from (``THIRD_PARTY_APPS``)."""
    return name == "INSTALLED_APPS" or (name.isupper() and name.endswith("_APPS"))


def app_list_strings(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> list[cst.SimpleString]:
    """The string literals that ``target = value`` / ``target += value`` /
    ``target.append(value)`` put into an app list (``[]``, ``()``, ``+`` concatenations)."""
    name = target.attr.value if isinstance(target, cst.Attribute) else None
    if isinstance(target, cst.Name):
        name = target.value
    if name is None or not is_app_list_name(name):
        return []
    found: list[cst.SimpleString] = []
    pending: list[cst.BaseExpression] = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.SimpleString):
            found.append(node)
        elif isinstance(node, cst.List | cst.Tuple):
            pending.extend(el.value for el in node.elements if isinstance(el, cst.Element))
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            pending.extend((node.left, node.right))
    return found


def manager_chain(node: cst.BaseExpression, *, extended: bool = False) -> str | None:
    """``X.objects.<...>.<last>(...)``: "model instance" or "queryset" by the last method.

    ``extended`` also names ``.values()``/``.values_list()`` querysets ("queryset") and
    ``get_or_create``/``update_or_create`` ("pair": an ``(instance, created)`` tuple)."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    last = node.func.attr.value
    current: cst.BaseExpression = node.func.value
    while True:
        if isinstance(current, cst.Attribute) and current.attr.value == "objects":
            break
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            current = current.func.value
            continue
        return None
    if last in ORM_INSTANCE_METHODS:
        return "model instance"
    if last in ORM_QUERYSET_METHODS:
        return "queryset"
    if extended and last in ORM_VALUES_METHODS:
        return "queryset"
    if extended and last in ORM_PAIR_METHODS:
        return "pair"
    return None


# -- model signals and model classes -----------------------------------------------------

#: the model signals Django sends while it saves or deletes rows (``m2m_changed``,
#: ``pre_delete`` and ``post_delete`` always inside its own transaction)
MODEL_SIGNAL_NAMES = ("pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed")
MODEL_SIGNALS = {f"django.db.models.signals.{name}": name for name in MODEL_SIGNAL_NAMES}
RECEIVER_REFS = frozenset({"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"})
#: model methods that write rows
MODEL_METHOD_HOOKS = frozenset({"save", "delete"})
#: the parameters a signal receiver is called with (``sender``, ``instance``, ...)
SIGNAL_RECEIVER_PARAMS = frozenset({"sender", "instance"})
MODEL_BASES = frozenset({"django.db.models.Model", "django.db.models.base.Model"})


def model_signal(ref: str | None) -> str | None:
    """``post_save`` when ``ref`` is Django's ``post_save`` model signal, else None (a
    custom ``Signal()`` or ``request_finished`` may be sent outside any transaction)."""
    return MODEL_SIGNALS.get(ref) if ref is not None else None


def _third_party_model(ref: str) -> bool:
    """``django.contrib.auth.models.AbstractUser``, ``model_utils.models.TimeStampedModel``:
    a class from another package's ``models`` module."""
    parts = ref.split(".")
    return "models" in parts[:-1] and not ref.startswith(_NOT_MODEL_PREFIXES)


#: ``django.forms.models.ModelForm`` lives in a ``models`` module but is no model
_NOT_MODEL_PREFIXES = ("django.forms.", "rest_framework.", "django.contrib.admin.")


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


def app_of_module(apps: Iterable[str], module: str) -> bool:
    """Is ``module`` part of one of these installed apps (``shop`` or
    ``shop.apps.ShopConfig`` for ``shop.views``)?"""
    for app in apps:
        label = app.split(".apps.", 1)[0] if ".apps." in app else app
        if module == label or module.startswith(label + "."):
            return True
    return False


# -- ATOMIC_REQUESTS ------------------------------------------------------------------------


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
