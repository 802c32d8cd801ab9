"""What Django code looks like: module names, and the app lists settings build."""

from __future__ import annotations

import libcst as cst

_TEST_DIRS = frozenset({"tests", "test", "testing"})


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
