"""Canvas structure: which signatures run after which, and who gets a parent's result.

Celery prepends the parent's return value to a *mutable* signature's arguments when it
runs as the next step of a chain, as a ``link=`` callback or as a chord body (Canvas guide
-> *Partials*, *Immutability*; Calling guide -> *Linking*). A group followed by another
signature becomes a chord (``group | task``, ``chain(group, task)``). This module reads
those shapes from the CST (phase 1) and says, for every signature in them, whether it
receives a parent result and in which role.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from celerylint.kit.values import DictValue, evaluate, string_value
from celerylint.semantics.call_shapes import DIRECT_METHODS, SIGNATURE_METHODS
from celerylint.semantics.calls import (
    TaskArguments,
    immutable_flag,
    set_immutable,
    task_arguments,
)

Resolve = Callable[[cst.BaseExpression], "str | None"]
#: the value a local name certainly holds (``semantics/local_values.py``), or None
Local = Callable[[cst.Name], "cst.BaseExpression | None"]

CHAIN_REFS = frozenset({"celery.chain", "celery.canvas.chain", "celery.canvas._chain"})
GROUP_REFS = frozenset({"celery.group", "celery.canvas.group"})
CHORD_REFS = frozenset({"celery.chord", "celery.canvas.chord", "celery.canvas._chord"})
SIGNATURE_REFS = frozenset(
    {
        "celery.signature",
        "celery.Signature",
        "celery.subtask",
        "celery.canvas.signature",
        "celery.canvas.Signature",
        "celery.canvas.subtask",
    }
)
#: the last component of every canvas constructor's name
_CANVAS_NAMES = frozenset(
    ref.rsplit(".", 1)[-1] for ref in CHAIN_REFS | GROUP_REFS | CHORD_REFS | SIGNATURE_REFS
)
#: task methods that make a signature
#: signature methods that return the same signature (``sig.set(queue="q")``)
SAME_SIGNATURE_METHODS = frozenset({"set", "on_error"})


@dataclass(eq=False)
class Sig:
    """One task signature: ``t.s(...)``, ``t.si(...)``, ``t.signature(...)``,
    ``signature("name", ...)``."""

    node: cst.Call
    method: cst.Name | None  # the ``s``/``si`` attribute name (None for ``signature(...)``)
    receiver: str | None  # the task reference, for ``t.s()``
    task_name: str | None  # for ``signature("name")``
    immutable: bool | None
    arguments: TaskArguments | None
    #: the signature's own ``ignore_result`` option (``t.s().set(ignore_result=True)``,
    #: ``t.signature(args, ignore_result=True)``): "" when not given, "true", "false", or
    #: "unknown" (not a literal, or ``**options`` that may hold it)
    ignore_result: str = ""
    #: the local name through which the canvas uses this signature (``chord(header)``
    #: after ``header = [t.s(1)]``), None when it is written in the canvas itself
    via: cst.Name | None = None


def ignore_result_option(call: cst.Call, resolve: Resolve) -> str:
    """The ``ignore_result`` execution option a call passes (as ``Sig.ignore_result``):
    ``ignore_result=`` or ``options={"ignore_result": ...}``; "unknown" under ``**kwargs``."""
    found = ""
    for arg in call.args:
        if arg.star == "**":
            found = found or "unknown"
        elif arg.keyword is None:
            continue
        elif arg.keyword.value == "ignore_result":
            value = evaluate(arg.value, resolve)
            return ("true" if value else "false") if isinstance(value, bool) else "unknown"
        elif arg.keyword.value == "options":
            options = evaluate(arg.value, resolve)
            if not isinstance(options, DictValue):
                found = "unknown"
                continue
            value = options.get("ignore_result")
            if isinstance(value, bool):
                return "true" if value else "false"
            if value is not None:
                found = "unknown"
    return found


@dataclass(eq=False)
class Group:
    node: cst.CSTNode
    members: list[Element]


@dataclass(eq=False)
class Chain:
    node: cst.CSTNode
    elements: list[Element]


@dataclass(eq=False)
class Chord:
    node: cst.CSTNode
    header: list[Element]
    body: Element


#: a canvas element; None stands for something we cannot see into (a variable, a call)
Element = Sig | Group | Chain | Chord | None


class CanvasReader:
    """Parses canvas expressions; remembers the nodes it has read so that the caller,
    visiting every node, handles each canvas once at its outermost expression."""

    def __init__(self, resolve: Resolve, local: Local | None = None) -> None:
        self.resolve = resolve
        self.local = local
        self.seen: set[int] = set()
        self._via: cst.Name | None = None  # the local name being followed

    def _follow(self, node: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.Name | None]:
        """``node``, or the value of the local name it is (bound once), with that name."""
        if isinstance(node, cst.Name) and self.local is not None and self._via is None:
            value = self.local(node)
            if value is not None:
                return value, node
        return node, self._via

    def read(self, node: cst.BaseExpression) -> Element:
        """The canvas ``node`` builds, or None when it is not (visibly) one."""
        value, via = self._follow(node)
        if via is not self._via:
            outer, self._via = self._via, via
            try:
                return self.read(value)
            finally:
                self._via = outer
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            operands: list[cst.BaseExpression] = []
            self._flatten(node.left, operands)
            self._flatten(node.right, operands)
            elements = [self.read(operand) for operand in operands]
            if not any(e is not None for e in elements):
                return None
            self.seen.add(id(node))
            return Chain(node, elements)
        return None

    def _flatten(self, node: cst.BaseExpression, out: list[cst.BaseExpression]) -> None:
        if (
            isinstance(node, cst.BinaryOperation)
            and isinstance(node.operator, cst.BitOr)
            and not node.lpar
        ):
            self.seen.add(id(node))
            self._flatten(node.left, out)
            self._flatten(node.right, out)
        else:
            out.append(node)

    def _members(self, args: Sequence[cst.Arg]) -> list[Element]:
        """Elements given as ``f(a, b)``, ``f([a, b])`` or ``f(x for x in y)``."""
        positional = [a for a in args if a.keyword is None]
        if len(positional) == 1 and not positional[0].star:
            value, via = self._follow(positional[0].value)
            if via is not self._via:
                outer, self._via = self._via, via
                try:
                    return self._members([cst.Arg(value)])
                finally:
                    self._via = outer
            if isinstance(value, cst.List | cst.Tuple):
                return [
                    None if isinstance(el, cst.StarredElement) else self.read(el.value)
                    for el in value.elements
                ]
            if isinstance(value, cst.GeneratorExp | cst.ListComp):
                return [self.read(value.elt)]
        return [None if a.star else self.read(a.value) for a in positional]

    def _call(self, node: cst.Call) -> Element:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in SIGNATURE_METHODS:
                return self._signature_method(node, func)
            if method in SAME_SIGNATURE_METHODS:
                return self._same_signature(node, func)
        if isinstance(func, cst.Call) and self.resolve(func.func) in CHORD_REFS:
            return self._chord_called(node, func)
        if isinstance(func, cst.Attribute) and func.attr.value not in _CANVAS_NAMES:
            return None  # do not resolve every ``obj.method()`` of the file
        if not isinstance(func, cst.Name | cst.Attribute):
            return None
        ref = self.resolve(func)
        if ref is None:
            return None
        if ref in SIGNATURE_REFS:
            return self._signature(node)
        if ref in GROUP_REFS:
            self.seen.add(id(node))
            return Group(node, self._members(node.args))
        if ref in CHAIN_REFS:
            self.seen.add(id(node))
            return Chain(node, self._members(node.args))
        if ref in CHORD_REFS:
            self.seen.add(id(node))
            return self._chord(node)
        return None

    def _signature_method(self, node: cst.Call, func: cst.Attribute) -> Element:
        """``task.s(...)``, ``task.si(...)``, ``task.signature(...)``."""
        method = func.attr.value
        receiver = self.resolve(func.value)
        if receiver is None:
            return None
        self.seen.add(id(node))
        # ``s``/``si`` take the task's own keyword arguments, ``signature`` options
        options = ignore_result_option(node, self.resolve) if method not in DIRECT_METHODS else ""
        return Sig(
            node,
            func.attr,
            receiver,
            None,
            immutable_flag(node, method),
            task_arguments(node, method, self.resolve),
            options,
            self._via,
        )

    def _same_signature(self, node: cst.Call, func: cst.Attribute) -> Element:
        """A method that returns the same signature (``sig.set(...)``, ...)."""
        inner = self.read(func.value)
        if isinstance(inner, Sig):
            self.seen.add(id(node))
            if func.attr.value == "set":
                immutable = set_immutable(node, inner.immutable)
                if immutable is not inner.immutable:
                    # ``.set()`` decides: renaming ``.s``/``.si`` would not fix it
                    inner.immutable, inner.method = immutable, None
                inner.ignore_result = (
                    ignore_result_option(node, self.resolve) or inner.ignore_result
                )
        return inner

    def _chord_called(self, node: cst.Call, func: cst.Call) -> Element:
        """``chord(header)(body)``."""
        inner = self._call(func)
        if not isinstance(inner, Chord):
            return None
        self.seen.add(id(node))
        body = node.args[0].value if node.args and not node.args[0].star else None
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "body":
                body = arg.value
        if body is None:  # ``chord(header, body)()``
            return Chord(node, inner.header, inner.body)
        return Chord(node, inner.header, self.read(body))

    def _chord(self, node: cst.Call) -> Element:
        """``chord(header, body)``, positionally or by keyword."""
        header_arg: cst.Arg | None = None
        body_arg: cst.Arg | None = None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if positional:
            header_arg = positional[0]
        if len(positional) > 1:
            body_arg = positional[1]
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "header":
                header_arg = arg
            elif arg.keyword is not None and arg.keyword.value == "body":
                body_arg = arg
        header: list[Element] = []
        if header_arg is not None:
            read = self.read(header_arg.value)
            if isinstance(read, Group):
                header = read.members
            else:
                header = self._members([cst.Arg(header_arg.value)])
        body_element = self.read(body_arg.value) if body_arg is not None else None
        return Chord(node, header, body_element)

    def _signature(self, node: cst.Call) -> Element:
        """``signature("name", args=(...), kwargs={...}, immutable=...)``, or a signature
        around another one (``signature(t.s(1))``)."""
        first = node.args[0] if node.args else None
        if first is None or first.star or first.keyword is not None:
            return None
        if isinstance(first.value, cst.SimpleString | cst.ConcatenatedString):
            name = string_value(first.value)
            if not isinstance(name, str):
                return None
            self.seen.add(id(node))
            return Sig(
                node,
                None,
                None,
                name,
                immutable_flag(node, "signature"),
                task_arguments(node, "send_task", self.resolve),
                ignore_result_option(node, self.resolve),
                self._via,
            )
        if len(node.args) == 1:
            inner = self.read(first.value)
            if isinstance(inner, Sig):
                self.seen.add(id(node))
            return inner
        return None


@dataclass(eq=False)
class Placed:
    """A signature's place in a canvas."""

    sig: Sig
    role: str  # "chain" | "group" | "chord-header" | "chord-body" | "link" | ""
    receives_parent: bool
    chord: int = -1  # index into ``Placement.chords``


