"""Builtin names in a module with star imports (``from proj.errors import *``).

Phase 1 cannot see what a star import brings in, so it resolves a builtin name there to
the importing module (``proj.tasks.Exception``) instead of ``builtins.Exception``. Phase 2
decides with the facts of every module: the name is the star-imported module's when that
project module binds it at module level, and the builtin otherwise.

A star import from a module outside the project (a library) is taken not to shadow the
builtins: libraries practically never export ``Exception``-like names through ``*``, and
linters such as ruff treat builtins as builtins there too. A library that did would make a
rule read the builtin where the library's class is meant; we accept that rare case rather
than lose every builtin in such modules.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from celerylint.factdata import ModuleFacts

BUILTIN_NAMES = frozenset(dir(builtins))


def star_binding(
    modules: Mapping[str, ModuleFacts], bindings: Mapping[str, str], module: str, name: str
) -> str | None:
    """Where ``module.name`` comes from when ``module`` does not bind ``name`` itself: the
    star-imported project module that binds it (``other.name``), ``builtins.name`` for a
    builtin no star import provides, or None (not a builtin, or no star import)."""
    facts = modules.get(module)
    if facts is None or name not in BUILTIN_NAMES:
        return None
    stars = [imp.target for imp in facts.imports if imp.name == "*"]
    if not stars:
        return None
    for source in stars:
        found = modules.get(source)
        if found is None:
            continue  # a library: taken not to shadow builtins (see the module docstring)
        if name in found.defines or f"{source}.{name}" in bindings:
            return f"{source}.{name}"
        if any(imp.name == "*" for imp in found.imports):
            return f"{source}.{name}"  # decided again there, through its own star imports
    return f"builtins.{name}"
