"""Fixes on files of every shape: the regression tests of issue 14 (no final newline, comments
kept, CR line endings). The whole matrix of shapes is in `test_fix_matrix.py`."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from celerylint.cli import cli
from celerylint.rules import all_rules
from celerylint.rules.base import Invalid, Rule
from celerylint.testing import expected_fixed, fix_files

FIX_CASES = [
    pytest.param(rule, i, example, id=f"{rule.code}-fixed-{i}")
    for rule in all_rules()
    for i, example in enumerate(rule.examples)
    if example.fixed is not None
]


def test_mutable_default_fix_without_final_newline() -> None:
    """Regression (issue 14): the last statement's end pointed past the rendered module."""
    source = (
        "from celery import shared_task\n\n\n@shared_task\n"
        'def tag_order(order_id, tags=[]):\n    tags.append("seen")\n    return tags'
    )
    fixed, problems = fix_files({"a.py": source}, {"CEL307"})
    assert not problems
    assert fixed == {
        "a.py": (
            "from celery import shared_task\n\n\n@shared_task\n"
            "def tag_order(order_id, tags=None):\n    if tags is None:\n        tags = []\n"
            '    tags.append("seen")\n    return tags'
        )
    }


@pytest.mark.parametrize(("rule", "index", "example"), FIX_CASES)
def test_fix_without_final_newline(rule: type[Rule], index: int, example: Invalid) -> None:
    """The fix of a file whose last newline is missing is the LF fix. The final newline stays
    missing when the fix ends inside the last statement; a fix that appends lines after it
    (CEL103 adds statements at the end of a file) ends them with newlines, so the comparison
    ignores the final newline only."""
    files = {path: text.rstrip("\n") for path, text in example.sources().items()}
    options = {rule.code: example.options} if example.options else None
    fixed, problems = fix_files(files, {rule.code}, options)
    assert not problems
    expected = {path: text.rstrip("\n") for path, text in expected_fixed(example).items()}
    assert {path: text.rstrip("\n") for path, text in fixed.items()} == expected
    for text in fixed.values():
        cst.parse_module(text)
    again, problems = fix_files({**files, **fixed}, {rule.code}, options)
    assert not again and not problems, "fixing the fixed code changed it again"


CEL101_TASKS = "from celery import shared_task\n\n\n@shared_task\ndef t(x):\n    return x\n"


def test_moved_import_keeps_its_trailing_comment() -> None:
    """Regression (issue 14): CEL101 moved the import and dropped the comment after it."""
    models = (
        "from django.db import models\n\nfrom app.tasks import t  # keep me\n\n\n"
        "class Order(models.Model):\n    def paid(self):\n        t.delay(self.pk)\n"
    )
    files = {"app/__init__.py": "", "app/tasks.py": CEL101_TASKS, "app/models.py": models}
    fixed, problems = fix_files(files, {"CEL101"})
    assert not problems
    assert fixed == {
        "app/models.py": (
            "from django.db import models\n\n\nclass Order(models.Model):\n"
            "    def paid(self):\n        from app.tasks import t  # keep me\n\n"
            "        t.delay(self.pk)\n"
        )
    }


def test_import_with_a_comment_used_in_two_functions_is_not_moved() -> None:
    """Copying the comment into each function would duplicate it: no fix then."""
    models = (
        "from django.db import models\n\nfrom app.tasks import t  # keep me\n\n\n"
        "class Order(models.Model):\n    def paid(self):\n        t.delay(self.pk)\n\n"
        "    def sent(self):\n        t.delay(self.pk)\n"
    )
    files = {"app/__init__.py": "", "app/tasks.py": CEL101_TASKS, "app/models.py": models}
    fixed, problems = fix_files(files, {"CEL101"})
    assert not problems
    assert fixed == {}


def test_comment_lines_right_above_a_moved_import_move_with_it() -> None:
    """Issue 14: a fix moves comments, never deletes them. Comments right above the import
    go with it; a comment above the first statement of the function stays with that one."""
    models = (
        "from django.db import models\n\n# late: tasks imports models\n"
        "from app.tasks import t\n\n\nclass Order(models.Model):\n    def paid(self):\n"
        "        # dispatch\n        t.delay(self.pk)\n"
    )
    files = {"app/__init__.py": "", "app/tasks.py": CEL101_TASKS, "app/models.py": models}
    fixed, problems = fix_files(files, {"CEL101"})
    assert not problems
    assert fixed == {
        "app/models.py": (
            "from django.db import models\n\n\nclass Order(models.Model):\n"
            "    def paid(self):\n        # late: tasks imports models\n"
            "        from app.tasks import t\n\n        # dispatch\n        t.delay(self.pk)\n"
        )
    }


@pytest.mark.parametrize(
    "above",
    [
        "# about the imports below\n\nfrom app.tasks import t\n",  # a blank line between
        "# late\nfrom app.tasks import t\n",  # two functions would get a copy
    ],
)
def test_an_import_is_not_moved_when_a_comment_above_it_would_be_lost_or_copied(
    above: str,
) -> None:
    models = (
        f"from django.db import models\n\n{above}\n\nclass Order(models.Model):\n"
        "    def paid(self):\n        t.delay(self.pk)\n\n    def sent(self):\n"
        "        t.delay(self.pk)\n"
    )
    if above.startswith("# about"):
        models = models.replace("\n\n    def sent(self):\n        t.delay(self.pk)\n", "\n")
    files = {"app/__init__.py": "", "app/tasks.py": CEL101_TASKS, "app/models.py": models}
    fixed, problems = fix_files(files, {"CEL101"})
    assert not problems
    assert fixed == {}


SETTINGS_PROJECT = {
    "proj/__init__.py": "",
    "proj/celery.py": (
        "from celery import Celery\n\napp = Celery('proj')\n"
        "app.config_from_object('django.conf:settings', namespace='CELERY')\n"
    ),
    "proj/wsgi.py": "import os\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
}


def test_split_setting_keeps_what_follows_it_on_its_line() -> None:
    """Issue 14: CEL807 replaced the whole line, deleting its comment (and a statement after
    a semicolon). Now only the statement is replaced."""
    settings = "X = 1\nCELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = (\n    False\n); Y = 2  # keep\n"
    fixed, problems = fix_files({**SETTINGS_PROJECT, "proj/settings.py": settings}, {"CEL807"})
    assert not problems
    assert fixed == {
        "proj/settings.py": (
            "X = 1\nCELERY_TASK_ACKS_ON_FAILURE = False\n"
            "CELERY_TASK_ACKS_ON_TIMEOUT = False; Y = 2  # keep\n"
        )
    }


def test_cr_only_file_is_marked_fixable_and_fixed_with_cr(tmp_path: Path) -> None:
    """Regression (issue 14, defect 3): a file with old-Mac CR line endings got its finding
    without `[*]` and no fix, while LF, CRLF and BOM files got both."""
    legacy = "from celery.task import task\n\n\n@task\ndef cleanup():\n    return 1\n"
    path = tmp_path / "legacy.py"
    path.write_bytes(legacy.replace("\n", "\r").encode())
    checked = CliRunner().invoke(cli, ["--select", "CEL801", str(path)])
    assert "CEL801 [*]" in checked.stdout
    fixed = CliRunner().invoke(cli, ["--fix", "--select", "CEL801", str(path)])
    assert fixed.exit_code == 0, fixed.output
    expected = legacy.replace("celery.task import task", "celery import shared_task as task")
    assert path.read_bytes() == expected.replace("\n", "\r").encode()
