"""The early cutoff (``engine/incremental.py``): after an edit that leaves the changed
files' facts and findings as they were, the last whole-project run's findings are reused
and only the changed files' ``noqa`` comments are read again. The ground truth is always
the same command with ``--no-cache``; every test also checks whether the cutoff was taken,
so that a silent fallback to the full run cannot pass for a working cutoff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Invoke
from conftest import check_concise as _check
from conftest import check_no_cache as _truth

from celerylint.engine import incremental


def _edit(path: Path, text: str) -> None:
    """Rewrite ``path`` in place (the directory listing stays as it was), with a new
    mtime even on filesystems with coarse timestamps."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))


def _append(path: Path, line: str) -> None:
    _edit(path, path.read_text(encoding="utf-8") + line + "\n")


def _finding(output: str, suffix: str) -> tuple[str, int, str]:
    """(path, line, code) of the first concise finding in a file ending with ``suffix``."""
    for row in output.splitlines():
        parts = row.split(":")
        if len(parts) > 3 and parts[0].endswith(suffix):
            return parts[0], int(parts[1]), parts[3].split()[0]
    raise AssertionError(f"no finding in {suffix}")


def test_a_comment_appended_reuses_the_last_run(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    first = _check(invoke, project, ".")
    _append(project / "shop" / "tasks.py", "# reviewed")
    again = _check(invoke, project, ".")
    assert cutoffs == [True]
    assert again == first == _truth(invoke, project, ".")


def test_the_pre_commit_case_one_named_file(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    _check(invoke, project, ".")
    for name in ("shop/models.py", "shop/tasks.py"):
        _append(project / name, "# touched")
        assert _check(invoke, project, name) == _truth(invoke, project, name)
    assert cutoffs == [True, True]
    assert _check(invoke, project, ".") == _truth(invoke, project, ".")


def test_the_pre_commit_case_without_a_run_on_the_root(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    """pre-commit only ever names files: its first run keeps the manifest for the next."""
    _check(invoke, project, "shop/models.py")
    assert cutoffs == []
    _append(project / "shop" / "tasks.py", "# touched")
    assert _check(invoke, project, "shop/tasks.py") == _truth(invoke, project, "shop/tasks.py")
    assert cutoffs == [True]
    assert _check(invoke, project, ".") == _truth(invoke, project, ".")


def test_a_save_that_changed_nothing_analyses_nothing(
    invoke: Invoke, project: Path, cutoffs: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _check(invoke, project, ".")
    analysed: list[object] = []
    real = incremental.run_phase_one

    def counting(jobs: list[object], *args: object, **kwargs: object) -> object:
        analysed.extend(jobs)
        return real(jobs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(incremental, "run_phase_one", counting)
    tasks = project / "shop" / "tasks.py"
    _edit(tasks, tasks.read_text(encoding="utf-8"))  # the same bytes, a new mtime
    assert _check(invoke, project, ".") == first
    assert cutoffs == [True]
    assert analysed == []
    _append(tasks, "# reviewed")
    assert _check(invoke, project, ".") == first == _truth(invoke, project, ".")
    assert cutoffs == [True, True]
    assert len(analysed) == 1


def test_a_noqa_added_on_a_finding_is_read(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    first = _check(invoke, project, ".")
    shown, line, code = _finding(first[1], "tasks.py")
    path = project / shown
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].rstrip("\r\n") + f"  # noqa: {code}\n"
    _edit(path, "".join(lines))
    again = _check(invoke, project, ".")
    assert cutoffs == [True]
    assert again == _truth(invoke, project, ".")
    row = next(r for r in first[1].splitlines() if r.startswith(f"{shown}:{line}:"))
    assert row not in again[1].splitlines()


def test_a_line_added_above_the_facts_moves_the_last_runs_findings(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    first = _check(invoke, project, ".")
    path = project / "payments" / "tasks.py"
    _edit(path, "# a new first line\n" + path.read_text(encoding="utf-8"))
    again = _check(invoke, project, ".")
    assert cutoffs == [True]
    assert again == _truth(invoke, project, ".")
    assert again != first  # the findings in payments/tasks.py moved down a line
    # and a line taken out again (a blank one, in the middle of the file)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    blank = next(i for i in range(len(lines) // 2, len(lines)) if not lines[i].strip())
    _edit(path, "".join(lines[:blank] + lines[blank + 1 :]))
    assert _check(invoke, project, ".") == _truth(invoke, project, ".")
    assert cutoffs == [True, True]


def test_a_moved_line_named_in_a_message_runs_the_project_phase(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    first = _check(invoke, project, ".")
    assert "already taken by `shop.tasks.rebuild_search_index` at shop/tasks.py:" in first[1]
    path = project / "shop" / "tasks.py"
    _edit(path, "# a new first line\n" + path.read_text(encoding="utf-8"))
    again = _check(invoke, project, ".")
    assert cutoffs == [False]  # CEL106 in notifications/tasks.py names the line
    assert again == _truth(invoke, project, ".")
    # and the fallback left a manifest the next edit can use
    _append(path, "# later")
    assert _check(invoke, project, ".") == _truth(invoke, project, ".")
    assert cutoffs == [False, True]


def _json(invoke: Invoke, project: Path, *args: str) -> str:
    """The JSON report (fix edits and their positions included)."""
    result = invoke(".", "--output-format", "json", "--exit-zero", *args, cwd=project)
    return result.stdout


def test_a_fix_on_the_line_after_a_statement_moves_with_it(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    """CEL513's fix inserts on the line after the setting it reports, a line no fact is
    on: it moves with the statement, unless lines were added between the statement and
    the next one (then the project phase runs)."""
    path = project / "proj" / "settings" / "local.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("CELERY_BEAT_SCHEDULER"))
    lines.insert(at + 1, "CELERY_TIMEZONE = 'UTC'\n")
    _edit(path, "".join(lines))
    first = _json(invoke, project)
    assert '"row": 6,' in first and "INSTALLED_APPS +=" in first
    for below in ("", "CELERY_TIMEZONE", "CELERY_BEAT_SCHEDULER"):  # top, below both, between
        where = next((i + 1 for i, line in enumerate(lines) if below and below in line), 0)
        lines.insert(where, "# moved\n")
        _edit(path, "".join(lines))
        assert _json(invoke, project) == _json(invoke, project, "--no-cache")
    assert cutoffs == [True, True, False]


def test_a_changed_task_option_runs_the_project_phase(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    _check(invoke, project, ".")
    path = project / "shop" / "tasks.py"
    text = path.read_text(encoding="utf-8")
    assert "@shared_task" in text
    _edit(path, text.replace("@shared_task", "@shared_task(acks_late=True)", 1))
    again = _check(invoke, project, ".")
    assert cutoffs == [False]
    assert again == _truth(invoke, project, ".")


def test_a_changed_procfile_is_not_cut_off(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    _check(invoke, project, ".")
    procfile = project / "Procfile"
    _edit(procfile, procfile.read_text(encoding="utf-8").replace("-Q reports ", "-Q reports,x "))
    _append(project / "shop" / "tasks.py", "# and a comment")
    again = _check(invoke, project, ".")
    assert True not in cutoffs
    assert again == _truth(invoke, project, ".")


def test_a_file_made_unparsable_is_reported(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    _check(invoke, project, ".")
    _append(project / "shop" / "tasks.py", "def broken(:")
    again = _check(invoke, project, ".")
    assert cutoffs == [False]
    assert again == _truth(invoke, project, ".")
    assert "CEL000" in again[1]


def _save_by_renaming(path: Path, text: str) -> None:
    """Save the way many editors and ``git checkout`` do: a new file renamed over the old
    one, so the directory's stat changes while its entries stay the same."""
    directory = path.parent
    before = directory.stat()
    fresh = path.with_name(path.name + ".celerylint-test~")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)
    stamp = max(before.st_mtime_ns, path.stat().st_mtime_ns) + 2_000_000_000
    os.utime(path, ns=(stamp, stamp))
    os.utime(directory, ns=(stamp, stamp))


def test_a_file_saved_by_renaming_is_cut_off(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    first = _check(invoke, project, ".")
    path = project / "shop" / "tasks.py"
    _save_by_renaming(path, path.read_text(encoding="utf-8") + "# reviewed\n")
    again = _check(invoke, project, ".")
    assert cutoffs == [True]
    assert again == first == _truth(invoke, project, ".")


def test_a_file_added_beside_is_not_cut_off(
    invoke: Invoke, project: Path, cutoffs: list[bool]
) -> None:
    _check(invoke, project, ".")
    path = project / "shop" / "tasks.py"
    _save_by_renaming(path, path.read_text(encoding="utf-8") + "# reviewed\n")
    (project / "shop" / "more_tasks.py").write_text(
        "from celery import shared_task\n\n\n@shared_task\ndef extra():\n    return 1\n",
        encoding="utf-8",
    )
    again = _check(invoke, project, ".")
    assert cutoffs == []  # the listing changed: no manifest to cut off from
    assert again == _truth(invoke, project, ".")
    assert "more_tasks.py" in again[1]
