"""What Django code looks like: module names, and the app lists settings build."""

from __future__ import annotations

import libcst as cst

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
