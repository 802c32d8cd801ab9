"""Shared test helpers: test-only rules, a CLI runner and small project builders.

The test-only rules (codes CEL99x, which no real rule uses) give the engine, CLI, config and
suppression tests findings that do not depend on the real rules, which other people are
still writing. ``fake_rules`` registers them for one test, in this process only.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import libcst as cst
import pytest
from click.testing import CliRunner, Result

import celerylint.rules
from celerylint.cli import cli
from celerylint.diagnostics import Severity
from celerylint.engine import runner
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import FileRule, Finding, Invalid, ProjectRule, Rule, Valid

_DOCS = """
    ## What it does
    A rule that exists only in celerylint's own tests.

    ## Why is this bad?
    It is not; it gives the tests a finding they control.

    ## Use instead
    ```python
    good()
    ```

    ## Fix safety
    There is no fix.
"""


class CallsBad(FileRule):
    __doc__ = _DOCS
    code = "CEL990"
    name = "test-calls-bad"
    message = "`{name}()` is called"
    severity = Severity.ERROR
    examples = (Invalid("bad()  # error: CEL990"), Valid("good()"))

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "bad":
            self.report(node, name="bad")


@dataclass(frozen=True)
class MehOptions:
    names: tuple[str, ...] = field(default=("meh",), metadata={"doc": "Functions to report."})
    min_args: int = field(default=0, metadata={"doc": "Report only calls with this many."})
    strict: bool = False


class CallsMeh(FileRule):
    __doc__ = _DOCS
    code = "CEL991"
    name = "test-calls-meh"
    message = "`{name}()` is called"
    severity = Severity.INFO
    default_enabled = False
    options_class = MehOptions
    examples = (Invalid("meh()  # error: CEL991"), Valid("good()"))

    def visit_Call(self, node: cst.Call) -> None:
        options: MehOptions = self.options
        func = node.func
        if (
            isinstance(func, cst.Name)
            and func.value in options.names
            and len(node.args) >= options.min_args
        ):
            self.report(node, name=func.value)


class FlaggedTask(ProjectRule):
    """Cross-file: a task counts only when the index confirms its decorator (``app`` may be
    a Celery app defined in another module)."""

    __doc__ = _DOCS
    code = "CEL992"
    name = "test-flagged-task"
    message = "task `{name}` is flagged"
    severity = Severity.WARNING
    examples = (Invalid("x = 1  # error: CEL992"), Valid("x = 1"))

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for task in index.tasks:
            if task.fact.function.startswith("flagged") and task.fact.span is not None:
                yield Finding(task.path, task.fact.span, {"name": task.fact.function})


class CrashesOnModule(FileRule):
    __doc__ = _DOCS
    code = "CEL995"
    name = "test-crashes"
    message = "never reported"
    examples = (Valid("x = 1"),)

    def visit_Module(self, node: cst.Module) -> None:
        raise ZeroDivisionError("the test rule always fails")


class CrashesInProject(ProjectRule):
    __doc__ = _DOCS
    code = "CEL996"
    name = "test-project-crashes"
    message = "never reported"
    examples = (Valid("x = 1"),)

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        raise KeyError("the test project rule always fails")


TEST_RULES: tuple[type[Rule], ...] = (CallsBad, CallsMeh, FlaggedTask)
CRASHING_RULES: tuple[type[Rule], ...] = (CrashesOnModule, CrashesInProject)


def install_rules(monkeypatch: pytest.MonkeyPatch, extra: Iterable[type[Rule]]) -> None:
    """Make ``all_rules()`` return the real rules plus ``extra`` everywhere in this process
    (every module that imported ``all_rules`` by name sees the patched one), and have every
    file analysed in full, as the test-only rules may report anywhere."""
    original = celerylint.rules.all_rules
    combined = tuple(sorted({*original(), *extra}, key=lambda rule: rule.code))

    def patched() -> tuple[type[Rule], ...]:
        return combined

    for name, module in list(sys.modules.items()):
        if name.startswith("celerylint") and getattr(module, "all_rules", None) is original:
            monkeypatch.setattr(module, "all_rules", patched)
    codes = tuple(rule.code for rule in combined)
    monkeypatch.setattr(celerylint.rules, "rule_codes", lambda: codes)
    _analyse_every_file(monkeypatch)


def _analyse_every_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test-only rules look at every file, so the byte prefilter (which skips files that
    cannot matter to the real rules) must let every file through while they are installed."""
    try:
        from celerylint.engine import prefilter
    except ImportError:  # no prefilter in this version
        return
    original = prefilter.analyse_in_full

    def every_file(*args: object, **kwargs: object) -> bool:
        return True

    for name, module in list(sys.modules.items()):
        if name.startswith("celerylint") and getattr(module, "analyse_in_full", None) is original:
            monkeypatch.setattr(module, "analyse_in_full", every_file)


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> tuple[type[Rule], ...]:
    """The test-only rules CEL990 (on), CEL991 (off by default) and CEL992 (project)."""
    install_rules(monkeypatch, TEST_RULES)
    return TEST_RULES


