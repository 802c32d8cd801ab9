"""Positions for just the nodes that need them.

libcst's ``PositionProvider`` records a range for every node of the module (2-4x the cost
of parsing). Most files need none, and the rest need a handful (a finding, a task
definition, an import in a models module). This runs the same code generation but keeps
no generated text and records only the wanted nodes, giving the same syntactic ranges
as ``PositionProvider``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import libcst as cst
from libcst._nodes.internal import CodegenState

# the newline convention libcst's own position provider uses
_NEWLINE = re.compile(r"\r\n?|\n")
_NULL: AbstractContextManager[None] = nullcontext()

Range = tuple[
    int, int, int, int
]  # start line (1-based), start column (0-based), end line, end column


class _Done(Exception):
    """Every wanted node has its range: the rest of the module need not be generated."""


class _TargetedState(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.found: dict[int, Range] = {}
        self._starts: list[tuple[int, int]] = []
        self._pending = set(wanted)  # wanted, not found yet
        self._open = 0  # syntactic ranges being recorded

    def _advance(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def pop_trailing_newline(self) -> None:
        return None

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self._starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            line, column = self._starts.pop()
            if key not in self.found:  # a syntactic range, if recorded, wins
                self.found[key] = (line, column, self.line, self.column)
                self._pending.discard(key)
            if not self._pending and not self._starts and not self._open:
                raise _Done

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        if id(node) not in self.wanted:
            return _NULL
        # a range hoisted from children needs the children's ranges too
        for child in (start_node, end_node):
            if child is not None and id(child) not in self.wanted:
                self.wanted.add(id(child))
                self._pending.add(id(child))
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> Iterator[None]:
        start = (self.line, self.column)
        self._open += 1
        try:
            yield
        finally:
            self._open -= 1
            end = (self.line, self.column)
            if start_node is not None and id(start_node) in self.found:
                start = self.found[id(start_node)][:2]
            if end_node is not None and id(end_node) in self.found:
                end = self.found[id(end_node)][2:]
            self.found[id(node)] = (*start, *end)
            self._pending.discard(id(node))


def node_ranges(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Range]:
    """Syntactic ranges (as ``PositionProvider`` gives them) keyed by ``id(node)``."""
    state = _TargetedState(module, {id(n) for n in nodes})
    with contextlib.suppress(_Done):  # after the last wanted node: skip the rest
        module._codegen(state)
    return state.found
