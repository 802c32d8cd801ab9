"""The fix machinery: node fixes -> minimal text edits, the fix loop, writing, the CLI."""

from __future__ import annotations

import inspect
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from click.testing import CliRunner

from celerylint.cli import cli
from celerylint.config import Settings
from celerylint.diagnostics import Diagnostic, Edit, Fix, FixSafety, Severity, Span
from celerylint.engine.file_pass import check_file
from celerylint.engine.fixes import (
    apply_fixes,
    decode_source,
    fix_run,
    is_applicable,
    write_atomic,
)
from celerylint.engine.runner import RunRequest
from celerylint.kit.text_edits import apply_edits, line_starts, offset, position
from celerylint.rules.base import FileRule

# -- a toy rule that exercises every kind of replacement -----------------------------------


class _Toy(FileRule):
    code = "CEL999"
    name = "toy"
    message = "toy: {what}"
    fix_safety = FixSafety.SAFE

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        is_call = isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
        if is_call and call.func.attr.value == "retry":  # type: ignore[attr-defined]
            self.report(node, what="raise", fix=self.fix({node: cst.Raise(exc=call)}, "raise"))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.module, cst.Name) and node.module.value == "old":
            assert not isinstance(node.names, cst.ImportStar)
            first = node.names[0]
            self.report(node, what="remove", fix=self.fix({first: cst.RemoveFromParent()}, "rm"))

    def visit_Pass(self, node: cst.Pass) -> None:
        line = cst.parse_statement("import os\n")
        stmt = self.ctx.module_node.body[-1]
        assert isinstance(stmt, cst.FunctionDef)
        body = stmt.body
        assert isinstance(body, cst.IndentedBlock)
        inner = body.body[-1]
        assert isinstance(inner, cst.If)
        target = inner.body.body[-1]
        self.report(
            node,
            what="insert",
            fix=self.fix({target: cst.FlattenSentinel([line, target])}, "ins", FixSafety.UNSAFE),
        )


SOURCE = """\
# header comment
from old import a, b  # keep me
def f(self):
    if True:
        # a comment
        self.retry(countdown=1,   y=2)  # trailing
        pass
"""


def _toy_fixes() -> dict[str, Fix]:
    result = check_file("x.py", SOURCE.encode(), "x", False, [(_Toy, None)])
    return {d.message.split(": ")[1]: d.fix for d in result.diagnostics if d.fix is not None}


def test_node_fixes_become_minimal_edits() -> None:
    fixes = _toy_fixes()
    assert fixes["raise"].edits == (Edit("raise ", Span(6, 9, 6, 9)),)
    assert fixes["remove"].edits == (Edit("", Span(2, 17, 2, 20)),)
    assert fixes["insert"].safety is FixSafety.UNSAFE
    assert apply_edits(SOURCE, fixes["raise"].edits) == SOURCE.replace(
        "        self.retry", "        raise self.retry"
    )
    assert apply_edits(SOURCE, fixes["remove"].edits).splitlines()[1] == (
        "from old import b  # keep me"
    )
    inserted = apply_edits(SOURCE, fixes["insert"].edits).splitlines()
    assert inserted[5:8] == [
        "        self.retry(countdown=1,   y=2)  # trailing",
        "        import os",
        "        pass",
    ]


def _fixed(source: str) -> tuple[str, list[str]]:
    result = check_file("x.py", source.encode(), "x", False, [(_Toy, None)])
    fixed, _ = apply_fixes(source, [d for d in result.diagnostics if d.fix is not None])
    return fixed, [d.message for d in result.diagnostics]


def test_lone_cr_files_get_the_fixes_of_lf_files() -> None:
    """Regression (issue 14): libcst loses the last lone CR of a file, so such files got no
    fixes at all. They are parsed as LF (same offsets) and fixed with CR line endings."""
    fixed, _ = _fixed(SOURCE)
    assert fixed != SOURCE
    assert _fixed(SOURCE.replace("\n", "\r")) == (fixed.replace("\n", "\r"), _fixed(SOURCE)[1])


