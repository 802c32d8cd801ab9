"""A read-only walk over a libcst tree: the same ``on_visit``/``on_leave`` calls, in the same
order, as ``tree.visit(visitor)`` makes for the node types the visitor cares about.

``CSTNode.visit`` rebuilds every node on the way back up (a new dataclass, validated) even
for a read-only visitor, and enters every whitespace, comma and parenthesis token. This walk
reads the children fields in libcst's own visit order (the generated ``cst_children`` table)
and never enters a subtree whose node class, by the field annotations, cannot contain a
node of an interesting type. When the installed libcst is not the version the table was
generated from, it falls back to ``tree.visit``.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from functools import cache, lru_cache

import libcst as cst

from celerylint.kit.cst_children import CHILDREN, EITHER, LIBCST_VERSION, ONE

NodeType = type[cst.CSTNode]
#: a known class's fields as (name, kind, the concrete classes the field may hold)
Fields = tuple[tuple[str, int, frozenset[NodeType]], ...]


class _Everything:
    """The "interesting" set of a walk that reports every node."""

    def __contains__(self, item: object) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class _Plan:
    interesting: Container[NodeType]
    #: known classes worth entering -> the fields worth descending into, in visit order
    steps: dict[NodeType, tuple[tuple[str, int], ...]]
    #: known classes that neither are interesting nor can contain an interesting node
    skip: frozenset[NodeType]


@lru_cache(maxsize=1)
def table_matches() -> bool:
    """Whether the generated table describes the installed libcst (its generated version
    module when it has one: ``importlib.metadata`` costs some 15 ms per run to import and
    to look the distribution up)."""
    try:
        from libcst._version import __version__ as version
    except ImportError:  # not a field of libcst's public API: ask the distribution
        import importlib.metadata

        try:
            version = importlib.metadata.version("libcst")
        except importlib.metadata.PackageNotFoundError:
            return False
    return bool(version == LIBCST_VERSION)


@lru_cache(maxsize=1)
def known_fields() -> dict[NodeType, Fields | None]:
    """The generated table with class names resolved; ``None``: ask ``node.children``."""
    classes: dict[NodeType, tuple[tuple[str, int, tuple[str, ...]], ...] | None] = {}
    for name, fields in CHILDREN.items():
        cls = getattr(cst, name, None)
        if isinstance(cls, type) and issubclass(cls, cst.CSTNode):
            classes[cls] = fields
    expanded: dict[str, frozenset[NodeType]] = {}

    def concrete(name: str) -> frozenset[NodeType]:
        if name not in expanded:
            annotated = getattr(cst, name, None)
            # by the MRO: ``issubclass`` on libcst's ABCs is slow and they register nothing
            expanded[name] = frozenset(c for c in classes if annotated in c.__mro__)
        return expanded[name]

    return {
        cls: None
        if fields is None
        else tuple(
            (field, kind, frozenset().union(*(concrete(n) for n in allowed)))
            for field, kind, allowed in fields
        )
        for cls, fields in classes.items()
    }


@lru_cache(maxsize=64)
def _plan(interesting: frozenset[NodeType] | None) -> _Plan:
    table = known_fields()
    if interesting is None:
        steps = {
            cls: tuple((field, kind) for field, kind, _ in fields)
            for cls, fields in table.items()
            if fields is not None
        }
        return _Plan(_Everything(), steps, frozenset())
    # the classes that may contain an interesting node: a fixed point over the annotations
    # (a class whose children the table cannot tell may contain anything)
    holders = {cls for cls, fields in table.items() if fields is None}
    changed = True
    while changed:
        changed = False
        for cls, fields in table.items():
            if cls in holders or fields is None:
                continue
            if any(
                not allowed.isdisjoint(interesting) or not allowed.isdisjoint(holders)
                for _, _, allowed in fields
            ):
                holders.add(cls)
                changed = True
    relevant = holders | interesting
    steps = {}
    for cls, fields in table.items():
        if fields is None or cls not in relevant:
            continue
        steps[cls] = tuple(
            (field, kind) for field, kind, allowed in fields if not allowed.isdisjoint(relevant)
        )
    return _Plan(interesting, steps, frozenset(table.keys() - relevant))


def walk(
    tree: cst.CSTNode,
    visitor: cst.CSTVisitor,
    interesting: frozenset[NodeType] | None = None,
) -> None:
    """Call ``visitor.on_visit``/``on_leave`` for the nodes of ``tree`` whose exact type is
    in ``interesting`` (every node when it is None) in the order ``tree.visit(visitor)``
    would, without rebuilding any node. Nodes of other types get no calls: the visitor must
    do nothing for them (as ``Walker`` does). ``on_visit`` returning False skips the
    node's children, as in libcst. Recursive: deep trees raise ``RecursionError``."""
    if not table_matches():
        tree.visit(visitor)
        return
    plan = _plan(interesting)
    chosen, steps, skip = plan.interesting, plan.steps, plan.skip
    on_visit, on_leave = visitor.on_visit, visitor.on_leave
    default = cst.MaybeSentinel.DEFAULT
    node_class = cst.CSTNode

    def visit(node: cst.CSTNode) -> None:
        kind_of = type(node)
        fields = steps.get(kind_of)
        if fields is None:  # not in the table (or not readable from it)
            opaque(node)
            return
        hit = kind_of in chosen
        if hit and not on_visit(node):
            on_leave(node)
            return
        for name, kind in fields:
            value = getattr(node, name)
            if kind == ONE:
                if value is not None and value is not default and type(value) not in skip:
                    visit(value)
                continue
            if kind == EITHER and isinstance(value, node_class):
                if type(value) not in skip:
                    visit(value)
                continue
            if value is not None:
                for child in value:
                    if type(child) not in skip:
                        visit(child)
        if hit:
            on_leave(node)

    def opaque(node: cst.CSTNode) -> None:
        hit = type(node) in chosen
        if hit and not on_visit(node):
            on_leave(node)
            return
        for child in node.children:
            if type(child) not in skip:
                visit(child)
        if hit:
            on_leave(node)

    try:
        if type(tree) not in skip:
            visit(tree)
    finally:
        # the two functions reach each other (and themselves) through their cells: cut
        # that cycle, so that the visitor and the tree it saw are freed as soon as the
        # caller drops them, not at a later pass of the cyclic garbage collector
        visit = opaque = None  # type: ignore[assignment]


