"""Regenerate celerylint/kit/cst_children.py from the installed libcst.

For every concrete node class libcst exports, the generated table lists the fields
``CSTNode.visit`` descends into, in the order it visits them: the keyword order of the
class's ``_visit_and_replace_children`` (read from its source with ``ast``), which is not
the dataclass field order. Each field also carries the node classes its type annotation
allows, so that a walk can tell which subtrees can never hold a node it cares about.

    python scripts/generate_cst_children.py          # write the module
    python scripts/generate_cst_children.py --check  # fail when it is out of date

A class whose ``_visit_and_replace_children`` is not a plain constructor call with
``visit_*`` keywords gets ``None``: the walk then asks libcst for that node's children.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import sys
import textwrap
import typing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import libcst as cst
from _generate import formatted, write_or_check

LIBCST_VERSION = importlib.metadata.version("libcst")
TARGET = Path(__file__).resolve().parent.parent / "celerylint" / "kit" / "cst_children.py"

ONE, MANY, EITHER = 0, 1, 2
#: libcst's field visitors: one node (or None / MaybeSentinel.DEFAULT), or a sequence
_VISITORS = {
    "visit_required": ONE,
    "visit_optional": ONE,
    "visit_sentinel": ONE,
    "visit_sequence": MANY,
    "visit_body_sequence": MANY,
    "visit_iterable": MANY,
    "visit_body_iterable": MANY,
}

Field = tuple[str, int, tuple[str, ...]]


def node_classes() -> list[type[cst.CSTNode]]:
    """The concrete node classes libcst exports, by name."""
    found = []
    for name in sorted(dir(cst)):
        obj = getattr(cst, name)
        if (
            isinstance(obj, type)
            and issubclass(obj, cst.CSTNode)
            and obj.__name__ == name
            and not inspect.isabstract(obj)
        ):
            found.append(obj)
    return found


def _visit_call(node: ast.expr) -> tuple[str, int] | None:
    """``visit_x(self, "field", self.field | local, visitor)`` -> (field, kind)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    kind = _VISITORS.get(node.func.id)
    if kind is None or len(node.args) != 4 or node.keywords:
        return None
    parent, field, _value, _visitor = node.args
    if not (isinstance(parent, ast.Name) and parent.id == "self"):
        return None
    if not (isinstance(field, ast.Constant) and isinstance(field.value, str)):
        return None
    return field.value, kind


def _reads_field(value: ast.expr, field: str, aliases: dict[str, str]) -> bool:
    """The visited value is ``self.<field>`` or a local assigned from it."""
    if isinstance(value, ast.Attribute):
        return (
            isinstance(value.value, ast.Name) and value.value.id == "self" and value.attr == field
        )
    return isinstance(value, ast.Name) and aliases.get(value.id) == field


def _mentions_visit(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id in _VISITORS for n in ast.walk(node))


def _keyword_field(value: ast.expr, aliases: dict[str, str]) -> tuple[str, int] | None:
    """One constructor keyword's visit: a plain ``visit_*`` call, ``visit_sequence(...) if
    x is not None else None``, or ``visit_required(...) if ... else visit_sequence(...)``
    on the same field."""
    if isinstance(value, ast.IfExp):
        body, orelse = _keyword_field(value.body, aliases), value.orelse
        if _mentions_visit(value.test) or body is None:
            return None
        if isinstance(orelse, ast.Constant) and orelse.value is None:
            return body if body[1] == MANY else None
        other = _keyword_field(orelse, aliases)
        if other is None or other[0] != body[0] or other[1] == body[1]:
            return None
        return body[0], EITHER
    found = _visit_call(value)
    if found is None:
        return None
    assert isinstance(value, ast.Call)
    return found if _reads_field(value.args[2], found[0], aliases) else None


