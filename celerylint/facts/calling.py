"""The calling collector: task results that are read, and canvases (chains, groups,
chords, link callbacks).

Drives ``semantics/results.py`` (which names hold task results, in source order) and
``semantics/canvas.py`` (which signature gets which parent result) over the engine's one
traversal, and records plain facts for the calling rules (CEL601-CEL605).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import (
    ChordFact,
    HandlerHint,
    ResultByIdFact,
    ResultReadFact,
    ResultSource,
    SignatureFact,
)
from celerylint.kit.context import FileContext
from celerylint.semantics.canvas import CanvasReader, Chain, Chord, Group, Placement, Sig
from celerylint.semantics.handlers import handler_hint
from celerylint.semantics.local_values import single_bindings
from celerylint.semantics.result_values import describe
from celerylint.semantics.results import (
    ATTRIBUTE_READS,
    BLOCKING_READS,
    DISPATCH_METHODS,
    STATUS_READS,
    ResultFlow,
    rebuilt_from_id,
)

SpanOf = Callable[[cst.CSTNode], Span]

_READ_METHODS = BLOCKING_READS | STATUS_READS
#: calls whose ``link=`` callbacks get the caller's result
_LINKING_METHODS = frozenset({"apply_async", "set"})

Comprehension = cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp


class CallingCollector:
    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.flow = ResultFlow(ctx)
        self._locals: dict[int, dict[str, cst.BaseExpression]] = {}
        # not ``self._local``: a bound method kept by an attribute would make a reference
        # cycle, and the file's tree would live until the cyclic garbage collector ran
        self.canvas = CanvasReader(ctx.resolve, partial(_local_value, ctx, self._locals))
        self._reads: list[tuple[ResultReadFact, cst.CSTNode]] = []
        self._signatures: list[
            tuple[SignatureFact, cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None]
        ] = []
        self._chords: list[tuple[ChordFact, cst.CSTNode]] = []
        self._hints: dict[int, HandlerHint | None] = {}
        #: results rebuilt from an id (CEL611), with the enclosing function's node id
        self._by_id: list[tuple[ResultByIdFact, cst.CSTNode, int]] = []
        self._by_id_seen: set[int] = set()
        self._dispatching: set[int] = set()  # functions that send a task

    # -- dataflow --------------------------------------------------------------------------

    def leave_Assign(self, node: cst.Assign) -> None:
        self.flow.assigned([t.target for t in node.targets], node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.flow.assigned([node.target], node.value)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self.flow.augmented(node.target, node.value)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.flow.assigned([node.target], node.value)

    def visit_For(self, node: cst.For) -> None:
        self.flow.loop(node.target, node.iter)

    def _enter_comprehension(self, node: Comprehension) -> None:
        self.flow.enter_comprehension(node)

    def _leave_comprehension(self, node: Comprehension) -> None:
        self.flow.leave_comprehension()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.flow.leave_function(node)
        self._hints.pop(id(node), None)
        self._locals.pop(id(node), None)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.flow.leave_function(node)

    # -- reads -----------------------------------------------------------------------------

    def _hint(self) -> HandlerHint | None:
        scope = self.ctx.function
        if scope is None:
            return None
        key = id(scope.node)
        if key not in self._hints:
            self._hints[key] = handler_hint(self.ctx)
        return self._hints[key]

    def _read(self, node: cst.Call | cst.Attribute) -> None:
        read = self.flow.read_at(node)
        if read is None:
            return
        fn = self.ctx.function
        fact = ResultReadFact(
            read.source,
            read.read,
            read.blocking,
            fn.qualname if fn is not None else None,
            read.timeout,
            read.opted_out,
            self._hint(),
        )
        self.ctx.want_position(node)
        self._reads.append((fact, node))
        origin = read.origin
        if origin is not None and read.source.method == "AsyncResult":
            self._rebuilt(origin, read.source, read.read)

    def _rebuilt(self, call: cst.Call, source: ResultSource, read: str) -> None:
        """A result made from an id by ``call`` is read (or restored: ``read`` "restore")."""
        if id(call) in self._by_id_seen:
            return
        self._by_id_seen.add(id(call))
        fn = self.ctx.function
        options = any(
            arg.star == "**"
            or (arg.keyword is not None and arg.keyword.value in ("backend", "app"))
            for arg in call.args
        )
        fact = ResultByIdFact(
            source,
            read,
            describe(call),
            fn.qualname if fn is not None else None,
            False,
            options,
        )
        self.ctx.want_position(call)
        self._by_id.append((fact, call, id(fn.node) if fn is not None else 0))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in ATTRIBUTE_READS:
            self._read(node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in DISPATCH_METHODS:
                fn = self.ctx.function
                self._dispatching.add(id(fn.node) if fn is not None else 0)
            elif method == "restore":
                source = rebuilt_from_id(node, self.ctx.resolve)
                if source is not None:
                    self._rebuilt(node, source, "restore")
            if method in _READ_METHODS:
                self._read(node)
            else:
                self.flow.collected(node)
                if method in _LINKING_METHODS:
                    self._links(node, node.args)
                elif (
                    method == "link"
                    and len(node.args) == 1
                    and self.canvas.read(func.value) is not None
                ):
                    self._links(node, [cst.Arg(node.args[0].value, keyword=cst.Name("link"))])
        if id(node) not in self.canvas.seen:
            self._canvas(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.BitOr) and id(node) not in self.canvas.seen:
            self._canvas(node)

    # -- canvas ----------------------------------------------------------------------------

    def _canvas(self, node: cst.Call | cst.BinaryOperation) -> None:
        element = self.canvas.read(node)
        if element is None:
            return
        placement = Placement()
        if isinstance(element, Sig):
            if element.receiver is not None:
                return  # a lone ``t.s()`` is a call site (CallSiteFact)
            placement.add(element, False, "")
        elif isinstance(element, Group | Chain | Chord):
            placement.add(element, False, "")
        self._record(placement)

    def _links(self, node: cst.Call, args: Sequence[cst.Arg]) -> None:
        for arg in args:
            if arg.keyword is None or arg.keyword.value != "link":
                continue
            value = arg.value
            callbacks = (
                [el.value for el in value.elements if not isinstance(el, cst.StarredElement)]
                if isinstance(value, cst.List | cst.Tuple)
                else [value]
            )
            placement = Placement()
            for callback in callbacks:
                placement.add(self.canvas.read(callback), True, "link")
            self._record(placement)

    def _record(self, placement: Placement) -> None:
        fn = self.ctx.function
        function = fn.qualname if fn is not None else None
        first_chord = len(self._chords)
        for kind, chord_node in placement.chords:
            self.ctx.want_position(chord_node)
            self._chords.append((ChordFact(kind, function), chord_node))
        for placed in placement.placed:
            sig = placed.sig
            arguments = sig.arguments
            fact = SignatureFact(
                receiver=sig.receiver,
                task_name=sig.task_name,
                immutable=sig.immutable,
                positional=arguments.positional if arguments is not None else None,
                keywords=arguments.keywords if arguments is not None else None,
                role=placed.role,
                receives_parent=placed.receives_parent,
                args_form=arguments.args_form if arguments is not None else "",
                chord=first_chord + placed.chord if placed.chord >= 0 else -1,
                function=function,
                ignore_result=sig.ignore_result,
            )
            self.ctx.want_position(sig.node)
            if sig.method is not None:
                self.ctx.want_position(sig.method)
            if sig.via is not None:
                self.ctx.want_position(sig.via)
            self._signatures.append((fact, sig.node, sig.method, sig.via))

    # -- result ----------------------------------------------------------------------------

    def finish(self, span_of: SpanOf | None) -> dict[str, Any]:
        def at(node: cst.CSTNode | None) -> Span | None:
            return span_of(node) if node is not None and span_of is not None else None

        return {
            "result_reads": tuple(dataclasses.replace(f, span=at(n)) for f, n in self._reads),
            "signatures": tuple(
                dataclasses.replace(f, span=at(n), method_span=at(m), via_span=at(v))
                for f, n, m, v in self._signatures
            ),
            "chords": tuple(dataclasses.replace(f, span=at(n)) for f, n in self._chords),
            "results_by_id": tuple(
                dataclasses.replace(f, span=at(n), dispatched=key in self._dispatching)
                for f, n, key in self._by_id
            ),
        }


def _local_value(
    ctx: FileContext, known: dict[int, dict[str, cst.BaseExpression]], name: cst.Name
) -> cst.BaseExpression | None:
    """The value the current function certainly gave ``name`` (bound once); ``known``
    keeps each function's bindings, worked out once."""
    fn = ctx.function
    if fn is None:
        return None
    key = id(fn.node)
    if key not in known:
        known[key] = single_bindings(fn.node)
    return known[key].get(name.value)