@cache
def hooked_types(visitor_class: type[cst.CSTVisitor]) -> frozenset[NodeType] | None:
    """The node types a ``CSTVisitor`` subclass has ``visit_<Type>``/``leave_<Type>`` hooks
    for; None when it has attribute hooks (``visit_Call_func``) or its own
    ``on_visit``/``on_leave``, which only ``node.visit`` calls as libcst does."""
    base = cst.CSTVisitor
    if visitor_class.on_visit is not base.on_visit or visitor_class.on_leave is not base.on_leave:
        return None
    types: set[NodeType] = set()
    for attr in dir(visitor_class):
        prefix, _, rest = attr.partition("_")
        if prefix not in ("visit", "leave") or not rest:
            continue
        if getattr(visitor_class, attr) is getattr(base, attr, None):
            continue  # libcst's own no-op
        node_type = getattr(cst, rest, None)
        if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
            return None  # an attribute hook, or a name libcst does not dispatch on
        types.add(node_type)
    return frozenset(types)


def visit_read_only(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a read-only visitor, without rebuilding any node and
    without entering subtrees that cannot hold a node the visitor has a hook for. The
    visitor sees the same hook calls in the same order as with ``node.visit``."""
    types = hooked_types(type(visitor))
    if types is None:
        node.visit(visitor)
        return
    walk(node, visitor, types)