def visit_order(cls: type[cst.CSTNode]) -> list[tuple[str, int]] | None:
    """The fields ``cls._visit_and_replace_children`` visits, in order, or None if its
    source is not of the simple shape this script understands."""
    owner = next(c for c in cls.__mro__ if "_visit_and_replace_children" in c.__dict__)
    source = textwrap.dedent(inspect.getsource(owner.__dict__["_visit_and_replace_children"]))
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    aliases: dict[str, str] = {}
    constructors: list[ast.Call] = []
    for statement in function.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
            if not isinstance(target, ast.Name):
                return None
            if isinstance(value, ast.Attribute) and _reads_field(value, value.attr, {}):
                aliases[target.id] = value.attr
                continue
            if isinstance(value, ast.Call):
                constructors.append(value)
                continue
            return None
        if isinstance(statement, ast.Return):
            value = statement.value
            if isinstance(value, ast.Name) and value.id == "self":  # a leaf
                continue
            if isinstance(value, ast.Call):
                constructors.append(value)
            elif not isinstance(value, ast.Name):
                return None
            continue
        return None
    if not constructors:
        return [] if not _mentions_visit(function) else None
    if len(constructors) != 1 or constructors[0].args:
        return None
    fields: list[tuple[str, int]] = []
    for keyword in constructors[0].keywords:
        if keyword.arg is None:
            return None
        if not _mentions_visit(keyword.value):
            continue  # a plain value such as ``value=self.value``
        found = _keyword_field(keyword.value, aliases)
        if found is None:
            return None
        fields.append(found)
    return fields


def _annotation_classes(annotation: object) -> set[type[cst.CSTNode]]:
    """The node classes a field annotation names (through Optional/Union/Sequence)."""
    if isinstance(annotation, type):
        return {annotation} if issubclass(annotation, cst.CSTNode) else set()
    found: set[type[cst.CSTNode]] = set()
    for arg in typing.get_args(annotation):
        found |= _annotation_classes(arg)
    return found


def _allowed(cls: type[cst.CSTNode], field: str, concrete: list[type[cst.CSTNode]]) -> list[str]:
    """The names of the classes a field may hold: exported libcst names as annotated (the
    walk expands abstract ones to their concrete subclasses), or the concrete subclasses
    of an annotated class libcst does not export."""
    names: set[str] = set()
    for annotated in _annotation_classes(typing.get_type_hints(cls)[field]):
        if getattr(cst, annotated.__name__, None) is annotated:
            names.add(annotated.__name__)
        else:
            names.update(c.__name__ for c in concrete if issubclass(c, annotated))
    return sorted(names)


def collect() -> dict[str, list[Field] | None]:
    concrete = node_classes()
    table: dict[str, list[Field] | None] = {}
    for cls in concrete:
        order = visit_order(cls)
        if order is None:
            table[cls.__name__] = None
            continue
        table[cls.__name__] = [
            (field, kind, tuple(_allowed(cls, field, concrete))) for field, kind in order
        ]
    return table


def render(table: dict[str, list[Field] | None]) -> str:
    lines = [
        f'"""The children of every libcst node class, in visit order. GENERATED from libcst '
        f"{LIBCST_VERSION}, do not edit.",
        "",
        "Regenerate with ``python scripts/generate_cst_children.py``; tests/test_cst_children.py",
        "fails when this module drifts from the installed libcst.",
        "",
        "``CHILDREN[name]`` lists, for the class ``libcst.<name>``, the fields ``CSTNode.visit``",
        "descends into, in its order, each as (field, kind, the libcst class names its annotation",
        "allows, abstract ones included); kind is ONE (a node, None or MaybeSentinel.DEFAULT),",
        "MANY (a sequence, or None) or EITHER (a node or a sequence). ``None``: the class's visit",
        "is not a plain keyword list; ask libcst for the node's children.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f'LIBCST_VERSION = "{LIBCST_VERSION}"',
        "",
        f"ONE, MANY, EITHER = {ONE}, {MANY}, {EITHER}",
        "",
        "CHILDREN: dict[str, tuple[tuple[str, int, tuple[str, ...]], ...] | None] = {",
    ]
    kind_name = {ONE: "ONE", MANY: "MANY", EITHER: "EITHER"}
    for name, fields in table.items():
        if fields is None:
            lines.append(f"    {name!r}: None,")
            continue
        rows = "".join(
            f"({field!r}, {kind_name[kind]}, {allowed!r}), " for field, kind, allowed in fields
        )
        lines.append(f"    {name!r}: ({rows}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    write_or_check(TARGET, formatted(render(collect()), TARGET), "generate_cst_children.py")
