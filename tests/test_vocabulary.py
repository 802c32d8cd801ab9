"""Call shapes and environment getters have one vocabulary (``semantics/call_shapes.py``):
no other module spells a set of task-call methods or of ``os`` environment getters, so a
method Celery has under two names (``signature``/``subtask``) is known everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "celerylint"
HOME = PACKAGE / "semantics" / "call_shapes.py"
#: generated data mirrors Celery's own attribute lists, not our vocabulary
GENERATED = {PACKAGE / "semantics" / "celery_data.py"}
METHOD_WORDS = {"delay", "apply_async", "delay_on_commit", "s", "si", "signature", "subtask"}
#: ``celery.signature``/``celery.subtask`` are also module-level canvas functions
METHOD_ONLY = METHOD_WORDS - {"signature", "subtask"}
GETTER_WORDS = {"os.environ.get", "os.getenv", "os.environ.setdefault"}


def _string_sets(tree: ast.AST) -> list[tuple[int, set[str]]]:
    found = []
    for node in ast.walk(tree):
        elements = None
        if isinstance(node, ast.Set | ast.Tuple | ast.List):
            elements = node.elts
        if elements is None:
            continue
        strings = {e.value for e in elements if isinstance(e, ast.Constant)}
        if all(isinstance(s, str) for s in strings) and len(strings) >= 2:
            found.append((node.lineno, {s for s in strings if isinstance(s, str)}))
    return found


def test_call_shapes_are_spelled_once() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == HOME or path in GENERATED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, strings in _string_sets(tree):
            methods = strings & METHOD_WORDS
            if (len(methods) >= 2 and methods & METHOD_ONLY) or len(strings & GETTER_WORDS) >= 2:
                offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {sorted(strings)}")
    assert not offenders, "use semantics/call_shapes.py:\n" + "\n".join(offenders)
