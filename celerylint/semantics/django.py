"""What Django code looks like, from module names alone."""

from __future__ import annotations

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
