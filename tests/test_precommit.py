"""pre-commit: the hook definitions, the repository's own checks, and celerylint as a hook.

pre-commit passes only the changed files. celerylint must still index the whole project
(cross-file rules need the other modules) and report only on the files it was given. The
end-to-end tests run a real ``pre-commit try-repo`` against a temporary git repository;
pre-commit builds its own virtualenv and pip-installs celerylint from a clone of this
repository (from PyPI for the dependencies), which takes a minute or two.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import CELERY_APP, Invoke, write_tree

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRE_COMMIT = str(BIN / "pre-commit")
IDENTITY = {
    "GIT_AUTHOR_NAME": "celerylint tests",
    "GIT_AUTHOR_EMAIL": "tests@celerylint.invalid",
    "GIT_COMMITTER_NAME": "celerylint tests",
    "GIT_COMMITTER_EMAIL": "tests@celerylint.invalid",
}


def _env(pre_commit_home: Path | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CELERYLINT", "GIT_", "PRE_COMMIT"))
    }
    env.update(IDENTITY)
    if pre_commit_home is not None:
        env["PRE_COMMIT_HOME"] = str(pre_commit_home)
    return env


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=_env()
    ).stdout


# -- the hook definitions ------------------------------------------------------------------


def test_hook_manifest() -> None:
    proc = subprocess.run(
        [PRE_COMMIT, "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {
        hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    hook = hooks["celerylint"]
    assert hook["entry"] == "celerylint"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook["require_serial"] is True
    assert hook["args"] == ["--force-exclude"]


def test_the_repositorys_own_pre_commit_config() -> None:
    proc = subprocess.run(
        [PRE_COMMIT, "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])  # works offline
    assert {hook["id"] for hook in hooks} >= {"ruff-check", "ruff-format", "mypy"}
    for hook in hooks:
        assert hook["language"] == "system"
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/"), hook
        assert (ROOT / tool).exists(), f"{tool} is not installed (see the README's set-up)"


# -- only the given files are reported, from a whole-project index -------------------------

PROJECT = {
    "pyproject.toml": '[tool.celerylint]\nextend-exclude = ["legacy"]\n',
    **CELERY_APP,
    "proj/jobs.py": "from proj.celery import app\n\n\n@app.task\ndef flagged_job():\n    bad()\n",
    "proj/more.py": "from proj.celery import app\n\n\n@app.task\ndef flagged_more():\n    bad()\n",
    "proj/views.py": "def index(request):\n    return None\n",
    "legacy/old.py": "def broken(:\n",
}


def test_given_files_are_checked_against_the_whole_project(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """As pre-commit calls it: from the repository root, with a few changed files."""
    write_tree(tmp_path, PROJECT)
    one = invoke("--select", "CEL99", "--force-exclude", "proj/jobs.py", cwd=tmp_path)
    assert one.stdout.splitlines() == [
        f"proj{os.sep}jobs.py:5:5: CEL992 task `flagged_job` is flagged",  # app in celery.py
        f"proj{os.sep}jobs.py:6:5: CEL990 `bad()` is called",
    ]
    assert one.exit_code == 1
    clean = invoke(
        "--select", "CEL99", "--force-exclude", "proj/views.py", "proj/celery.py", cwd=tmp_path
    )
    assert (clean.exit_code, clean.stdout) == (0, "")  # findings elsewhere are not reported
    excluded = invoke("--force-exclude", "legacy/old.py", "proj/views.py", cwd=tmp_path)
    assert (excluded.exit_code, excluded.stdout) == (0, "")
    everything = invoke("--select", "CEL99", cwd=tmp_path)
    assert len(everything.stdout.splitlines()) == 4  # two tasks, two calls; legacy excluded


def test_given_files_from_a_subdirectory(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, PROJECT)
    result = invoke("--select", "CEL992", "jobs.py", cwd=tmp_path / "proj")
    assert result.stdout.splitlines() == ["jobs.py:5:5: CEL992 task `flagged_job` is flagged"]


# -- a real pre-commit try-repo ------------------------------------------------------------

USER_PROJECT = {
    "pyproject.toml": (
        '[tool.celerylint]\nselect = ["CEL000", "CEL101"]\nextend-exclude = ["legacy"]\n'
    ),
    "shop/__init__.py": "",
    "shop/tasks.py": (
        "from celery import shared_task\n\n\n"
        "@shared_task\ndef send_receipt(order_id):\n    return order_id\n"
    ),
    "shop/models.py": (
        "from django.db import models\n\n"
        "from shop.tasks import send_receipt\n\n\n"
        "class Order(models.Model):\n"
        "    def paid(self):\n"
        "        send_receipt.delay(self.pk)\n"
    ),
    "shop/views.py": "def index(request):\n    return None\n",
    "legacy/old.py": "def broken(:\n",  # excluded, but pre-commit names it with --all-files
}
MODELS_FINDING = re.compile(r"^shop/models\.py:3:1: CEL101 ", re.M)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clone of this repository's committed HEAD: what users get from a tagged release
    (independent of the uncommitted work in the shared checkout)."""
    clone = tmp_path_factory.mktemp("hook-repo") / "celerylint"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
        check=True,
        capture_output=True,
        env=_env(),
    )
    yield clone


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = write_tree(tmp_path / "user", USER_PROJECT)
    _git("init", "--quiet", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "--quiet", "-m", "A shop", cwd=repo)
    return repo


