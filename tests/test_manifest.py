"""The run manifest (``engine/manifest.py``): a run whose inputs did not change replays the
last whole-project run's answer; any change to what that run read makes it run again. The
ground truth everywhere is the same command with ``--no-cache``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Invoke
from conftest import check_concise as _check
from conftest import check_no_cache as _truth

from celerylint.engine import plan


def _bump(path: Path) -> None:
    """A new mtime even on filesystems with coarse timestamps."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))


def test_an_unchanged_project_is_replayed(
    invoke: Invoke, project: Path, runs: list[object]
) -> None:
    first = _check(invoke, project, ".")
    assert first[0] == 1 and first[1]
    assert list((project / ".celerylint_cache").glob("run-*.pickle"))
    assert len(runs) == 1
    assert _check(invoke, project, ".") == first
    assert len(runs) == 1, "the second run replays the first"
    assert _truth(invoke, project, ".") == first


@pytest.mark.parametrize(
    "args",
    [("shop/models.py",), ("shop",), ("shop/models.py", "billing"), ("shop", ".")],
)
def test_a_run_on_part_of_the_project_replays_the_whole_project_run(
    invoke: Invoke, project: Path, runs: list[object], args: tuple[str, ...]
) -> None:
    _check(invoke, project, ".")
    assert len(runs) == 1
    replayed = _check(invoke, project, *args)
    assert len(runs) == 1
    assert replayed == _truth(invoke, project, *args)


def test_a_path_the_whole_project_run_did_not_index_runs_for_real(
    invoke: Invoke, project: Path, runs: list[object]
) -> None:
    (project / "build").mkdir()
    (project / "build" / "gen.py").write_text("from celery import shared_task\n")
    _check(invoke, project, ".")
    assert len(runs) == 1
    for args in (("build/gen.py",), ("build",)):  # excluded by default, named explicitly
        before = len(runs)
        assert _check(invoke, project, *args) == _truth(invoke, project, *args)
        assert len(runs) == before + 2  # the check itself and the --no-cache truth


def test_a_run_that_names_a_path_the_root_walk_skips_is_not_kept(
    invoke: Invoke, project: Path
) -> None:
    """A run on named files or directories may index files the root's walk skips (an
    excluded file named explicitly): then it never writes the manifest."""
    (project / "build").mkdir()
    (project / "build" / "gen.py").write_text("from celery.task import task\n")
    cache = project / ".celerylint_cache"
    for args in (("build/gen.py",), ("build",), ("shop", "build"), ("shop/models.py", "build")):
        _check(invoke, project, *args)
        assert not list(cache.glob("run-*.pickle")), args
    _check(invoke, project, "build/gen.py")
    assert _check(invoke, project, ".") == _truth(invoke, project, ".")
    assert list(cache.glob("run-*.pickle"))
    assert _check(invoke, project, "build/gen.py") == _truth(invoke, project, "build/gen.py")


@pytest.mark.parametrize("args", [("shop/models.py",), ("shop",), ("shop/models.py", "billing")])
def test_a_run_on_part_of_the_project_keeps_the_whole_project_for_the_next(
    invoke: Invoke, project: Path, runs: list[object], args: tuple[str, ...]
) -> None:
    """pre-commit names the changed files, never the root: such a run plans every file of
    the project as a run on the root does, and keeps the project's findings on all of them,
    so the next run (on any part, or the root) is replayed, or cut off after an edit."""
    _check(invoke, project, *args)
    assert len(runs) == 1
    for again in (args, (".",), ("shop/models.py",), ("reports",)):
        assert _check(invoke, project, *again) == _truth(invoke, project, *again), again
    assert len(runs) == 1 + 4  # only the --no-cache truths ran
    _edit_a_file(project)
    assert _check(invoke, project, *args) == _truth(invoke, project, *args)
    assert _check(invoke, project, ".") == _truth(invoke, project, ".")


def _edit_a_file(project: Path) -> None:
    models = project / "shop" / "models.py"
    text = models.read_text()
    models.write_text(text.replace("from shop.tasks import send_receipt  # error: CEL101\n", ""))


