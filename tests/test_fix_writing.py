"""Writing fixed files (issue 14): atomic, never over a read-only file or a file that
changed on disk, never truncated when the run is killed, and an honest exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from celerylint.cli import cli
from celerylint.config import Settings
from celerylint.engine.fixes import NotWritten, fix_run, write_atomic, write_fixes
from celerylint.engine.runner import RunRequest
from celerylint.engine.session import Session

LEGACY = "from celery.task import task\n\n\n@task\ndef cleanup():\n    return 1\n"
FIXED = "from celery import shared_task as task\n\n\n@task\ndef cleanup():\n    return 1\n"


def _request(root: Path) -> RunRequest:
    return RunRequest([root], Settings(root=root), frozenset({"CEL801"}), jobs=1, cwd=root)


def _cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def writable() -> Iterator[list[Path]]:
    """Paths made read-only by a test, made writable again (so tmp_path can be removed)."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.chmod(0o755)


def test_a_read_only_file_is_reported_and_left_alone(tmp_path: Path, writable: list[Path]) -> None:
    (tmp_path / "a.py").write_text(LEGACY)
    (tmp_path / "b.py").write_text(LEGACY)
    (tmp_path / "a.py").chmod(0o444)
    writable.append(tmp_path / "a.py")
    code, out, err = _cli("--fix", "--select", "CEL801", ".", cwd=tmp_path)
    assert "a.py: the file is read-only; the fixes were not written" in err
    assert (tmp_path / "a.py").read_text() == LEGACY
    assert (tmp_path / "b.py").read_text() == FIXED  # the run goes on
    # honest: one fix written, the read-only file's finding is still there
    assert code == 1
    assert "a.py:1:25: CEL801 [*]" in out
    assert "(1 fixed, 1 remaining)" in err
    code, _, err = _cli("--fix-only", "--select", "CEL801", ".", cwd=tmp_path)
    assert code == 1 and "No errors fixed." in err


def test_a_file_in_a_read_only_directory_is_reported_and_left_alone(
    tmp_path: Path, writable: list[Path]
) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "a.py").write_text(LEGACY)
    folder.chmod(0o555)
    writable.append(folder)
    code, _, err = _cli("--fix", "--select", "CEL801", ".", cwd=tmp_path)
    assert "pkg/a.py: its directory is not writable" in err
    assert (folder / "a.py").read_text() == LEGACY
    assert code == 1 and sorted(p.name for p in folder.iterdir()) == ["a.py"]


def test_a_file_changed_after_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LEGACY)
    (tmp_path / "b.py").write_text(LEGACY)
    result = fix_run(_request(tmp_path))
    assert len(result.files) == 2
    (tmp_path / "a.py").write_text(LEGACY + "# edited meanwhile\n")
    problems = write_fixes(result.files)
    assert problems == [
        "a.py: changed on disk while celerylint was fixing it; the fixes were not written"
    ]
    assert (tmp_path / "a.py").read_text() == LEGACY + "# edited meanwhile\n"
    assert (tmp_path / "b.py").read_text() == FIXED
    assert [f.written for f in result.files] == [False, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]


def test_a_file_changed_while_it_was_checked_is_not_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The findings are about the content phase 1 read: applied to newer content they
    would land in the wrong places."""
    (tmp_path / "a.py").write_text(LEGACY)
    real = Session.phase_one

    def edit_after_reading(self: Session, *args: Any, **kwargs: Any) -> Any:
        results = real(self, *args, **kwargs)
        (tmp_path / "a.py").write_text("# moved down\n" + LEGACY)
        return results

    (tmp_path / "b.py").write_text(LEGACY)
    monkeypatch.setattr(Session, "phase_one", edit_after_reading)
    result = fix_run(_request(tmp_path))
    assert [f.path for f in result.files] == ["b.py"]  # the run goes on with the others
    assert result.changed_on_disk == ["a.py"]
    assert result.problems == [  # once, though b.py's round is checked again
        "a.py: changed on disk while celerylint was fixing it; it was not fixed (run again)"
    ]


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_an_interrupted_write_leaves_the_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Ctrl-C (or any exception) at any step: the old file, and no temporary file left."""
    target = tmp_path / "a.py"
    target.write_text(LEGACY)

    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    if where == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> None:
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                raise KeyboardInterrupt

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, where, interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(target), FIXED.encode(), LEGACY.encode())
    monkeypatch.undo()
    assert target.read_text() == LEGACY
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_write_atomic_refuses_read_only_files(tmp_path: Path, writable: list[Path]) -> None:
    target = tmp_path / "a.py"
    target.write_text(LEGACY)
    target.chmod(0o444)
    writable.append(target)
    with pytest.raises(NotWritten, match="read-only"):
        write_atomic(str(target), b"new\n")
    assert target.read_text() == LEGACY


# a child that fixes many files and stops for good (waiting to be killed) in the middle of
# writing one: after a given number of replaced files, half-way through writing the next
_CHILD = """
import os, sys, time
stop_after = int(sys.argv[1])
marker = sys.argv[2]
real_replace, real_fdopen = os.replace, os.fdopen
done = 0

def replace(src, dst):
    global done
    real_replace(src, dst)
    done += 1

class Half:
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.handle.close()
    def write(self, data):
        if done == stop_after:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            open(marker, "w").close()
            time.sleep(600)
        self.handle.write(data)
    def __getattr__(self, name):
        return getattr(self.handle, name)

os.replace = replace
os.fdopen = lambda *a, **k: Half(real_fdopen(*a, **k))
from celerylint.cli import cli
cli(["--fix", "--select", "CEL801", "--no-cache", "-j", "1", "."])
"""


@pytest.mark.parametrize("stop_after", [0, 3])
def test_killing_a_fix_run_leaves_each_file_untouched_or_fully_fixed(
    tmp_path: Path, stop_after: int
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for i in range(6):
        (project / f"m{i}.py").write_text(LEGACY)
    marker = tmp_path / "stopped"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(stop_after), str(marker)],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the child ended early: {child.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
        if child.stderr is not None:
            child.stderr.close()
    contents = [(project / f"m{i}.py").read_text() for i in range(6)]
    assert all(c in (LEGACY, FIXED) for c in contents), "a file was left half-written"
    assert contents.count(FIXED) == stop_after
    # only the temporary file of the write that was cut short is left; the next run
    # ignores it (a dot file) and fixes the rest
    left = sorted(p.name for p in project.iterdir() if not p.name.endswith(".py"))
    assert len(left) == 1 and left[0].startswith(".celerylint-")
