"""Which return values Celery's JSON result serializer cannot encode.

Celery encodes a stored result with ``result_serializer`` ("json" by default), which is
kombu's ``kombu.utils.json.dumps``. Its encoder (``JSONEncoder.default`` in kombu 5.7)
handles what ``json`` does (dicts, lists, tuples, strings, numbers, booleans, None) plus
objects with a ``__json__()`` method, Django's lazy strings (``Promise``), ``datetime``,
``date``, ``time``, ``Decimal``, ``UUID`` and ``bytes``, and the types a project adds with
``kombu.utils.json.register_type``. Everything else raises ``TypeError``, which Celery
reports as ``EncodeError`` and turns into a FAILURE state (``app/trace.py``).

What is recognised here, and certainly fails: a Django model instance
(``Model.objects.get(...)``, ``create(...)``, ``get_object_or_404(...)``), a queryset
(``Model.objects.filter(...)``, ``.values()``...), an ``(instance, created)`` pair, a
``set``/``frozenset`` (literal, comprehension, ``set(...)``), an HTTP response
(``requests.get(...)``, ``httpx.post(...)``, ``urlopen(...)``) and a file object
(``open(...)``), returned directly, through a local name, or inside a returned dict,
list or tuple literal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from celerylint.semantics.django import (
    ORM_INSTANCE_METHODS,
    ORM_QUERYSET_METHODS,
    ORM_VALUES_METHODS,
    manager_chain,
)

Resolve = Callable[[cst.BaseExpression], "str | None"]

_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
#: calls returning an HTTP response object
RESPONSE_CALLS = frozenset(
    {
        *(f"requests.{m}" for m in _HTTP_METHODS),
        *(f"requests.api.{m}" for m in _HTTP_METHODS),
        *(f"httpx.{m}" for m in _HTTP_METHODS),
        "urllib.request.urlopen",
    }
)
#: calls returning an open file
FILE_CALLS = frozenset({"builtins.open", "io.open"})
SET_CALLS = {"builtins.set": "set", "builtins.frozenset": "frozenset"}
SHORTCUTS = {
    "django.shortcuts.get_object_or_404": "model instance",
    "django.shortcuts.get_list_or_404": "list of model instances",
}
#: calls that teach kombu's JSON new types, or replace the "json" serializer
JSON_CUSTOMIZERS = frozenset(
    {
        "kombu.utils.json.register_type",
        "kombu.serialization.register",
        "kombu.serialization.registry.register",
    }
)
#: queryset methods that give a queryset again
QUERYSET_CHAIN = ORM_QUERYSET_METHODS | ORM_VALUES_METHODS
#: set operators that give a set when one side is one
_SET_OPERATORS = (cst.BitOr, cst.BitAnd, cst.Subtract, cst.BitXor)
_SET_AUG_OPERATORS = (cst.BitOrAssign, cst.BitAndAssign, cst.SubtractAssign, cst.BitXorAssign)


@dataclass(frozen=True, slots=True)
class Unencodable:
    """A value JSON cannot encode: what it is, and the expression that makes it."""

    kind: str  # "model instance" | "queryset" | "pair" | "list of model instances"
    # | "set" | "frozenset" | "HTTP response" | "file object"
    maker: cst.CSTNode


def made_value(node: cst.BaseExpression, resolve: Resolve) -> Unencodable | None:
    """What ``node`` makes when it is one of the recognised calls or literals."""
    if isinstance(node, cst.Set | cst.SetComp):
        return Unencodable("set", node)
    if not isinstance(node, cst.Call):
        return None
    orm = manager_chain(node, extended=True)
    if orm is not None:
        return Unencodable(orm, node)
    ref = resolve(node.func)
    if ref is None:
        return None
    if ref in SET_CALLS:
        return Unencodable(SET_CALLS[ref], node)
    if ref in RESPONSE_CALLS:
        return Unencodable("HTTP response", node)
    if ref in FILE_CALLS:
        return Unencodable("file object", node)
    if ref in SHORTCUTS:
        return Unencodable(SHORTCUTS[ref], node)
    return None


class ValueTable:
    """The names of one function bound to values JSON cannot encode, by the latest
    assignment seen in source order (any other assignment forgets the name)."""

    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve
        self.names: dict[str, Unencodable] = {}

    def of(self, node: cst.BaseExpression) -> Unencodable | None:
        """What ``node`` evaluates to, when that is a recognised value."""
        made = made_value(node, self.resolve)
        if made is not None:
            return made
        if isinstance(node, cst.Call):
            return self._query_on_name(node)
        if isinstance(node, cst.Name):
            return self.names.get(node.value)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, _SET_OPERATORS):
            for side in (node.left, node.right):
                found = self.of(side)
                if found is not None and found.kind in ("set", "frozenset"):
                    return found
            return None
        return None

    def _query_on_name(self, node: cst.Call) -> Unencodable | None:
        """``qs.filter(...)``/``qs.first()`` on a name holding a queryset."""
        current: cst.BaseExpression = node
        methods: list[str] = []
        while isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            methods.append(current.func.attr.value)
            current = current.func.value
        if not isinstance(current, cst.Name) or not methods:
            return None
        held = self.names.get(current.value)
        if held is None or held.kind != "queryset":
            return None
        if not all(m in QUERYSET_CHAIN for m in methods[1:]):
            return None
        last = methods[0]
        if last in ORM_INSTANCE_METHODS:
            return Unencodable("model instance", node)
        if last in QUERYSET_CHAIN:
            return Unencodable("queryset", node)
        return None

    def inside(self, node: cst.BaseExpression) -> tuple[cst.BaseExpression, Unencodable] | None:
        """The first recognised value in ``node`` or in the dict, list and tuple literals
        it is made of (``{"user": user}``), with the expression that holds it; a
        conditional counts when either branch does."""
        found = self.of(node)
        if found is not None:
            return node, found
        parts: list[cst.BaseExpression] = []
        if isinstance(node, cst.Dict):
            parts = [el.value for el in node.elements if isinstance(el, cst.DictElement)]
        elif isinstance(node, cst.List | cst.Tuple):
            parts = [el.value for el in node.elements if isinstance(el, cst.Element)]
        elif isinstance(node, cst.IfExp):
            parts = [node.body, node.orelse]
        for part in parts:
            hit = self.inside(part)
            if hit is not None:
                return hit
        return None

    def bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        """After ``target = value`` (``value`` None: the target gets something unknown)."""
        if isinstance(target, cst.Name):
            found = self.of(value) if value is not None else None
            if found is None:
                self.names.pop(target.value, None)
            else:
                self.names[target.value] = found
            return
        if isinstance(target, cst.Tuple | cst.List):
            made = self.of(value) if value is not None else None
            for position, el in enumerate(target.elements):
                if position == 0 and made is not None and made.kind == "pair":
                    inner = el.value
                    if isinstance(inner, cst.Name):
                        self.names[inner.value] = Unencodable("model instance", made.maker)
                        continue
                self.bind(el.value, None)
            return
        if isinstance(target, cst.StarredElement):
            self.bind(target.value, None)

    def augmented(self, node: cst.AugAssign) -> None:
        target = node.target
        if not isinstance(target, cst.Name):
            return
        current = self.names.get(target.value)
        keeps = (
            current is not None
            and current.kind in ("set", "frozenset")
            and isinstance(node.operator, _SET_AUG_OPERATORS)
        )
        if not keeps:
            self.names.pop(target.value, None)


def describe(node: cst.CSTNode, limit: int = 60) -> str:
    """The expression as written, on one line, shortened."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