def test_page_breaks_before_statements_keep_positions_and_fixes() -> None:
    """libcst drops a form feed that starts a statement's line: positions and fixes are
    mapped back to the text, so the form feed stays and the columns are right."""
    source = "\x0cfrom old import a, b  # keep me\n\x0cdef f(self):\n    self.retry()\n"
    result = check_file("x.py", source.encode(), "x", False, [(_Toy, None)])
    spans = sorted((d.message, d.span) for d in result.diagnostics)
    assert spans == [("toy: raise", Span(3, 5, 3, 17)), ("toy: remove", Span(1, 2, 1, 22))]
    fixed, _ = apply_fixes(source, list(result.diagnostics))
    assert fixed == "\x0cfrom old import b  # keep me\n\x0cdef f(self):\n    raise self.retry()\n"


def test_a_form_feed_in_indentation_rules_out_fixes_and_the_finding_says_why() -> None:
    """libcst compares indentation as text, so code inserted next to a line indented with
    a form feed would not parse again: no fixes in such a file, and the findings say why."""
    source = "from old import a, b\ndef f(self):\n\x0c    self.retry()\n"
    fixed, messages = _fixed(source)
    assert fixed == source
    note = "(no automatic fix: a form feed starts an indented line of this file)"
    assert messages and all(m.endswith(note) for m in messages)


def test_positions_round_trip() -> None:
    text = "a = 1\r\nbb = 2\nc\n"
    starts = line_starts(text)
    for i in range(len(text)):
        assert offset(starts, *position(starts, i)) == i


def _diag(fix: Fix, line: int = 1) -> Diagnostic:
    return Diagnostic("CEL999", "m", "x.py", Span(line, 1, line, 1), Severity.ERROR, fix)


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    text = "abcdef\n"
    first = Fix("1", FixSafety.SAFE, (Edit("X", Span(1, 2, 1, 4)),))
    overlapping = Fix("2", FixSafety.SAFE, (Edit("Y", Span(1, 3, 1, 5)),))
    touching = Fix("3", FixSafety.SAFE, (Edit("Z", Span(1, 4, 1, 4)),))
    later = Fix("4", FixSafety.SAFE, (Edit("W", Span(1, 6, 1, 7)),))
    same = Fix("5", FixSafety.SAFE, first.edits)
    new, applied = apply_fixes(
        text, [_diag(first), _diag(overlapping), _diag(touching), _diag(later), _diag(same)]
    )
    assert new == "aXdeW\n"
    assert {d.fix.message for d in applied if d.fix} == {"1", "4", "5"}


def test_applicability() -> None:
    safe = Fix("s", FixSafety.SAFE, (Edit("", Span(1, 1, 1, 1)),))
    unsafe = Fix("u", FixSafety.UNSAFE, (Edit("", Span(1, 1, 1, 1)),))
    assert is_applicable(safe, False) and is_applicable(safe, True)
    assert not is_applicable(unsafe, False) and is_applicable(unsafe, True)
    assert not is_applicable(None, True)
    assert not is_applicable(Fix("e", FixSafety.SAFE, ()), True)


def test_decode_keeps_bom_and_coding() -> None:
    text, encoding = decode_source("x = 'é'\n".encode("utf-8-sig"))
    assert text == "x = 'é'\n" and encoding == "utf-8-sig"
    assert (text.encode(encoding)).startswith(b"\xef\xbb\xbf")
    latin = "# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")
    assert decode_source(latin)[1] == "iso-8859-1"


