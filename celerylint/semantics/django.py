"""What Django code looks like: module names, the app lists settings build, model
signals and model classes."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    pass

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


@cache  # asked for every module by several project rules
def is_test_module(module: str) -> bool:
    parts = module.split(".")
    last = parts[-1]
    if last.startswith("test_") or last.endswith("_test") or last in {"tests", "conftest", "test"}:
        return True
    return any(part in _TEST_DIRS for part in parts[:-1])


@cache
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


def app_of_module(apps: Iterable[str], module: str) -> bool:
    """Is ``module`` part of one of these installed apps (``shop`` or
    ``shop.apps.ShopConfig`` for ``shop.views``)?"""
    for app in apps:
        label = app.split(".apps.", 1)[0] if ".apps." in app else app
        if module == label or module.startswith(label + "."):
            return True
    return False


# -- ATOMIC_REQUESTS ------------------------------------------------------------------------
