"""``cst_walk.walk`` makes exactly the ``on_visit``/``on_leave`` calls ``tree.visit`` makes
(same nodes, same order) for the node types the real ``Walker`` cares about, and for every
node type when asked for all; the subtrees it skips can by the annotations not hold such a
node, and real trees keep to the annotations."""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from celerylint.engine import file_pass
from celerylint.engine.walker import Walker
from celerylint.facts.collectors import COLLECTORS
from celerylint.kit import cst_walk
from celerylint.kit.context import FileContext
from celerylint.kit.cst_children import EITHER, ONE
from celerylint.rules import all_rules
from celerylint.rules.base import FileRule
from celerylint.semantics.module_scope import build_module_scope

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SITE = Path(sysconfig.get_paths()["purelib"])  # not imported: other tests fake some

Event = tuple[str, str, int]


class Recorder(cst.CSTVisitor):
    """Records (event, type name, id) for the nodes whose exact type is in ``keep`` (all
    when None)."""

    def __init__(self, keep: frozenset[type[cst.CSTNode]] | None = None) -> None:
        super().__init__()
        self.keep = keep
        self.events: list[Event] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.keep is None or type(node) in self.keep:
            self.events.append(("visit", type(node).__name__, id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.keep is None or type(original_node) in self.keep:
            self.events.append(("leave", type(original_node).__name__, id(original_node)))


def _file_rules() -> list[tuple[type[FileRule], Any]]:
    return [(r, r.default_options()) for r in all_rules() if issubclass(r, FileRule)]


def _walker_types() -> frozenset[type[cst.CSTNode]]:
    """What the real Walker (every rule and every fact collector) cares about."""
    tree = cst.parse_module("")
    ctx = FileContext("m.py", "m", False, build_module_scope(tree, "m", False))
    visitors = [make(ctx) for make in COLLECTORS]
    visitors += [rule(ctx, options) for rule, options in _file_rules()]
    return Walker(ctx, visitors).interesting_types()


WALKER_TYPES = _walker_types()


def _rule_example_sources() -> Iterator[tuple[str, str]]:
    for rule in all_rules():
        for i, example in enumerate(rule.examples):
            for path, text in example.sources().items():
                if path.endswith(".py"):
                    yield f"{rule.code}[{i}]/{path}", text


def _files(paths: list[Path]) -> Iterator[tuple[str, str]]:
    for path in paths:
        yield str(path), path.read_text(encoding="utf-8")


CORPORA = {
    "rule-examples": lambda: _rule_example_sources(),
    "examples": lambda: _files(sorted(EXAMPLES.rglob("*.py"))),
    "celery": lambda: _files(sorted((SITE / "celery").rglob("*.py"))),
    "kombu": lambda: _files(sorted((SITE / "kombu").rglob("*.py"))),
}


def _trees(corpus: str) -> Iterator[tuple[str, cst.Module]]:
    count = 0
    for name, text in CORPORA[corpus]():
        try:
            tree = cst.parse_module(text)
        except cst.ParserSyntaxError:  # a deliberately broken example: nothing to walk
            continue
        count += 1
        yield name, tree
    assert count > 0, f"no sources in {corpus}"


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_walk_makes_the_calls_tree_visit_makes(corpus: str) -> None:
    for name, tree in _trees(corpus):
        full = Recorder()
        tree.visit(full)
        everything = Recorder()
        cst_walk.walk(tree, everything)
        assert everything.events == full.events, name
        restricted = Recorder(WALKER_TYPES)
        cst_walk.walk(tree, restricted, WALKER_TYPES)
        expected = [e for e in full.events if getattr(cst, e[1]) in WALKER_TYPES]
        assert restricted.events == expected, name


def _children(node: cst.CSTNode, fields: cst_walk.Fields) -> Iterator[tuple[str, cst.CSTNode]]:
    for field, kind, _ in fields:
        value = getattr(node, field)
        if kind == ONE or (kind == EITHER and isinstance(value, cst.CSTNode)):
            if isinstance(value, cst.CSTNode):
                yield field, value
        elif value is not None:
            for child in value:
                yield field, child


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_real_trees_keep_to_the_field_annotations(corpus: str) -> None:
    """What the walk's pruning relies on: every child is of a class its field's annotation
    allows, and the table's fields are all of a node's children, in order."""
    table = cst_walk.known_fields()
    for name, tree in _trees(corpus):
        stack: list[cst.CSTNode] = [tree]
        while stack:
            node = stack.pop()
            fields = table[type(node)]
            assert fields is not None
            allowed = {field: classes for field, _, classes in fields}
            children = list(_children(node, fields))
            for field, child in children:
                assert type(child) in allowed[field], (name, type(node), field, type(child))
            assert [c for _, c in children] == list(node.children), (name, type(node))
            stack.extend(c for _, c in children)


def test_interesting_types_cover_the_hooks_and_the_context() -> None:
    assert {cst.Call, cst.FunctionDef, cst.ClassDef, cst.If, cst.Else, cst.With} <= WALKER_TYPES
    assert {cst.For, cst.While, cst.Lambda, cst.AssignTarget, cst.Import} <= WALKER_TYPES
    assert cst.Comma not in WALKER_TYPES and cst.SimpleWhitespace not in WALKER_TYPES


def test_whitespace_and_tokens_are_not_entered() -> None:
    class Strict(Recorder):
        def on_visit(self, node: cst.CSTNode) -> bool:
            assert type(node) in {cst.Module, cst.Call, cst.SimpleStatementLine, cst.Expr}
            return super().on_visit(node)

    tree = cst.parse_module("f( a , b )  # c\n")
    plan = cst_walk._plan(frozenset({cst.Call}))
    assert {cst.Comma, cst.SimpleWhitespace, cst.Comment, cst.LeftParen} <= plan.skip
    assert cst.Module not in plan.skip and cst.Arg not in plan.skip
    visitor = Strict(frozenset({cst.Call}))
    cst_walk.walk(tree, visitor, frozenset({cst.Call}))
    assert [e[:2] for e in visitor.events] == [("visit", "Call"), ("leave", "Call")]


def test_on_visit_false_skips_the_children_as_in_libcst() -> None:
    class Shallow(Recorder):
        def on_visit(self, node: cst.CSTNode) -> bool:
            super().on_visit(node)
            return not isinstance(node, cst.FunctionDef)

    tree = cst.parse_module("def f():\n    g(1)\nh(2)\n")
    types = frozenset({cst.FunctionDef, cst.Call})
    expected, actual = Shallow(types), Shallow(types)
    tree.visit(expected)
    cst_walk.walk(tree, actual, types)
    assert actual.events == [e for e in expected.events if e[1] in {"FunctionDef", "Call"}]
    assert [e[1] for e in actual.events] == ["FunctionDef", "FunctionDef", "Call", "Call"]


def test_another_libcst_version_falls_back_to_tree_visit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cst_walk, "table_matches", lambda: False)
    tree = cst.parse_module("def f(a, *, b=1):\n    return [x for x in a if x]\n")
    full, fallback = Recorder(), Recorder()
    tree.visit(full)
    cst_walk.walk(tree, fallback, frozenset({cst.Call}))
    assert fallback.events == full.events


def _visit_instead(tree: cst.CSTNode, visitor: cst.CSTVisitor, *_: object) -> None:
    tree.visit(visitor)


def test_the_file_pass_gives_the_same_results_as_with_tree_visit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = _file_rules()
    paths = sorted(EXAMPLES.rglob("*.py"))
    assert paths
    walked = [file_pass._check_file(str(p), p.read_bytes(), p.stem, False, rules) for p in paths]
    monkeypatch.setattr(file_pass, "walk", _visit_instead)
    visited = [file_pass._check_file(str(p), p.read_bytes(), p.stem, False, rules) for p in paths]
    assert walked == visited
    assert any(r.diagnostics for r in walked)


def test_classes_the_table_cannot_read_are_walked_through_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A class whose visit the generator could not read (``None`` in the table) is walked
    by ``node.children`` and may hold anything: the calls stay the same."""
    table = dict(cst_walk.known_fields())
    for unreadable in (cst.FunctionDef, cst.Call, cst.Arg, cst.SimpleWhitespace):
        table[unreadable] = None
    monkeypatch.setattr(cst_walk, "known_fields", lambda: table)
    cst_walk._plan.cache_clear()
    try:
        types = frozenset({cst.FunctionDef, cst.Name, cst.Comma})
        for _, tree in _trees("rule-examples"):
            full, restricted, everything = Recorder(types), Recorder(types), Recorder()
            tree.visit(full)
            cst_walk.walk(tree, restricted, types)
            assert restricted.events == full.events
            all_calls = Recorder()
            tree.visit(all_calls)
            cst_walk.walk(tree, everything)
            assert everything.events == all_calls.events
    finally:
        cst_walk._plan.cache_clear()


class _Hooks(cst.CSTVisitor):
    """A read-only visitor of the usual shape: type hooks, one of them pruning."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        self.events.append(("visit", "Assign", id(node)))

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.events.append(("leave", "Assign", id(original_node)))

    def visit_Name(self, node: cst.Name) -> None:
        self.events.append(("visit", "Name", id(node)))

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.events.append(("visit", "Lambda", id(node)))
        return False  # nothing inside a lambda


class _AttributeHook(_Hooks):
    def visit_Call_func(self, node: cst.Call) -> None:
        self.events.append(("visit", "Call.func", id(node)))


class _OwnDispatch(_Hooks):
    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("any", type(node).__name__, id(node)))
        return super().on_visit(node)


def test_hooked_types_are_the_overridden_type_hooks() -> None:
    assert cst_walk.hooked_types(_Hooks) == frozenset({cst.Assign, cst.Name, cst.Lambda})
    # hooks only node.visit calls: visit_read_only must fall back to it
    assert cst_walk.hooked_types(_AttributeHook) is None
    assert cst_walk.hooked_types(_OwnDispatch) is None


@pytest.mark.parametrize("visitor", [_Hooks, _AttributeHook, _OwnDispatch])
@pytest.mark.parametrize("corpus", ["rule-examples", "examples"])
def test_visit_read_only_makes_the_calls_node_visit_makes(
    corpus: str, visitor: type[_Hooks]
) -> None:
    for name, tree in _trees(corpus):
        expected, actual = visitor(), visitor()
        tree.visit(expected)
        cst_walk.visit_read_only(tree, actual)
        assert actual.events == expected.events, name
        for stmt in tree.body[:3]:  # a subtree, as rules pass them
            expected, actual = visitor(), visitor()
            stmt.visit(expected)
            cst_walk.visit_read_only(stmt, actual)
            assert actual.events == expected.events, name
