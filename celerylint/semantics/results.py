"""Is this expression a task result? A small intra-procedural dataflow over the walk.

Results come from ``t.delay()``/``t.apply_async()`` (also on signatures), a called
``chain``/``group``/``chord``, ``app.send_task()``, ``AsyncResult(id)`` and
``app.AsyncResult(id)``. They are traced, in source order, through local names
(``r = t.delay(x)``), tuple unpacking, list comprehensions and literals
(``[t.delay(i) for i in ids]``), ``.append()`` in loops, ``for`` loops and comprehensions
over such lists (``for r in results``, ``enumerate``/``zip``) and subscripts
(``results[0]``). Anything else (a parameter, an attribute, a call we do not know) is not
a result: ``dict.get`` and every other ``.get`` stay quiet.

``ResultFlow`` is driven by a fact collector with the engine's context (``ctx.functions``
for scopes, ``ctx.resolve`` for names); each function has its own table of names, and a
nested function sees its enclosing functions' names unless it rebinds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.factdata import ResultSource
from celerylint.kit.values import Value, evaluate
from celerylint.semantics.call_shapes import SEND_METHODS, SEND_NOW_METHODS, SEND_TASK
from celerylint.semantics.calls import keyword
from celerylint.semantics.canvas import CanvasReader, Chain, Chord, Group, Sig

if TYPE_CHECKING:
    from celerylint.kit.context import FileContext

#: reads that wait for the task to finish
BLOCKING_READS = frozenset({"get", "join", "join_native", "wait", "collect"})
#: methods that read the state without waiting
STATUS_READS = frozenset({"ready", "successful", "failed"})
#: attributes that read the state or the return value
ATTRIBUTE_READS = frozenset({"state", "status", "result", "info", "traceback"})
#: which reads take ``timeout`` as their first positional parameter
_TIMEOUT_FIRST = frozenset({"get", "join", "join_native", "wait"})

#: Celery's result classes: True for the ones holding several results
RESULT_CLASSES: dict[str, bool] = {
    "celery.result.AsyncResult": False,
    "celery.AsyncResult": False,
    "celery.result.GroupResult": True,
    "celery.result.ResultSet": True,
    "celery.result.GroupResult.restore": True,
}
GROUP_RESTORE = frozenset({"celery.result.GroupResult.restore", "celery.GroupResult.restore"})
ALLOW_JOIN_RESULT = frozenset({"celery.result.allow_join_result"})
#: methods that send a task (their result handle lives in the sending thread)
DISPATCH_METHODS = SEND_METHODS | {SEND_TASK}
#: builtins that keep a list of results a list of results
_LIST_KEEPING = frozenset(
    {"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.reversed"}
)
_APPENDERS = frozenset({"append", "add", "insert"})
_EXTENDERS = frozenset({"extend"})

_MODULE = 0  # the scope key of module-level code


def rebuilt_from_id(
    call: cst.Call, resolve: Callable[[cst.BaseExpression], str | None]
) -> ResultSource | None:
    """``GroupResult.restore(id)`` (Celery's class) or ``app.GroupResult.restore(id)``:
    the group result a call looks up by id, if it is one."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "restore":
        return None
    owner = func.value
    if resolve(func) in GROUP_RESTORE:
        return ResultSource("celery", None, "restore", group=True)
    if isinstance(owner, cst.Attribute) and owner.attr.value == "GroupResult":
        ref = resolve(owner.value)
        return ResultSource("app", ref, "restore", group=True) if ref is not None else None
    return None


@dataclass(frozen=True, slots=True)
class Traced:
    """What a name or expression holds: one result, or a collection of results."""

    source: ResultSource
    many: bool = False
    #: the call that made this one result (``AsyncResult(task_id)``), for CEL611
    origin: cst.Call | None = None

    def one(self) -> Traced:
        return Traced(self.source) if self.many else self


@dataclass(frozen=True, slots=True)
class Read:
    """A read of a result found at a node."""

    source: ResultSource
    read: str
    blocking: bool
    timeout: Value
    opted_out: bool
    origin: cst.Call | None = None  # the call that made the result, when one is known


def _ignore_result(call: cst.Call, resolve: Callable[[cst.BaseExpression], str | None]) -> Value:
    arg = keyword(call, "ignore_result")
    return evaluate(arg.value, resolve) if arg is not None else None


class ResultFlow:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._scopes: dict[int, dict[str, Traced | None]] = {}
        self._overlays: list[dict[str, Traced | None]] = []  # comprehension targets
        self._canvas = CanvasReader(ctx.resolve)

    # -- what an expression holds --------------------------------------------------------

    def producer(self, call: cst.Call) -> ResultSource | None:
        """The result a call returns, when it is one of Celery's result-making calls."""
        resolve = self.ctx.resolve
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            owner = func.value
            if method in SEND_NOW_METHODS:
                element = self._canvas.read(owner)
                ignore = _ignore_result(call, resolve) if method == "apply_async" else None
                if isinstance(element, Sig):
                    if element.receiver is not None:
                        return ResultSource("task", element.receiver, method, None, ignore)
                    return ResultSource("celery", None, method, element.task_name, ignore)
                if isinstance(element, Group):
                    return ResultSource("celery", None, "group", None, ignore, True)
                if isinstance(element, Chain | Chord):
                    return ResultSource("celery", None, "chain", None, ignore)
                ref = resolve(owner)
                return ResultSource("task", ref, method, None, ignore) if ref else None
            if method == "send_task":
                ref = resolve(owner)
                if ref is None:
                    return None
                name = None
                first = call.args[0] if call.args else None
                if first is not None and first.keyword is None and not first.star:
                    value = evaluate(first.value, resolve)
                    name = value if isinstance(value, str) else None
                return ResultSource("app", ref, method, name, _ignore_result(call, resolve))
            if method == "AsyncResult":
                ref = resolve(owner)
                return ResultSource("app", ref, method) if ref else None
        if isinstance(func, cst.Name | cst.Attribute):
            ref = resolve(func)
            if ref is not None and ref in RESULT_CLASSES:
                name = ref.rsplit(".", 1)[-1]
                return ResultSource("celery", None, name, group=RESULT_CLASSES[ref])
        element = self._canvas.read(func)
        if isinstance(element, Group):
            return ResultSource("celery", None, "group", group=True)
        if isinstance(element, Chain | Chord):
            return ResultSource("celery", None, "chain")
        return None

    def traced(self, node: cst.BaseExpression) -> Traced | None:
        """What ``node`` holds, when it is a result or a collection of results."""
        if isinstance(node, cst.Call):
            source = self.producer(node)
            if source is not None:
                return Traced(source, origin=node)
            if node.args and not node.args[0].star and self.ctx.resolve(node.func) in _LIST_KEEPING:
                inner = self.traced(node.args[0].value)
                return inner if inner is not None and inner.many else None
            return None
        if isinstance(node, cst.Name):
            return self.lookup(node.value)
        if isinstance(node, cst.Subscript):
            inner = self.traced(node.value)
            if inner is None or not inner.many:
                return None
            index = node.slice[0].slice if len(node.slice) == 1 else None
            return inner.one() if isinstance(index, cst.Index) else inner
        if isinstance(node, cst.ListComp | cst.GeneratorExp | cst.SetComp):
            inner = self.traced(node.elt)
            return Traced(inner.source, True) if inner is not None else None
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            for el in node.elements:
                inner = self.traced(el.value)
                if inner is not None:
                    return Traced(inner.source, True)
            return None
        return None

    def lookup(self, name: str) -> Traced | None:
        for overlay in reversed(self._overlays):
            if name in overlay:
                return overlay[name]
        functions = self.ctx.functions
        for i in range(len(functions) - 1, -1, -1):
            scope = self._scopes.get(id(functions[i].node))
            if scope is not None and name in scope:
                return scope[name]
            if name in functions[i].frame.bindings:
                return None  # a parameter or another local
        module = self._scopes.get(_MODULE)
        return module.get(name) if module is not None else None

    # -- bindings, in source order ---------------------------------------------------------

    def _scope(self) -> dict[str, Traced | None]:
        key = id(self.ctx.functions[-1].node) if self.ctx.functions else _MODULE
        return self._scopes.setdefault(key, {})

    def _bind(
        self, target: cst.BaseExpression, value: Traced | None, scope: dict[str, Traced | None]
    ) -> None:
        if isinstance(target, cst.Name):
            scope[target.value] = value
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self._bind(el.value, None, scope)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None, scope)

    def _bind_pairs(
        self,
        target: cst.BaseExpression,
        values: list[Traced | None] | None,
        scope: dict[str, Traced | None],
    ) -> None:
        """``a, b = x, y``: bind element-wise when the shapes match, else clear."""
        if (
            values is not None
            and isinstance(target, cst.Tuple | cst.List)
            and len(target.elements) == len(values)
            and not any(isinstance(el, cst.StarredElement) for el in target.elements)
        ):
            for el, value in zip(target.elements, values, strict=True):
                self._bind(el.value, value, scope)
            return
        self._bind(target, None, scope)

    def assigned(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        """After ``targets = value`` (called when leaving the statement)."""
        scope = self._scope()
        if isinstance(value, cst.Tuple) and any(
            isinstance(t, cst.Tuple | cst.List) for t in targets
        ):
            items = [
                None if isinstance(el, cst.StarredElement) else self.traced(el.value)
                for el in value.elements
            ]
            for target in targets:
                if isinstance(target, cst.Tuple | cst.List):
                    self._bind_pairs(target, items, scope)
                else:
                    self._bind(target, self.traced(value), scope)
            return
        traced = self.traced(value)
        for target in targets:
            self._bind(target, traced, scope)

    def augmented(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``results += [t.delay(x)]``."""
        if not isinstance(target, cst.Name):
            return
        traced = self.traced(value)
        if traced is not None and traced.many:
            self._scope()[target.value] = traced
        elif self.lookup(target.value) is None:
            self._scope()[target.value] = None

    def _element_of(
        self, iterable: cst.BaseExpression, target: cst.BaseExpression
    ) -> list[tuple[cst.BaseExpression, Traced | None]]:
        """What a loop target gets from ``iterable``: ``x``, ``enumerate(x)``, ``zip(a, b)``."""
        if isinstance(iterable, cst.Call) and not any(a.star or a.keyword for a in iterable.args):
            callee = self.ctx.resolve(iterable.func)
            if callee == "builtins.enumerate" and len(iterable.args) >= 1:
                inner = self.traced(iterable.args[0].value)
                if isinstance(target, cst.Tuple) and len(target.elements) == 2:
                    one = inner.one() if inner is not None and inner.many else None
                    return [(target.elements[0].value, None), (target.elements[1].value, one)]
                return [(target, None)]
            if callee == "builtins.zip" and isinstance(target, cst.Tuple):
                if len(target.elements) == len(iterable.args):
                    out: list[tuple[cst.BaseExpression, Traced | None]] = []
                    for el, arg in zip(target.elements, iterable.args, strict=True):
                        inner = self.traced(arg.value)
                        out.append(
                            (el.value, inner.one() if inner is not None and inner.many else None)
                        )
                    return out
                return [(target, None)]
        inner = self.traced(iterable)
        return [(target, inner.one() if inner is not None and inner.many else None)]

    def loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """At ``for target in iterable:`` (before the body)."""
        scope = self._scope()
        for name_target, value in self._element_of(iterable, target):
            self._bind(name_target, value, scope)

    def enter_comprehension(
        self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp
    ) -> None:
        """Before a comprehension's element is visited: bind its ``for`` targets."""
        overlay: dict[str, Traced | None] = {}
        self._overlays.append(overlay)
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            for name_target, value in self._element_of(comp.iter, comp.target):
                self._bind(name_target, value, overlay)
            comp = comp.inner_for_in

    def leave_comprehension(self) -> None:
        self._overlays.pop()

    def collected(self, call: cst.Call) -> None:
        """``results.append(t.delay(x))``/``results.extend(...)``: ``results`` now holds
        results."""
        func = call.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return
        method = func.attr.value
        if method not in _APPENDERS and method not in _EXTENDERS:
            return
        args = [a for a in call.args if not a.star and a.keyword is None]
        if not args:
            return
        traced = self.traced(args[-1].value)
        if traced is None:
            return
        if method in _EXTENDERS and not traced.many:
            return
        name = func.value.value
        current = self.lookup(name)
        if current is None or not current.many:
            self._scope()[name] = Traced(traced.source, True)

    def leave_function(self, node: cst.CSTNode) -> None:
        self._scopes.pop(id(node), None)

    # -- reads -----------------------------------------------------------------------------

    def read_at(self, node: cst.Call | cst.Attribute) -> Read | None:
        """The result read ``node`` makes: ``r.get(...)``, ``r.ready()``, ``r.state``."""
        if isinstance(node, cst.Attribute):
            name = node.attr.value
            if name not in ATTRIBUTE_READS:
                return None
            traced = self.traced(node.value)
            if traced is None or traced.many:
                return None
            return Read(traced.source, name, False, None, False, traced.origin)
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        name = func.attr.value
        blocking = name in BLOCKING_READS
        if not blocking and name not in STATUS_READS:
            return None
        traced = self.traced(func.value)
        if traced is None:
            return None
        if traced.many and not traced.source.group:
            return None  # ``results.get(...)`` on a list is not a result read
        timeout: Value = None
        opted_out = False
        if blocking:
            timeout_arg = keyword(node, "timeout")
            if timeout_arg is None and name in _TIMEOUT_FIRST:
                first = node.args[0] if node.args else None
                if first is not None and first.keyword is None and not first.star:
                    timeout_arg = first
            if timeout_arg is not None:
                timeout = evaluate(timeout_arg.value, self.ctx.resolve)
            disable = keyword(node, "disable_sync_subtasks")
            if disable is not None:
                opted_out = evaluate(disable.value, self.ctx.resolve) is False
            opted_out = opted_out or self._allows_join()
        return Read(traced.source, name, blocking, timeout, opted_out, traced.origin)

    def _allows_join(self) -> bool:
        for block in self._local_with_blocks():
            for item in block.items:
                expr = item.item
                callee = expr.func if isinstance(expr, cst.Call) else expr
                if self.ctx.resolve(callee) in ALLOW_JOIN_RESULT:
                    return True
        return False

    def _local_with_blocks(self) -> Iterator[cst.With]:
        blocks = getattr(self.ctx, "local_with_blocks", None)
        yield from blocks if blocks is not None else self.ctx.with_blocks


# -- phase 2: what a result source is, with the project index -------------------------------

#: the app proxies every project can send through
CURRENT_APP_REFS = frozenset({"celery.current_app", "celery.app.current_app"})


def describe_source(source: ResultSource) -> str:
    """``fetch.delay()``, ``app.send_task('x')``, ``AsyncResult()``, ``a chain`` ..."""
    if source.kind == "task" and source.ref is not None:
        return f"`{source.ref.rsplit('.', 1)[-1]}.{source.method}()`"
    if source.method == "send_task":
        return f"`send_task({source.task_name!r})`" if source.task_name else "`send_task()`"
    if source.method in ("chain", "group"):
        return f"a called {source.method}"
    return f"`{source.method}()`"


# -- phase 2: where results go, and how they are encoded -------------------------------------