def _try_repo(hook_repo: Path, user_repo: Path, home: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), "celerylint", "--verbose", *args],
        cwd=user_repo,
        capture_output=True,
        text=True,
        timeout=1200,
        env=_env(home),
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    return proc.returncode, output


def test_try_repo_from_the_committed_head(
    hook_repo: Path, user_repo: Path, pre_commit_home: Path
) -> None:
    assert _git("status", "--porcelain", cwd=hook_repo) == ""  # clean: try-repo uses HEAD
    code, output = _try_repo(hook_repo, user_repo, pre_commit_home, "--all-files")
    assert code == 1, output
    assert MODELS_FINDING.search(output), output
    assert "legacy/old.py" not in output  # --force-exclude keeps the exclusion
    assert "Found 1 warning." in output

    # a changed models file alone: the index still holds shop/tasks.py (cross-file rule)
    code, output = _try_repo(hook_repo, user_repo, pre_commit_home, "--files", "shop/models.py")
    assert code == 1, output
    assert MODELS_FINDING.search(output), output

    # other files alone: the models finding is not theirs to report
    code, output = _try_repo(
        hook_repo, user_repo, pre_commit_home, "--files", "shop/views.py", "shop/tasks.py"
    )
    assert code == 0, output
    assert "CEL101" not in output
    assert "Passed" in output

    code, output = _try_repo(hook_repo, user_repo, pre_commit_home, "--files", "legacy/old.py")
    assert code == 0, output


def test_try_repo_with_uncommitted_changes(
    hook_repo: Path, user_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    """With uncommitted changes, try-repo commits them to a temporary repository and uses
    that: here a hook argument that only the working tree has."""
    dirty = tmp_path / "dirty-celerylint"
    shutil.copytree(hook_repo, dirty, symlinks=True)
    manifest = dirty / ".pre-commit-hooks.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "args: [--force-exclude]\n  language",
            "args: [--force-exclude, --statistics]\n  language",
            1,
        )
    )
    assert _git("status", "--porcelain", cwd=dirty) != ""
    code, output = _try_repo(dirty, user_repo, pre_commit_home, "--files", "shop/models.py")
    assert code == 1, output
    assert re.search(r"^1\tCEL101\t", output, re.M), output  # --statistics took effect
    assert not MODELS_FINDING.search(output)


def test_the_repositorys_own_hooks_run_offline(hook_repo: Path, pre_commit_home: Path) -> None:
    """`pre-commit run --all-files` with this repository's config, on the committed HEAD,
    with the tools of the existing .venv (nothing to download)."""
    venv = hook_repo / ".venv"
    venv.symlink_to(ROOT / ".venv", target_is_directory=True)
    env = _env(pre_commit_home)
    env["PIP_NO_INDEX"] = "1"  # nothing may be fetched
    try:
        proc = subprocess.run(
            [PRE_COMMIT, "run", "--all-files", "--show-diff-on-failure"],
            cwd=hook_repo,
            capture_output=True,
            text=True,
            timeout=1200,
            env=env,
        )
    finally:
        venv.unlink()  # the clone stays clean for the other tests
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for name in ("ruff check", "ruff format", "mypy (strict, celerylint/)"):
        assert re.search(rf"^{re.escape(name)}\.+Passed$", output, re.M), output