def test_write_atomic_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(str(target), b"new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]


def test_write_atomic_follows_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("old\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_atomic(str(link), b"new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


# -- the loop, on a real rule (CEL801) -----------------------------------------------------

LEGACY = """\
from celery.task import task, periodic_task  # legacy
from celery.task.schedules import crontab


@task(ignore_result=True)
def cleanup():
    return crontab
"""

FIXED = """\
from celery.task import periodic_task  # legacy
from celery import shared_task as task
from celery.schedules import crontab


@task(ignore_result=True)
def cleanup():
    return crontab
"""


def _request(root: Path, **kwargs: Any) -> RunRequest:
    return RunRequest([root], Settings(root=root), frozenset({"CEL801"}), jobs=1, cwd=root)


def test_fix_run_fixes_in_memory_and_reports_what_is_left(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text(LEGACY)
    result = fix_run(_request(tmp_path))
    assert [f.fixed for f in result.files] == [FIXED]
    assert result.fixed == 2 and not result.problems
    assert [d.message.split("`")[1] for d in result.report.diagnostics] == [
        "celery.task.periodic_task"
    ]
    assert (tmp_path / "legacy.py").read_text() == LEGACY  # nothing written here


def _cli(*args: str, cwd: Path, stdin: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, list(args), input=stdin)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_cli_fix_writes_and_second_run_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY)
    code, out, err = _cli("--fix", "--select", "CEL801", ".", cwd=tmp_path)
    assert code == 1  # periodic_task has no replacement: one finding remains
    assert path.read_text() == FIXED
    assert "Found 3 findings (2 fixed, 1 remaining)." in err
    assert "legacy.py:1:25: CEL801 `celery.task.periodic_task`" in out
    code, out, err = _cli("--fix", "--select", "CEL801", ".", cwd=tmp_path)
    assert path.read_text() == FIXED
    assert "Found 1 error." in err


def test_cli_marks_fixable_findings_and_counts_them(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text(LEGACY)
    code, out, err = _cli("--select", "CEL801", ".", cwd=tmp_path)
    assert code == 1
    assert out.count("[*]") == 2
    assert "[*] 2 fixable with the `--fix` option." in err
    code, out, err = _cli("--select", "CEL801", "--statistics", ".", cwd=tmp_path)
    assert "3\tCEL801\t[-] removed-task-module" in out


def test_cli_diff_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY)
    code, out, err = _cli("--diff", "--select", "CEL801", ".", cwd=tmp_path)
    assert code == 1
    assert out.startswith("--- a/legacy.py\n+++ b/legacy.py\n")
    assert "+from celery import shared_task as task\n" in out
    assert "Would fix 2 errors." in err
    assert path.read_text() == LEGACY
    path.write_text(FIXED)
    code, out, err = _cli("--diff", "--select", "CEL801", ".", cwd=tmp_path)
    assert (code, out) == (0, "")


def test_cli_fix_only_reports_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY)
    code, out, err = _cli("--fix-only", "--select", "CEL801", ".", cwd=tmp_path)
    assert (code, out) == (0, "")
    assert "Fixed 2 errors." in err
    assert path.read_text() == FIXED


def test_cli_fix_stdin_prints_the_fixed_source(tmp_path: Path) -> None:
    code, out, err = _cli(
        "--fix",
        "--select",
        "CEL801",
        "--stdin-filename",
        "legacy.py",
        "-",
        cwd=tmp_path,
        stdin=LEGACY,
    )
    assert out == FIXED
    assert "CEL801" in err and code == 1


def test_a_fix_that_breaks_the_code_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from celerylint.engine import fixes as fixes_module

    path = tmp_path / "legacy.py"
    path.write_text(LEGACY)
    original = fixes_module.apply_fixes

    def broken(text: str, diagnostics: Any) -> Any:
        new, applied = original(text, diagnostics)
        return new.replace("from celery import", "from celery imp0rt"), applied

    monkeypatch.setattr(fixes_module, "apply_fixes", broken)
    _, _, err = _cli("--fix", "--select", "CEL801", ".", cwd=tmp_path)
    # the broken fix is dropped and reported; the other one is still applied
    assert "imp0rt" not in path.read_text()
    assert "from celery.schedules import crontab" in path.read_text()
    assert "the fix for CEL801 would produce invalid code" in err


def test_pre_commit_hooks_declare_check_and_fix() -> None:
    import yaml  # type: ignore[import-untyped]

    hooks = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    )
    by_id = {h["id"]: h for h in hooks}
    assert by_id["celerylint-fix"]["entry"] == "celerylint --fix"
    for hook in (by_id["celerylint"], by_id["celerylint-fix"]):
        assert hook["language"] == "python" and hook["types"] == ["python"]
        assert hook["require_serial"] is True