def _add_a_file(project: Path) -> None:
    (project / "shop" / "signals.py").write_text(
        "from shop.tasks import send_receipt\n\n\ndef on_save():\n    send_receipt.delay()\n"
    )
    (project / "shop" / "legacy.py").write_text("from celery.task import task\n")


def _delete_a_file(project: Path) -> None:
    (project / "reports" / "cron.py").unlink()


def _ignore_a_file(project: Path) -> None:
    (project / ".gitignore").write_text("shop/models.py\n")


def _edit_the_procfile(project: Path) -> None:
    procfile = project / "Procfile"
    procfile.write_text(procfile.read_text().replace("-Q reports ", "-Q reporting "))


def _edit_the_config(project: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + 'ignore = ["CEL101"]\n')


@pytest.mark.parametrize(
    "change",
    [
        _edit_a_file,
        _add_a_file,
        _delete_a_file,
        _ignore_a_file,
        _edit_the_procfile,
        _edit_the_config,
    ],
)
def test_a_change_to_anything_the_run_read_runs_again(
    invoke: Invoke, project: Path, runs: list[object], change: object
) -> None:
    before = _check(invoke, project, ".")
    assert callable(change)
    change(project)
    after = _check(invoke, project, ".")
    assert len(runs) == 2, "the change is seen"
    assert after == _truth(invoke, project, ".")
    assert after != before, "the change matters to the findings"


def test_a_gitignore_created_in_an_existing_file_s_place_is_seen(
    invoke: Invoke, project: Path, runs: list[object]
) -> None:
    """A ``.gitignore`` that did not exist is recorded as missing, and its content is
    read again when it changes without the directory changing."""
    (project / ".gitignore").write_text("# nothing ignored\n")
    before = _check(invoke, project, ".")
    ignore = project / ".gitignore"
    ignore.write_text("shop/\n\n")
    _bump(ignore)
    after = _check(invoke, project, ".")
    assert len(runs) == 2
    assert after == _truth(invoke, project, ".") != before


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Records every discovery walk."""
    calls: list[object] = []
    real = plan.discover

    def counting(*args: object, **kwargs: object) -> Iterator[object]:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan, "discover", counting)
    yield calls


def test_an_edit_reuses_the_last_listing_but_an_added_file_walks_again(
    invoke: Invoke, project: Path, runs: list[object], walks: list[object]
) -> None:
    """Only a changed listing (a file added, removed or renamed, a .gitignore edited)
    needs discovery again; an edited file is re-checked on the files the last run found."""
    _check(invoke, project, ".")
    assert len(walks) == 1
    _edit_a_file(project)
    for args in ((".",), ("shop/models.py",), ("shop",)):
        before = len(walks)
        assert _check(invoke, project, *args) == _truth(invoke, project, *args)
        assert len(walks) == before + 1, "only the --no-cache truth walks"
    _check(invoke, project, ".")  # a manifest for the edited project
    before = len(walks)
    _add_a_file(project)
    assert _check(invoke, project, "shop/models.py") == _truth(invoke, project, "shop/models.py")
    assert len(walks) == before + 2, "the added file makes the check walk again"


def test_fix_stdin_and_no_cache_runs_never_replay(
    invoke: Invoke, project: Path, runs: list[object]
) -> None:
    _check(invoke, project, ".")
    _check(invoke, project, ".", "--no-cache")
    assert len(runs) == 2
    stdin = (project / "shop" / "models.py").read_bytes()
    invoke("-", "--stdin-filename", "shop/models.py", cwd=project, stdin=stdin)
    assert len(runs) == 3


def test_a_replayed_run_imports_no_parser(project: Path) -> None:
    command = [sys.executable, "-m", "celerylint", ".", "--exit-zero", "-q"]
    subprocess.run(command, cwd=project, check=True, capture_output=True)
    probe = (
        "import sys\n"
        "sys.argv = ['celerylint', '.', '--exit-zero', '-q']\n"
        "from celerylint.cli import main\n"
        "try:\n"
        "    main()  # what ``python -m celerylint`` runs, before its exit without teardown\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('libcst' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, check=True, capture_output=True, text=True
    )
    assert done.stderr.strip().splitlines()[-1] == "False"
