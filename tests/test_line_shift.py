"""``engine/line_shift.py``: the line map between a file's old and new results, and the
last run's findings moved with it (the end-to-end answers are checked against
``--no-cache`` runs in ``test_incremental.py`` and ``test_line_shift_matrix.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from celerylint.diagnostics import Diagnostic, Edit, Fix, FixSafety, Severity, Span
from celerylint.engine import session
from celerylint.engine.line_shift import LineShift, align
from celerylint.factdata import ImportFact, ModuleFacts
from celerylint.lsp import Project


def _span(line: int, column: int = 1, end_line: int | None = None) -> Span:
    return Span(line, column, line if end_line is None else end_line, column + 5)


def _facts(*lines: int) -> ModuleFacts:
    imports = tuple(
        ImportFact("a", f"n{i}", f"n{i}", True, _span(line)) for i, line in enumerate(lines)
    )
    return ModuleFacts("m.py", "m", False, imports=imports)


def _finding(span: Span, *edits: Span) -> Diagnostic:
    fix = Fix("f", FixSafety.SAFE, tuple(Edit("x\n", e) for e in edits)) if edits else None
    return Diagnostic("CEL000", "m", "m.py", span, Severity.ERROR, fix)


def test_the_same_results_give_a_map_that_moves_nothing() -> None:
    shift = align(_facts(1, 3), _facts(1, 3))
    assert shift is not None and not shift.moves


def test_lines_added_above_give_the_map_of_the_move() -> None:
    shift = align((_facts(1, 3, 9), ()), (_facts(1, 5, 11), ()))
    assert shift == LineShift((1, 3, 9), (1, 5, 11)) and shift.moves
    assert shift.line(3) == 5 and shift.line(4) is None


def test_a_moved_column_is_more_than_a_move() -> None:
    old = _facts(2)
    new = ModuleFacts("m.py", "m", False, imports=(ImportFact("a", "n0", "n0", True, _span(2, 5)),))
    assert align(old, new) is None


def test_lines_that_changed_order_are_not_a_move() -> None:
    assert align(_facts(1, 3), _facts(4, 2)) is None


def test_one_old_line_cannot_go_to_two_new_ones() -> None:
    assert align((_span(3), _span(3)), (_span(4), _span(5))) is None


def test_anything_but_a_position_must_be_equal() -> None:
    assert align(_facts(1), _facts(1, 2)) is None  # a fact more
    assert align((1, "a"), (1, "b")) is None
    assert align((True,), (1,)) is None  # equal in Python, not the same value
    assert align({"a": _span(1)}, {"b": _span(1)}) is None
    assert align({"a": _span(1)}, {"a": _span(2)}) == LineShift((1,), (2,))
    # a position inside something that is not plain data is only compared whole
    assert align(frozenset({_span(1)}), frozenset({_span(2)})) is None


def test_deeply_nested_results_fall_back() -> None:
    old: object = _span(1)
    new: object = _span(2)
    for _ in range(100_000):
        old, new = (old,), (new,)
    assert align(old, new) is None


def test_a_finding_and_its_fix_move_with_their_lines() -> None:
    shift = LineShift((3, 4), (5, 6))
    moved = shift.diagnostic(_finding(_span(3, end_line=4), _span(3), _span(5)))
    assert moved is not None
    assert moved.span == _span(5, end_line=6)
    assert moved.fix is not None
    # the insertion on the line after line 4 goes after its new line
    assert [e.span for e in moved.fix.edits] == [_span(5), _span(7)]


def test_a_finding_on_a_line_the_map_does_not_know_is_not_moved() -> None:
    assert LineShift((3,), (5,)).diagnostic(_finding(_span(7))) is None
    assert LineShift((3,), (5,)).diagnostic(_finding(_span(3), _span(9))) is None


def test_an_insertion_between_two_known_lines_that_moved_apart_is_not_moved() -> None:
    """The line after line 3 was line 4; lines were added between them: is the edit after
    the statement on line 3, or before the one on line 4? Neither answer is safe."""
    shift = LineShift((3, 4), (3, 6))
    assert shift.edit_line(4) is None
    assert LineShift((3, 4), (5, 6)).edit_line(4) == 6


def _indexed(root: Path) -> Project:
    project = Project(root, root / "pyproject.toml", scan=True)
    project.install(project.scan())
    project.ready.set()
    return project


def _all(project: Project) -> list[Diagnostic]:
    grouped, crashes = project.diagnostics(sorted(project.results))
    assert not crashes
    return sorted((d for found in grouped.values() for d in found), key=lambda d: d.sort_key)


def test_an_editor_line_added_above_a_task_runs_no_project_rule(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The language server's session: after an edit that only moves lines, the project
    rules' last findings are moved rather than computed again, and they are what a new
    session on the edited files finds."""
    runs: list[int] = []
    real = session.run_project_rules

    def counting(*args: Any) -> list[Diagnostic]:
        runs.append(1)
        return real(*args)

    monkeypatch.setattr(session, "run_project_rules", counting)
    editor = _indexed(project)
    before = _all(editor)
    path = project / "payments" / "tasks.py"
    moved = "# a new first line\n" + path.read_text(encoding="utf-8")
    editor.check(str(path), moved)
    after = _all(editor)
    assert len(runs) == 1  # the first findings only
    assert after != before
    path.write_text(moved, encoding="utf-8")
    assert after == _all(_indexed(project))
    # an edit that changes a fact runs the project rules again
    editor.check(str(path), moved.replace("@shared_task", "@shared_task(acks_late=True)", 1))
    _all(editor)
    assert len(runs) == 3
