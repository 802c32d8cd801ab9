"""The package layers form a DAG: a package imports only from the layers below it (or from
itself). Every import counts, at module level, inside functions and under
``TYPE_CHECKING``, so that a cycle cannot hide behind a lazy import. The layers, and why
each sits where it does, are in ``docs/architecture.md``; keep the two in step."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "celerylint"

#: bottom first; a package may import from any earlier layer and from itself
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "pickling"),  # the version; fast pickling of plain data
    ("diagnostics", "files", "settings"),  # findings and fixes; file discovery; settings
    ("kit",),  # the rule kit: file context, node fixes, fix builders, name resolution
    ("factdata",),  # the plain fact data phase 1 produces and the cache stores
    ("semantics",),  # per-file recognisers and Celery's own data
    ("facts",),  # phase 1: the collectors that turn a tree into fact data
    ("project",),  # phase 2: the project index and the project models on it
    ("rules",),  # the rules, over the kit (per file) or the project (project-wide)
    ("selection", "example_docs"),  # rule selectors; docs from a rule's examples
    ("config",),  # loading and validating pyproject.toml (rule options included)
    ("engine",),  # the pipeline: plan, phase 1, index, phase 2, cache, fixes
    ("reporters", "show", "docs", "testing"),  # output formats; --show-settings; docs
    ("baseline", "lsp"),  # baselines (fingerprints from reporters); the language server
    ("cli",),
    ("__main__",),  # ``python -m celerylint``
)


def _package(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _is_module(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "celerylint":  # ``from celerylint import cli, __version__``
                names = [
                    f"celerylint.{alias.name}" if _is_module(alias.name) else "celerylint"
                    for alias in node.names
                ]
            found.extend((node.lineno, name) for name in names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.split(".")[0] == "celerylint"]


def _target(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_package_has_a_layer() -> None:
    placed = {name for layer in LAYERS for name in layer}
    packages = {_package(path) for path in PACKAGE.rglob("*.py")}
    assert packages <= placed, f"put these in LAYERS: {sorted(packages - placed)}"
    assert len(placed) == sum(len(layer) for layer in LAYERS), "a package in two layers"


def test_imports_only_go_down() -> None:
    level = {name: number for number, layer in enumerate(LAYERS) for name in layer}
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _package(path)
        for line, name in _imports(path):
            target = _target(name)
            if target == source:
                continue
            if level[target] >= level[source]:
                where = path.relative_to(PACKAGE.parent)
                wrong.append(f"{where}:{line}: {source} (layer {level[source]}) imports {name}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_package_cycle() -> None:
    edges: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = _package(path)
        for _, name in _imports(path):
            if _target(name) != source:
                edges.setdefault(source, set()).add(_target(name))
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError("package cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])


def test_read_only_walks_do_not_rebuild_the_tree() -> None:
    """``node.visit(visitor)`` rebuilds every node below ``node`` (libcst's transform
    machinery runs for read-only visitors too); called per statement or per assignment it
    made phase 1 quadratic. Read-only code walks with ``kit.cst_walk.visit_read_only``;
    only a transform (fix rendering) and the walk's own fallback call ``visit``."""
    allowed = {PACKAGE / "kit" / "edits.py", PACKAGE / "kit" / "cst_walk.py"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "visit"
                and len(node.args) == 1
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, f"use kit.cst_walk.visit_read_only: {found}"


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _generated(text: str) -> bool:
    return "GENERATED" in text[:400]


def test_modules_and_functions_stay_small() -> None:
    """No hand-written module over 500 lines, no function over 80 (generated data modules
    excepted): a module that grows past it holds two jobs and splits."""
    large = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if _generated(text):
            continue
        where = path.relative_to(PACKAGE)
        if text.count("\n") > MAX_MODULE_LINES:
            large.append(f"{where}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    large.append(f"{where}:{node.lineno} {node.name}(): {length} lines")
    assert not large, large