def test_module_entry_point_fix(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY)
    done = subprocess.run(
        [sys.executable, "-m", "celerylint", "--fix", "--select", "CEL801", "legacy.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert path.read_text() == FIXED


def test_bind_fix_is_safe_only_when_no_call_passes_self() -> None:
    from celerylint.rules import rules_by_code
    from celerylint.testing import run_files

    rule = rules_by_code()["CEL201"]
    safe, unsafe = (e for e in rule.examples if e.fixed is not None)
    (found,) = run_files(safe.sources(), {"CEL201"})
    assert found.fix is not None and found.fix.safety is FixSafety.SAFE
    (found,) = run_files(unsafe.sources(), {"CEL201"})
    assert found.fix is not None and found.fix.safety is FixSafety.UNSAFE


_TASKS = """
from celery import shared_task


@shared_task
def send_receipt(order_id):
    return order_id
"""
#: ``shop`` is a Django app: its ``models`` module is the models layer whatever it holds
_APPS = """
from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
"""


@pytest.mark.parametrize(
    ("models", "movable"),
    [
        (
            "from shop.tasks import send_receipt\n\n\n"
            "class Order:\n    def paid(self):\n        return send_receipt.delay(self.pk)\n",
            True,
        ),
        # a use in a class body, a default value or a decorator runs at load time
        ("from shop.tasks import send_receipt\n\n\nclass Order:\n    task = send_receipt\n", False),
        (
            "from shop.tasks import send_receipt\n\n\ndef paid(task=send_receipt):\n"
            "    return task\n",
            False,
        ),
        # re-exported, rebound, or never used: leave it alone
        ('from shop.tasks import send_receipt\n\n__all__ = ["send_receipt"]\n', False),
        (
            "from shop.tasks import send_receipt\n\n\ndef paid(send_receipt):\n"
            "    return send_receipt\n",
            False,
        ),
        ("from shop.tasks import send_receipt  # noqa: F401\n", False),
        # a comment above the import stays with it
        (
            "# tasks\nfrom shop.tasks import send_receipt\n\n\n"
            "def paid(pk):\n    return send_receipt.delay(pk)\n",
            False,
        ),
    ],
)
def test_models_import_moves_only_when_every_use_is_in_a_function(
    models: str, movable: bool
) -> None:
    from celerylint.testing import run_files

    files = {
        "shop/__init__.py": "",
        "shop/apps.py": _APPS,
        "shop/tasks.py": _TASKS,
        "shop/models.py": models,
    }
    (found,) = run_files(files, {"CEL101"})
    assert (found.fix is not None) is movable


def test_models_import_move_goes_into_every_user_after_docstrings() -> None:
    from celerylint.testing import fix_files

    models = '''\
from django.db import models

from shop.tasks import send_receipt


class Order(models.Model):
    def paid(self):
        """Mark paid."""
        send_receipt.delay(self.pk)

    def resend(self):
        def later():
            return send_receipt.delay(self.pk)

        return later
'''
    files = {
        "shop/__init__.py": "",
        "shop/apps.py": _APPS,
        "shop/tasks.py": _TASKS,
        "shop/models.py": models,
    }
    fixed, problems = fix_files(files, {"CEL101"})
    assert not problems
    assert (
        fixed["shop/models.py"]
        == '''\
from django.db import models


class Order(models.Model):
    def paid(self):
        """Mark paid."""
        from shop.tasks import send_receipt

        send_receipt.delay(self.pk)

    def resend(self):
        from shop.tasks import send_receipt

        def later():
            return send_receipt.delay(self.pk)

        return later
'''
    )


def test_models_import_is_not_moved_when_another_module_imports_it_from_models() -> None:
    from celerylint.testing import run_files

    models = (
        "from shop.tasks import send_receipt\n\n\n"
        "def paid(pk):\n    return send_receipt.delay(pk)\n"
    )
    files = {
        "shop/__init__.py": "",
        "shop/apps.py": _APPS,
        "shop/tasks.py": _TASKS,
        "shop/models.py": models,
        "shop/views.py": "from shop.models import send_receipt\n",
    }
    found = [d for d in run_files(files, {"CEL101"}) if d.path == "shop/models.py"]
    assert len(found) == 1 and found[0].fix is None


def test_setting_rename_is_unsafe_when_the_old_name_is_read() -> None:
    from celerylint.rules.settings._projects import django_project
    from celerylint.testing import run_files

    files = django_project(
        {
            "base": """
                CELERY_ALWAYS_EAGER = False
                CELERY_IGNORE_RESULT = True
                CELERY_DEFAULT_QUEUE = "default"
                CELERY_TASK_DEFAULT_QUEUE = "main"
            """,
            "test": """
                from .base import *  # noqa: F403

                if CELERY_IGNORE_RESULT:
                    CELERY_TASK_STORE_EAGER_RESULT = False
            """,
        },
        extra={
            "shop/__init__.py": "",
            "shop/views.py": "from django.conf import settings\n"
            "EAGER = settings.CELERY_ALWAYS_EAGER\n",
        },
    )
    files = {name: inspect.cleandoc(text) + "\n" for name, text in files.items()}
    found = {d.message.split("`")[1]: d for d in run_files(files, {"CEL804"})}
    safety = {name: d.fix.safety for name, d in found.items() if d.fix is not None}
    assert safety == {
        "CELERY_ALWAYS_EAGER": FixSafety.UNSAFE,  # settings.CELERY_ALWAYS_EAGER is read
        "CELERY_IGNORE_RESULT": FixSafety.UNSAFE,  # read through the star import
        "CELERY_DEFAULT_QUEUE": FixSafety.UNSAFE,  # the new name is written too
    }


def test_setting_rename_keeps_dict_key_quotes() -> None:
    from celerylint.testing import fix_files

    files = {
        "worker/__init__.py": "",
        "worker/app.py": (
            "from celery import Celery\n\napp = Celery('worker')\n"
            "app.conf.update({'CELERYD_CONCURRENCY': 8})\n"
            "app.conf.update(CELERYBEAT_SCHEDULE={})\n"
            "app.conf.CELERY_ACKS_LATE = True\n"
        ),
    }
    fixed, problems = fix_files(files, {"CEL804"})
    assert not problems
    assert fixed["worker/app.py"].splitlines()[3:] == [
        "app.conf.update({'worker_concurrency': 8})",
        "app.conf.update(beat_schedule={})",
        "app.conf.task_acks_late = True",
    ]


def test_lines_added_by_project_rules_use_the_file_line_endings(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "worker").mkdir(parents=True)
    (root / "worker" / "__init__.py").write_text("")
    (root / "worker" / "app.py").write_bytes(
        b"from celery import Celery\r\n\r\napp = Celery('worker')\r\n"
        b"app.config_from_object('worker.celeryconfig')\r\n"
    )
    config = root / "worker" / "celeryconfig.py"
    config.write_bytes(b'broker_url = "redis://r"\r\nbroker_connection_retry = False\r\n')
    request = RunRequest([root], Settings(root=root), frozenset({"CEL514"}), jobs=1, cwd=root)
    result = fix_run(request)
    (fixed,) = result.files
    assert fixed.data() == (
        b'broker_url = "redis://r"\r\nbroker_connection_retry = False\r\n'
        b"broker_connection_retry_on_startup = False\r\n"
    )


def test_installed_apps_addition_is_safe_only_below_its_own_assignment() -> None:
    from celerylint.rules import rules_by_code
    from celerylint.testing import run_files

    (example,) = (e for e in rules_by_code()["CEL513"].examples if e.fixed is not None)
    found = {d.path: d.fix for d in run_files(example.sources(), {"CEL513"})}
    assert found["proj/settings/base.py"] is not None
    assert found["proj/settings/base.py"].safety is FixSafety.SAFE
    assert found["proj/settings/production.py"] is not None
    assert found["proj/settings/production.py"].safety is FixSafety.UNSAFE
