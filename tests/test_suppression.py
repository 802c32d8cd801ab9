"""Suppression: ``# noqa`` comments, file-level ``# celerylint: noqa``, ``per-file-ignores``
and CEL001 unused-noqa, all applied by the engine (rules never see them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CELERY_APP, Invoke, write_tree

from celerylint.engine.suppression import parse_suppressions


def _found(stdout: str) -> list[str]:
    """``path:line:col: CODE`` of each finding, with ``/`` separators."""
    out = []
    for line in stdout.splitlines():
        where, rest = line.split(": ", 1)
        out.append(f"{where.replace(os.sep, '/')}: {rest.split()[0]}")
    return out


def _check(root: Path, invoke: Invoke, files: dict[str, str], *args: str) -> list[str]:
    write_tree(root, {"pyproject.toml": "[tool.celerylint]\n", **files})
    result = invoke("-q", "--extend-select", "CEL991", *args, cwd=root)
    assert result.exit_code in (0, 1), result.stderr
    return _found(result.stdout)


# --


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("bad(); meh()", ["m.py:1:1: CEL990", "m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa: CEL990", ["m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa: CEL991", ["m.py:1:1: CEL990"]),
        ("bad(); meh()  # noqa", []),
        ("bad(); meh()  # NOQA", []),
        ("bad(); meh()  #noqa", []),
        ("bad(); meh()  # noqa: CEL990, CEL991", []),
        ("bad(); meh()  # noqa: CEL990,CEL991", []),
        ("bad(); meh()  # noqa: CEL990 CEL991", []),
        ("bad(); meh()  # noqa:CEL990", ["m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa: cel990", ["m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa: CEL99", []),  # a prefix
        ("bad(); meh()  # noqa: CEL9", []),
        ("bad(); meh()  # noqa: CEL101", ["m.py:1:1: CEL990", "m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa: E501, CEL990", ["m.py:1:8: CEL991"]),  # with other linters' codes
        ("bad(); meh()  # type: ignore  # noqa: CEL990", ["m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa: CEL990 because the API needs it", ["m.py:1:8: CEL991"]),
        ("bad(); meh()  # noqa-ish", ["m.py:1:1: CEL990", "m.py:1:8: CEL991"]),
        ('bad("# noqa"); meh()', ["m.py:1:1: CEL990", "m.py:1:16: CEL991"]),  # in a string
    ],
)
def test_noqa_on_the_line(
    tmp_path: Path, invoke: Invoke, fake_rules: object, line: str, expected: list[str]
) -> None:
    assert _check(tmp_path, invoke, {"m.py": line + "\n"}) == expected


def test_noqa_applies_to_the_line_where_the_finding_starts(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    source = (
        "bad(  # noqa: CEL990\n"
        "    1,\n"
        ")\n"
        "bad(\n"
        "    2,\n"
        ")  # noqa: CEL990\n"
        "x = 1  # noqa: CEL990\n"
        "bad()\n"
    )
    assert _check(tmp_path, invoke, {"m.py": source}) == ["m.py:4:1: CEL990", "m.py:8:1: CEL990"]


def test_noqa_in_a_crlf_file_with_a_bom(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    (tmp_path / "m.py").write_bytes(b"\xef\xbb\xbfbad()  # noqa: CEL990\r\nmeh()\r\n")
    (tmp_path / "pyproject.toml").write_text("[tool.celerylint]\n")
    result = invoke("-q", "--extend-select", "CEL991", cwd=tmp_path)
    assert _found(result.stdout) == ["m.py:2:1: CEL991"]


# -- file level ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ("# celerylint: noqa", []),
        ("# celerylint: noqa: CEL99", []),
        ("# celerylint: noqa: CEL991", ["m.py:2:1: CEL990", "m.py:4:1: CEL990"]),
        ("# celerylint: noqa: CEL990, CEL991", []),
        ("# CELERYLINT: NOQA: cel990", ["m.py:3:1: CEL991"]),
        ("# celerylint: noqa: CEL1", ["m.py:2:1: CEL990", "m.py:3:1: CEL991", "m.py:4:1: CEL990"]),
        # a plain blanket noqa on its own line only covers that line
        ("# noqa", ["m.py:2:1: CEL990", "m.py:3:1: CEL991", "m.py:4:1: CEL990"]),
    ],
)
def test_file_level_noqa(
    tmp_path: Path, invoke: Invoke, fake_rules: object, directive: str, expected: list[str]
) -> None:
    source = f"{directive}\nbad()\nmeh()\nbad()\n"
    assert _check(tmp_path, invoke, {"m.py": source, "other.py": "bad()\n"}) == [
        *expected,
        "other.py:1:1: CEL990",
    ]


def test_file_level_noqa_anywhere_in_the_file(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    source = '"""Docs."""\nbad()\n\n# celerylint: noqa: CEL990\nbad()\n'
    assert _check(tmp_path, invoke, {"m.py": source}) == []


def test_a_file_that_does_not_parse_is_reported_despite_noqa(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """Its comments cannot be trusted (it may not even be Python): like ruff's syntax errors,
    CEL000 is only silenced by ignoring the code."""
    files = {"m.py": "# celerylint: noqa\ndef f(:  # noqa\n"}
    assert _check(tmp_path, invoke, files) == ["m.py:2:7: CEL000"]
    assert _check(tmp_path, invoke, files, "--ignore", "CEL000") == []


# -- project rules -------------------------------------------------------------------------


def test_project_rule_findings_are_suppressed_where_they_are_reported(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    files = {
        **CELERY_APP,
        "proj/jobs.py": (
            "from proj.celery import app\n\n\n"
            "@app.task\n"
            "def flagged_one():  # noqa: CEL992\n"
            "    return 1\n\n\n"
            "@app.task  # noqa: CEL992 (on the decorator line: not where it is reported)\n"
            "def flagged_two():\n"
            "    return 2\n"
        ),
        "proj/more.py": (
            "# celerylint: noqa: CEL992\nfrom proj.celery import app\n\n\n"
            "@app.task\ndef flagged_three():\n    return 3\n"
        ),
    }
    assert _check(tmp_path, invoke, files, "--select", "CEL992") == ["proj/jobs.py:10:5: CEL992"]


# -- per-file-ignores ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "",
            [
                "a.py",
                "app/migrations/0001.py",
                "migrations/0002.py",
                "tests/test_a.py",
                "tests/unit/test_b.py",
            ],
        ),
        ('"tests/*" = ["CEL990"]', ["a.py", "app/migrations/0001.py", "migrations/0002.py"]),
        (
            '"tests/unit/*" = ["CEL99"]',
            ["a.py", "app/migrations/0001.py", "migrations/0002.py", "tests/test_a.py"],
        ),
        ('"test_*.py" = ["ALL"]', ["a.py", "app/migrations/0001.py", "migrations/0002.py"]),
        ('"**/migrations/*" = ["CEL9"]', ["a.py", "tests/test_a.py", "tests/unit/test_b.py"]),
        (
            '"*/migrations/*" = ["CEL990"]',
            ["a.py", "migrations/0002.py", "tests/test_a.py", "tests/unit/test_b.py"],
        ),
        (
            '"a.py" = ["CEL991"]',
            [
                "a.py",
                "app/migrations/0001.py",
                "migrations/0002.py",
                "tests/test_a.py",
                "tests/unit/test_b.py",
            ],
        ),
        (
            '"./a.py" = ["CEL990"]',
            [
                "app/migrations/0001.py",
                "migrations/0002.py",
                "tests/test_a.py",
                "tests/unit/test_b.py",
            ],
        ),
    ],
)
def test_per_file_ignores(
    tmp_path: Path, invoke: Invoke, fake_rules: object, table: str, expected: list[str]
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": f"[tool.celerylint.per-file-ignores]\n{table}\n",
            "a.py": "bad()\n",
            "app/migrations/0001.py": "bad()\n",
            "migrations/0002.py": "bad()\n",
            "tests/test_a.py": "bad()\n",
            "tests/unit/test_b.py": "bad()\n",
        },
    )
    result = invoke("-q", cwd=tmp_path)
    assert [f.split(":")[0] for f in _found(result.stdout)] == expected


def test_per_file_ignores_are_relative_to_the_configuration(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(
        tmp_path,
        {
            "project/pyproject.toml": '[tool.celerylint.per-file-ignores]\n"tests/*" = ["ALL"]\n',
            "project/tests/test_x.py": "bad()\n",
            "project/app/tests/test_y.py": "bad()\n",
        },
    )
    # `tests/*` is relative to the configuration's directory: project/tests, not app/tests
    for cwd, path, expected in [
        (tmp_path, "project", "project/app/tests/test_y.py"),
        (tmp_path / "project/app", "..", "tests/test_y.py"),
        (tmp_path / "project/tests", "../app", str(tmp_path / "project/app/tests/test_y.py")),
    ]:
        result = invoke("-q", path, cwd=cwd)
        assert [f.split(":")[0] for f in _found(result.stdout)] == [expected.replace(os.sep, "/")]


def test_per_file_ignores_drop_cel000_only_by_its_exact_code(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    files = {"pyproject.toml": '[tool.celerylint.per-file-ignores]\n"gen/*" = ["CEL0"]\n'}
    write_tree(
        tmp_path, {**files, "gen/a.py": "def f(:\n", "gen/b.py": "import os  # noqa: CEL1\n"}
    )
    result = invoke("-q", "--extend-select", "CEL001", cwd=tmp_path)
    assert _found(result.stdout) == ["gen/a.py:1:7: CEL000"]  # CEL001 goes, CEL000 stays
    write_tree(
        tmp_path, {"pyproject.toml": '[tool.celerylint.per-file-ignores]\n"gen/*" = ["ALL"]\n'}
    )
    assert _found(invoke("-q", cwd=tmp_path).stdout) == ["gen/a.py:1:7: CEL000"]
    write_tree(
        tmp_path, {"pyproject.toml": '[tool.celerylint.per-file-ignores]\n"gen/*" = ["CEL000"]\n'}
    )
    assert _found(invoke("-q", cwd=tmp_path).stdout) == []
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n"})
    assert _found(invoke("-q", cwd=tmp_path).stdout) == ["gen/a.py:1:7: CEL000"]


# -- CEL001 unused-noqa --------------------------------------------------------------------


UNUSED = {
    "m.py": (
        "bad()  # noqa: CEL990\n"  # used
        "x = 1  # noqa: CEL990\n"  # unused
        "bad()  # noqa: CEL990, CEL101\n"  # half used
        "y = 2  # noqa\n"  # blanket: may be meant for another linter
        "z = 3  # noqa: E501\n"  # another linter's code
        "bad(); meh()  # noqa: CEL99\n"  # a prefix that is used
        "w = 4  # noqa: CEL1\n"  # an unused prefix
    ),
    "n.py": "# celerylint: noqa: CEL991\nbad()  # noqa: CEL990\nmeh()\n",
}


def test_unused_noqa_is_off_by_default(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    assert _check(tmp_path, invoke, UNUSED) == []


def test_unused_noqa(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n", **UNUSED})
    result = invoke("--extend-select", "CEL001", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "m.py:2:8: CEL001 Unused `noqa` directive (unused: CEL990)",
        "m.py:3:8: CEL001 Unused `noqa` directive (unused: CEL101)",
        "m.py:7:8: CEL001 Unused `noqa` directive (unused: CEL1)",
        "n.py:1:1: CEL001 Unused `noqa` directive (unused: CEL991)",
    ]
    assert result.exit_code == 1
    # through the configuration too; once CEL991 runs, n.py's file-level directive is used
    write_tree(tmp_path, {"pyproject.toml": '[tool.celerylint]\nextend-select = ["CEL001"]\n'})
    with_meh = invoke("-q", "--extend-select", "CEL991", "--select", "CEL99,CEL001", cwd=tmp_path)
    assert "n.py" not in with_meh.stdout


def test_unused_noqa_is_itself_suppressible(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    files = {
        "m.py": "x = 1  # noqa: CEL990\n",
        "n.py": "# celerylint: noqa: CEL001\nx = 1  # noqa: CEL990\n",
    }
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n", **files})
    result = invoke("-q", "--extend-select", "CEL001", cwd=tmp_path)
    assert _found(result.stdout) == ["m.py:1:8: CEL001"]


def test_suppressions_are_parsed_from_comments_only() -> None:
    table = parse_suppressions('x = "# noqa: CEL101"  # noqa: CEL102\n"""\n# noqa\n"""\n')
    assert [(d.line, d.codes) for d in table.directives] == [(1, ("CEL102",))]


def test_suppressions_in_syntax_this_python_cannot_tokenize() -> None:
    """Newer syntax than the running interpreter: the comment scan still finds them."""
    table = parse_suppressions('t = t"{x}"  # noqa: CEL990\ntype X = int  # noqa\n')
    assert [(d.line, d.codes) for d in table.directives] == [(1, ("CEL990",)), (2, None)]


def test_noqa_in_files_with_cr_line_endings() -> None:
    """Issue 14: ``tokenize`` splits lines at LF only, so every ``# noqa`` of an old-Mac
    file was on line 1, and the editor's "suppress" action went there too."""
    from celerylint.engine.suppression import noqa_edit, parse_suppressions

    (directive,) = parse_suppressions("x = 1\r\ry = 2  # noqa: CEL101\r").directives
    assert directive.line == 3
    assert noqa_edit("x = 1\r\ry = 2\r", 3, "CEL101") == (5, 5, "  # noqa: CEL101")
