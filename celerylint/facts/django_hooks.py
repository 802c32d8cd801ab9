"""Facts about task dispatches in code Django runs while a model is saved or deleted:
model signal receivers (``@receiver(post_save, ...)``, ``post_save.connect(f)``) and
``save()``/``delete()`` methods (``semantics/django.py`` knows the signals; CEL310 decides
in phase 2 whether the class is a model, the function connected, the task a task); and in
functions that may be views (CEL311: they run inside the request's transaction under
``ATOMIC_REQUESTS``).

A dispatch inside a lambda, ``functools.partial`` or nested function handed to
``transaction.on_commit`` is not in the receiver's own code (the innermost function
counts), and ``delay_on_commit()`` is no dispatch; both are deferred already.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import FixFact, HandlerHint, HookDispatchFact, SignalConnectFact
from celerylint.facts.on_commit import deferred_dispatch
from celerylint.facts.transactions import DISPATCH_METHODS, task_dispatch
from celerylint.kit.context import FileContext
from celerylint.kit.edits import NodeFix
from celerylint.semantics.django import (
    MODEL_METHOD_HOOKS,
    RECEIVER_REFS,
    SIGNAL_RECEIVER_PARAMS,
    is_test_module,
    model_signal,
)
from celerylint.semantics.handlers import handler_hint
from celerylint.semantics.transactions import transaction_scope

SpanOf = Callable[[cst.CSTNode], Span]
_DISPATCH_OR_SEND = DISPATCH_METHODS | {"send_task"}
#: ``@transaction.non_atomic_requests``, ``@method_decorator(non_atomic_requests, ...)``
_NON_ATOMIC = "non_atomic_requests"


@dataclasses.dataclass(frozen=True, slots=True)
class _Hook:
    hook: str
    owner_bases: tuple[str, ...] = ()
    handler: HandlerHint | None = None
    non_atomic: bool = False


class DjangoHookCollector:
    """Fills ``ModuleFacts.hook_dispatches``, ``signal_connects`` and ``hook_fixes``."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._skip = is_test_module(ctx.module)
        self._statements: set[int] = set()  # calls whose value is unused (``Expr``)
        self._hooks: dict[int, _Hook | None] = {}
        self._found: list[tuple[HookDispatchFact, cst.Call, NodeFix | None]] = []
        self._connects: list[SignalConnectFact] = []

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            self._statements.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "connect":
                self._connect(node, func)
                return
            if func.attr.value not in _DISPATCH_OR_SEND:
                return
        elif not isinstance(func, cst.Call):
            return
        ctx = self.ctx
        fn = ctx.function
        if fn is None or not isinstance(fn.node, cst.FunctionDef):
            return
        key = id(fn.node)
        if key not in self._hooks:
            self._hooks[key] = self._hook(fn.node)
        hook = self._hooks[key]
        if hook is None:
            return
        found = task_dispatch(node, ctx)
        if found is None:
            return
        scope = transaction_scope(ctx)
        if scope.atomic:
            return  # an explicit transaction: CEL301's business
        target, kind, text = found
        fact = HookDispatchFact(
            target,
            kind,
            text,
            fn.qualname,
            hook.hook,
            hook.owner_bases,
            handler=hook.handler,
            non_atomic=hook.non_atomic,
            candidates=scope.candidates,
        )
        fix = deferred_dispatch(ctx, node) if id(node) in self._statements else None
        if fix is not None:
            ctx.want_fix(fix)
        ctx.want_position(node)
        self._found.append((fact, node, fix))

    def _hook(self, node: cst.FunctionDef) -> _Hook | None:
        """What makes this function run during a save or delete, or inside a request."""
        ctx = self.ctx
        for decorator in node.decorators:
            expr = decorator.decorator
            if not isinstance(expr, cst.Call) or ctx.resolve(expr.func) not in RECEIVER_REFS:
                continue
            if not expr.args or expr.args[0].keyword is not None:
                return None
            first = expr.args[0].value
            items = (
                [e.value for e in first.elements]
                if isinstance(first, cst.List | cst.Tuple)
                else [first]
            )
            signals = [s for item in items if (s := model_signal(ctx.resolve(item)))]
            return _Hook(signals[0]) if signals else None
        frames = ctx.resolver.frames
        if len(frames) < 2 or len(ctx.functions) != 1:
            return None
        enclosing = frames[-2]
        if enclosing.kind == "class":
            if len(ctx.classes) != 1 or len(frames) != 3:
                return None
            cls = ctx.classes[0]
            if node.name.value in MODEL_METHOD_HOOKS:
                bases = tuple(
                    ref
                    for arg in cls.bases
                    if arg.keyword is None and (ref := ctx.resolve(arg.value))
                )
                return _Hook(node.name.value, bases) if bases else None
            return self._view(node, cls)
        if enclosing.kind == "module":
            params = node.params
            names = {p.name.value for p in (*params.posonly_params, *params.params)}
            names.update(p.name.value for p in params.kwonly_params)
            if names & SIGNAL_RECEIVER_PARAMS:
                return _Hook("")
            return self._view(node, None)
        return None

    def _view(self, node: cst.FunctionDef, cls: cst.ClassDef | None) -> _Hook | None:
        hint = handler_hint(self.ctx)
        if hint is None:
            return None
        decorators = [*node.decorators, *(cls.decorators if cls is not None else ())]
        code = cst.Module([]).code_for_node
        non_atomic = any(_NON_ATOMIC in code(d) for d in decorators)
        return _Hook("view", handler=hint, non_atomic=non_atomic)

    def _connect(self, node: cst.Call, func: cst.Attribute) -> None:
        signal = model_signal(self.ctx.resolve(func.value))
        if signal is None:
            return
        receiver = next(
            (
                a.value
                for a in node.args
                if (a.keyword is None and not a.star)
                or (a.keyword is not None and a.keyword.value == "receiver")
            ),
            None,
        )
        ref = self.ctx.resolve(receiver) if receiver is not None else None
        if ref is not None:
            self._connects.append(SignalConnectFact(signal, ref))

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        if not self._found and not self._connects:
            return {}
        dispatches = []
        fixes = []
        for fact, call, node_fix in self._found:
            span = span_of(call) if span_of is not None else None
            dispatches.append(dataclasses.replace(fact, span=span))
            fix = self.ctx.realized_fix(node_fix) if node_fix is not None else None
            if fix is not None and span is not None:
                fixes.append(FixFact(span, fix))
        return {
            "hook_dispatches": tuple(dispatches),
            "signal_connects": tuple(self._connects),
            "hook_fixes": tuple(fixes),
        }
