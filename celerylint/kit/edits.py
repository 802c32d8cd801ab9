"""Fixes as replacement nodes (the Fixit way), turned into text edits (the ruff way).

A rule attaches a :class:`NodeFix` ("replace this node by that one", or remove it, or
splice several nodes in its place). Phase 1 turns it into a plain :class:`Fix` of text
edits here, while the tree is still at hand: it renders only the smallest enclosing
node that can be rendered on its own (with the indentation it has in the file), and
keeps only the characters that really change. Everything outside the edited nodes,
comments and formatting included, is untouched by construction.

This module is pure: no I/O, no project knowledge. ``kit/text_edits.py`` holds the text
side (positions, applying edits); ``engine/fixes.py`` applies the edits to files.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import libcst as cst
from libcst._nodes.internal import CodegenState

from celerylint.diagnostics import Edit, Fix, FixSafety
from celerylint.kit.text_edits import SourceMap, edit_span, line_starts

#: what a node may be replaced with
Replacement = Union[cst.CSTNode, cst.RemovalSentinel, "cst.FlattenSentinel[Any]"]


@dataclass(frozen=True, slots=True, eq=False)
class NodeFix:
    """A fix as rules write it: CST nodes and what to put in their place.

    Lives only in phase 1 (it holds CST nodes); ``realize_fixes`` turns it into a
    :class:`Fix` before anything crosses a process boundary.
    """

    message: str
    safety: FixSafety
    replacements: tuple[tuple[cst.CSTNode, Replacement], ...]


# -- rendering nodes in place --------------------------------------------------------------


@functools.cache
def _needs_parent(node_type: type[cst.CSTNode]) -> bool:
    """True when a node renders differently depending on its parent.

    Such nodes get keyword arguments from their parent's codegen (``default_comma`` for
    arguments and elements, ``default_semicolon`` for small statements, ``is_elif``), so
    they are rendered as part of the parent instead.
    """
    parameters = inspect.signature(node_type._codegen_impl).parameters
    return len(parameters) > 2


class _Recorder(CodegenState):
    """Renders the module once, remembering where the nodes of interest start and end
    (as token indices), their ancestors and the indentation in effect."""

    def __init__(self, module: cst.Module, targets: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self._targets = targets
        #: (node, start token, how many indent tokens were in effect): indentation nests,
        #: so an ancestor's indent tokens are a prefix of the current ones
        self._stack: list[tuple[cst.CSTNode, int, int]] = []
        #: id(node) -> [start token, end token, indent tokens, ancestors (outermost first)]
        self.found: dict[int, list[Any]] = {}
        self._watch: set[int] = set()

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((node, len(self.tokens), len(self.indent_tokens)))
        if id(node) in self._targets:
            stack = self._stack
            for depth, (ancestor, start, indent) in enumerate(stack):
                if id(ancestor) not in self.found or ancestor is node:
                    outer = tuple(n for n, _, _ in stack[:depth])
                    tokens = tuple(self.indent_tokens[:indent])
                    self.found[id(ancestor)] = [start, None, tokens, outer]
                    self._watch.add(id(ancestor))

    def after_codegen(self, node: cst.CSTNode) -> None:
        self._stack.pop()
        if id(node) in self._watch:
            self.found[id(node)][1] = len(self.tokens)


class _Replacer(cst.CSTTransformer):
    """Swaps the replaced nodes in; enters only the paths down to them (``keep``: their ids
    and their ancestors'), so a unit as large as a whole module is not rebuilt in full."""

    def __init__(self, table: dict[int, Replacement], keep: set[int]) -> None:
        super().__init__()
        self._table = table
        self._keep = keep

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self._keep

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Replacement:
        return self._table.get(id(original_node), updated_node)


def _render(node: cst.CSTNode, module: cst.Module, indent: tuple[str, ...]) -> str:
    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=list(indent),
    )
    node._codegen(state)
    return "".join(state.tokens)