@dataclass(eq=False)
class Placement:
    """Every signature of a canvas with its role, and the chords in it."""

    placed: list[Placed] = field(default_factory=list)
    chords: list[tuple[str, cst.CSTNode]] = field(default_factory=list)  # (kind, node)

    def add(self, element: Element, receives: bool, role: str, chord: int = -1) -> None:
        """Place ``element`` where it gets a parent result (``receives``) or not."""
        if isinstance(element, Sig):
            self.placed.append(Placed(element, role, receives, chord))
        elif isinstance(element, Group):
            for member in element.members:
                self.add(member, receives, role or "group", chord)
        elif isinstance(element, Chord):
            index = len(self.chords)
            self.chords.append(("chord", element.node))
            for member in element.header:
                self.add(member, receives, "chord-header", index)
            self.add(element.body, True, "chord-body", index)
        elif isinstance(element, Chain):
            self._chain(element, receives, role, chord)

    def _chain(self, chain: Chain, receives: bool, role: str, chord: int) -> None:
        elements = chain.elements
        body_of = -1  # the chord whose body the next element is
        for i, element in enumerate(elements):
            takes_parent = receives if i == 0 else True
            here, here_chord = ((role or "chain"), chord) if i == 0 else ("chain", -1)
            if body_of >= 0:
                self.add(element, True, "chord-body", body_of)
                body_of = -1
                continue
            if isinstance(element, Group) and i + 1 < len(elements):
                body_of = len(self.chords)
                self.chords.append(("group-chain", element.node))
                for member in element.members:
                    self.add(member, takes_parent, "chord-header", body_of)
                continue
            self.add(element, takes_parent, here, here_chord)