@pytest.fixture
def crashing_rules(monkeypatch: pytest.MonkeyPatch) -> tuple[type[Rule], ...]:
    """The test-only rules plus two that always raise (CEL995 per file, CEL996 project)."""
    install_rules(monkeypatch, (*TEST_RULES, *CRASHING_RULES))
    return (*TEST_RULES, *CRASHING_RULES)


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``; return ``root``."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    result: Result

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


def _runner() -> CliRunner:
    """stdout and stderr apart, with click 8.1 (``mix_stderr``) and 8.2+ (always apart)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        return CliRunner()


Invoke = Callable[..., CliResult]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run the CLI in this process: ``invoke(*args, cwd=path, stdin=bytes)``."""

    def run(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        result = _runner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr, result)

    yield run


#: the bundled example project
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the Django example project alone (a module with a ``project`` fixture of
    its own uses that one). The nested Flask service is a second project with its own
    configuration: it would be a second run and blur what the manifest and cutoff tests
    count."""
    target = tmp_path / "examples"
    ignore = shutil.ignore_patterns(".celerylint_cache", "flask_service")
    shutil.copytree(EXAMPLES, target, ignore=ignore)
    return target


@pytest.fixture
def cutoffs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each attempted early cutoff (``engine/incremental.py``) answered (True) or
    fell back to the full run (False)."""
    from celerylint.engine import incremental
    from celerylint.engine.manifest import Manifest
    from celerylint.engine.request import RunReport, RunRequest

    seen: list[bool] = []
    real = incremental.early_cutoff

    def recording(request: RunRequest, kept: Manifest) -> RunReport | None:
        answer = real(request, kept)
        seen.append(answer is not None)
        return answer

    monkeypatch.setattr(incremental, "early_cutoff", recording)
    yield seen


def check_concise(invoke: Invoke, project: Path, *args: str) -> tuple[int, str]:
    """(exit code, concise output) of a CLI run in ``project``."""
    result = invoke(*args, "--output-format", "concise", cwd=project)
    return result.exit_code, result.stdout


def check_no_cache(invoke: Invoke, project: Path, *args: str) -> tuple[int, str]:
    """``check_concise`` with ``--no-cache``: the ground truth of every cached answer."""
    return check_concise(invoke, project, *args, "--no-cache")


#: a Celery app in one module of a package; tasks elsewhere use it
CELERY_APP = {
    "proj/__init__.py": "",
    "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n",
}


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module (the generated-module drift tests call into the
    generators)."""
    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def assert_generated_module_is_current(name: str) -> None:
    """The module ``scripts/<name>.py`` writes equals what it would write now, and its
    ``--check`` mode (what CI runs) agrees."""
    script = load_script(name)
    hint = f"run `python scripts/{name}.py` and commit the result"
    expected = script.formatted(script.render(script.collect()), script.TARGET)
    assert script.TARGET.read_text(encoding="utf-8") == expected, hint
    proc = subprocess.run(
        [sys.executable, str(script.__file__), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Records every real run (a replayed run does not call ``runner.run``)."""
    calls: list[object] = []
    real = runner.run

    def counting(request: runner.RunRequest) -> runner.RunReport:
        calls.append(request)
        return real(request)

    monkeypatch.setattr(runner, "run", counting)
    yield calls