def _changes(old: str, new: str, base: int, by_lines: bool = False) -> list[tuple[int, int, str]]:
    """Minimal (start, end, content) edits turning ``old`` into ``new`` (offsets + base).

    Small texts give one trimmed edit; a large unit (a whole module, when a fix adds an
    import at the top and changes a statement further down) gives one edit per changed
    region, so that the fix does not swallow the lines in between. ``by_lines``: always
    by changed lines (statements spliced into a body: whole lines added stay whole lines,
    as when their parent is re-rendered).
    """
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    if len(old_lines) <= 3 and not by_lines:
        single = _trimmed_edit(old, new, base)
        return [single] if single is not None else []
    starts = [0, *itertools.accumulate(len(line) for line in old_lines)]
    changes: list[tuple[int, int, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        change = _trimmed_edit(
            "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]), base + starts[i1]
        )
        if change is not None:
            changes.append(change)
    return changes


def _trimmed_edit(old: str, new: str, base: int) -> tuple[int, int, str] | None:
    """The smallest (start, end, content) turning ``old`` into ``new`` (offsets + base)."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return base + prefix, base + len(old) - suffix, new[prefix : len(new) - suffix]


class FixRealizer:
    """Turns a file's node fixes into text fixes with one extra render of the module."""

    def __init__(self, module: cst.Module, text: str, fixes: Sequence[NodeFix]) -> None:
        self.module = module
        self.text = text
        targets = {id(node) for fix in fixes for node, _ in fix.replacements}
        recorder = _Recorder(module, targets)
        module._codegen(recorder)
        rendered = "".join(recorder.tokens)
        self.rendered = rendered
        #: libcst drops a form feed before a statement: map its offsets back to the text
        self._map = SourceMap.build(rendered, text) if rendered != text else None
        self.ok = rendered == text or self._map is not None
        #: why the file gets no fixes at all (None: it does, or it has no fixes)
        self.unfixable: str | None = None
        if not self.ok:
            self.unfixable = "celerylint's parser (libcst) does not reproduce this file exactly"
        elif self._map is not None and _indent_after_form_feed.search(text):
            # libcst compares indentation as text: new lines indented without the form
            # feed could not be parsed again
            self.ok = False
            self.unfixable = "a form feed starts an indented line of this file"
        self._found = recorder.found
        self._offsets = list(itertools.accumulate((len(t) for t in recorder.tokens), initial=0))
        self._starts = line_starts(text)

    def _range(self, node: cst.CSTNode) -> tuple[int, int] | None:
        entry = self._found.get(id(node))
        if entry is None or entry[1] is None:
            return None
        # a file without a final newline: libcst pops the last newline token after the
        # whole module is rendered, so the last nodes' end tokens point past the end
        last = len(self._offsets) - 1
        end = min(self._offsets[min(entry[1], last)], len(self.rendered))
        return self._offsets[min(entry[0], last)], end

    def _clipped(self, node: cst.CSTNode) -> bool:
        """True when the node's rendering ends with the newline the file does not have."""
        entry = self._found[id(node)]
        return bool(entry[1] is not None and entry[1] > len(self._offsets) - 1)

    def _unit(self, node: cst.CSTNode, replacement: Replacement, fine: bool) -> cst.CSTNode | None:
        """The node to re-render for this replacement: the node itself, or the nearest
        ancestor that renders the same on its own. ``fine``: statements spliced into a
        body are rendered in place of the old one, without their parent."""
        entry = self._found.get(id(node))
        if entry is None:
            return None
        ancestors: tuple[cst.CSTNode, ...] = entry[3]
        if fine and _spliced_statements(node, replacement, ancestors):
            return node
        unit = node
        climb = not isinstance(replacement, cst.CSTNode) or _needs_parent(type(replacement))
        depth = len(ancestors)
        while climb or _needs_parent(type(unit)):
            if depth == 0:
                return None
            depth -= 1
            unit = ancestors[depth]
            climb = False
        return unit

    def _outermost(self, units: Iterable[cst.CSTNode]) -> list[tuple[int, int, cst.CSTNode]] | None:
        """The units not inside another one, by position; None when two overlap partly (not
        expressible as separate edits) or one has no known range."""
        ranged = []
        for unit in {id(u): u for u in units}.values():
            where = self._range(unit)
            if where is None:
                return None
            ranged.append((where[0], -where[1], unit))
        ranged.sort(key=lambda item: (item[0], item[1]))
        kept: list[tuple[int, int, cst.CSTNode]] = []
        covered_end = -1
        for start, neg_end, unit in ranged:
            end = -neg_end
            if end <= covered_end:
                continue  # inside the previous unit
            if start < covered_end:
                return None
            covered_end = end
            kept.append((start, end, unit))
        return kept

    def _pieces(self, fix: NodeFix) -> list[tuple[int, int, cst.CSTNode, bool]] | None:
        """What to re-render for ``fix``: (start, end, unit, diff by lines).

        The units are the smallest ancestors that render on their own. A unit of more than
        three lines is compared with its new rendering line by line; inside such a unit,
        statements spliced into a body (an import added after the last one) are rendered in
        the old statement's place instead of re-rendering the parent (a whole module),
        which gives the same edits: the lines in between are unchanged either way."""
        pairs = fix.replacements
        coarse = [self._unit(node, replacement, False) for node, replacement in pairs]
        if any(unit is None for unit in coarse):
            return None
        outer = self._outermost(u for u in coarse if u is not None)
        if outer is None:
            return None
        fine = [self._unit(node, replacement, True) for node, replacement in pairs]
        pieces: list[tuple[int, int, cst.CSTNode, bool]] = []
        for start, end, unit in outer:
            if len(self.rendered[start:end].splitlines()) <= 3:
                pieces.append((start, end, unit, False))
                continue
            inside = []
            for candidate in fine:
                where = self._range(candidate) if candidate is not None else None
                if candidate is not None and where is not None and start <= where[0] < end:
                    inside.append(candidate)
            parts = self._outermost(inside)
            if parts is None:
                return None
            pieces.extend((a, b, part, True) for a, b, part in parts)
        return pieces

    def realize(self, fix: NodeFix) -> Fix | None:
        """The text edits of one fix, or None if it cannot be expressed (or changes nothing)."""
        if not self.ok or not fix.replacements:
            return None
        pieces = self._pieces(fix)
        if pieces is None:
            return None
        table: dict[int, Replacement] = {id(node): new for node, new in fix.replacements}
        keep: set[int] = set()
        for node, _ in fix.replacements:
            keep.add(id(node))
            keep.update(id(ancestor) for ancestor in self._found[id(node)][3])
        replacer = _Replacer(table, keep)
        edits: list[Edit] = []
        for start, end, unit, by_lines in pieces:
            new_unit = unit.visit(replacer)
            entry = self._found[id(unit)]
            if isinstance(new_unit, cst.FlattenSentinel):  # statements spliced in its place
                new_text = "".join(_render(n, self.module, entry[2]) for n in new_unit.nodes)
            elif isinstance(new_unit, cst.CSTNode):
                new_text = _render(new_unit, self.module, entry[2])
            else:
                return None  # a unit cannot itself be removed
            if self._clipped(unit):
                # the unit ends the file, whose last newline is missing: keep it missing
                newline = self.module.default_newline
                if not new_text.endswith(newline):
                    return None
                new_text = new_text[: -len(newline)]
            for a, b, content in _changes(self.rendered[start:end], new_text, start, by_lines):
                if self._map is not None:
                    where = self._map.span(a, b)
                    if where is None:
                        return None  # it would delete a character libcst does not render
                    a, b = where
                edits.append(Edit(content, edit_span(self._starts, a, b)))
        if not edits:
            return None
        return Fix(fix.message, fix.safety, tuple(edits))


def _spliced_statements(
    node: cst.CSTNode, replacement: Replacement, ancestors: tuple[cst.CSTNode, ...]
) -> bool:
    """A statement of a module's or block's body replaced by statements: its parent renders
    each of its statements on its own, with nothing passed down, so the new statements can
    be rendered in the old one's place without re-rendering the parent (a whole module, when
    a fix adds an import after the last one)."""
    return (
        isinstance(replacement, cst.FlattenSentinel)
        and len(replacement.nodes) > 0
        and all(isinstance(n, cst.BaseStatement) for n in replacement.nodes)
        and isinstance(node, cst.BaseStatement)
        and bool(ancestors)
        and isinstance(ancestors[-1], cst.Module | cst.IndentedBlock)
    )


_indent_after_form_feed = re.compile(r"^[ \t]*\x0c+[ \t]+\S", re.M)


def realize_fixes(
    module: cst.Module, text: str, fixes: Sequence[NodeFix]
) -> tuple[list[Fix | None], str | None]:
    """Text fixes for ``fixes`` (None where a fix cannot be expressed), and why the file
    gets none at all, if that is the case."""
    if not fixes:
        return [], None
    realizer = FixRealizer(module, text, fixes)
    return [realizer.realize(fix) for fix in fixes], realizer.unfixable
