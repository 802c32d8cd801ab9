"""The runtime-import collector: modules loaded when code runs, not when a module loads.

``facts/extract.py`` records the imports a module executes at load time (the import
graph). This collector adds the rest, for rules that must know what *else* may get
loaded, such as Django's ``AppConfig.ready()`` importing a signals module:

- ``import``/``from ... import`` statements inside function bodies;
- loading by name: ``importlib.import_module("x")``, ``__import__``, Django's
  ``import_string``/``autodiscover_modules``, Celery's ``symbol_by_name``, wherever they
  are called. A computed name becomes a fact with ``target=None`` (a dynamic import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import RuntimeImportFact
from celerylint.kit.context import FileContext
from celerylint.kit.names import dotted_name, import_bindings, resolve_relative
from celerylint.kit.values import string_value

#: callables that import a module named by their first argument
_LOAD_BY_NAME = frozenset(
    {"importlib.import_module", "builtins.__import__", "importlib.__import__"}
)
#: callables that import ``module.attr`` given as ``"module.attr"`` or ``"module:attr"``
_LOAD_SYMBOL = frozenset(
    {
        "django.utils.module_loading.import_string",
        "celery.utils.imports.symbol_by_name",
        "celery.utils.symbol_by_name",
        "kombu.utils.imports.symbol_by_name",
        "kombu.utils.symbol_by_name",
    }
)
#: callables that import modules whose names nobody can list statically
_LOAD_UNKNOWN = frozenset({"django.utils.module_loading.autodiscover_modules"})
#: the last name of every callable above: a cheap filter before resolving a call
_CALL_NAMES = frozenset(
    ref.rsplit(".", 1)[1] for ref in _LOAD_BY_NAME | _LOAD_SYMBOL | _LOAD_UNKNOWN
)


class RuntimeImportCollector:
    """Imports in function bodies and loading by name (``ModuleFacts.runtime_imports``)."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._found: list[RuntimeImportFact] = []

    def _function(self) -> str:
        fn = self.ctx.function
        return fn.qualname if fn is not None else ""

    def visit_Import(self, node: cst.Import) -> None:
        ctx = self.ctx
        if not ctx.functions or ctx.type_checking_depth:
            return
        function = self._function()
        for alias in node.names:
            target = dotted_name(alias.name)
            if target is not None:
                self._found.append(RuntimeImportFact(function, target))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        ctx = self.ctx
        if not ctx.functions or ctx.type_checking_depth:
            return
        base = resolve_relative(
            ctx.module,
            ctx.is_package,
            len(node.relative),
            dotted_name(node.module) if node.module is not None else None,
        )
        if base is None:
            return
        function = self._function()
        for _, target in import_bindings(node, ctx.module, ctx.is_package):
            self._found.append(RuntimeImportFact(function, base, target.rsplit(".", 1)[1]))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            last = func.attr.value
        elif isinstance(func, cst.Name):
            last = func.value
        else:
            return
        if last not in _CALL_NAMES or self.ctx.type_checking_depth:
            return
        ref = self.ctx.resolve(func)
        if ref is None:
            return
        first = node.args[0].value if node.args and not node.args[0].star else None
        literal = string_value(first) if isinstance(first, cst.SimpleString) else None
        text = literal if isinstance(literal, str) else None
        function = self._function()
        if ref in _LOAD_BY_NAME:
            dynamic = text is None or text.startswith(".")
            self._found.append(RuntimeImportFact(function, None if dynamic else text))
        elif ref in _LOAD_SYMBOL:
            module, sep, attr = (text or "").replace(":", ".").rpartition(".")
            if text is None or not sep or not module:
                self._found.append(RuntimeImportFact(function, None))
            else:
                self._found.append(RuntimeImportFact(function, module, attr))
        elif ref in _LOAD_UNKNOWN:
            self._found.append(RuntimeImportFact(function, None))

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> dict[str, Any]:
        return {"runtime_imports": tuple(self._found)}
