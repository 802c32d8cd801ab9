"""The command line as a user drives it: paths, subcommands, selection, output formats,
statistics, exit codes, jobs, stdin and .gitignore.

Findings come from the test-only rules in ``conftest.py`` (CEL990 ``bad()`` calls, CEL991
``meh()`` calls, off by default, and CEL992, a project rule) and from CEL000/CEL001, so
these tests do not depend on the real rules' findings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent import futures
from pathlib import Path

import pytest
from conftest import CallsBad, CallsMeh, FlaggedTask, Invoke, write_tree

import celerylint
import celerylint.rules
from celerylint.docs import rule_page
from celerylint.engine import phase_one
from celerylint.rules import rules_by_code
from celerylint.rules.base import Rule
from celerylint.selection import resolve, resolve_layers

BIN = Path(sys.executable).parent
CELERYLINT = str(BIN / "celerylint")

PLAIN = {
    "pyproject.toml": "[tool.celerylint]\n",
    "a.py": "import os\n\nbad()\nmeh()\n",
    "pkg/__init__.py": "",
    "pkg/b.py": "def f():\n    return bad()\n",
}
#: a Celery app in one module and its tasks in another: CEL992 needs the index to confirm them
CELERY = {
    "pyproject.toml": "[tool.celerylint]\n",
    "proj/__init__.py": "",
    "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n",
    "proj/jobs.py": (
        "from proj.celery import app\n\n\n@app.task\ndef flagged_job():\n    return 1\n"
    ),
}


def _sh(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The real console script (or interpreter) in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERYLINT")}
    return subprocess.run(
        args,
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


# -- paths and entry points ----------------------------------------------------------------


def test_default_path_is_the_current_directory(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, PLAIN)
    result = invoke(cwd=tmp_path)
    assert result.exit_code == 1
    assert result.lines == [
        "a.py:3:1: CEL990 `bad()` is called",
        f"pkg{os.sep}b.py:2:12: CEL990 `bad()` is called",
    ]
    assert result.stderr == "Found 2 errors.\n"


def test_check_subcommand_console_script_and_module_agree(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.celerylint]\nextend-select = ["CEL001"]\n',
            "broken.py": "def broken(:\n    pass\n",
            "stale.py": "x = 1  # noqa: CEL101\n",
        },
    )
    expected = (
        "broken.py:1:12: CEL000 SyntaxError: invalid syntax; the file was not checked\n"
        "stale.py:1:8: CEL001 Unused `noqa` directive (unused: CEL101)\n"
    )
    runs = {
        "celerylint PATH": _sh(CELERYLINT, str(tmp_path), cwd=tmp_path.parent),
        "celerylint check PATH": _sh(CELERYLINT, "check", str(tmp_path), cwd=tmp_path.parent),
        "python -m celerylint PATH": _sh(
            sys.executable, "-m", "celerylint", str(tmp_path), cwd=tmp_path.parent
        ),
        "celerylint (in the directory)": _sh(CELERYLINT, cwd=tmp_path),
        "celerylint check (in the directory)": _sh(CELERYLINT, "check", cwd=tmp_path),
    }
    prefix = f"{tmp_path.name}{os.sep}"
    for how, proc in runs.items():
        assert proc.returncode == 1, (how, proc.stderr)
        lines = expected if "in the directory" in how else _prefixed(expected, prefix)
        assert proc.stdout == lines, how
        assert proc.stderr == "Found 2 findings (1 error, 1 info).\n", how


def test_the_command_ends_without_teardown_and_loses_nothing(tmp_path: Path) -> None:
    """``celerylint`` ends with ``os._exit`` once the report is out (``cli.entry``): the
    whole report still reaches a pipe, the exit codes are the documented ones, and the
    cache written before the exit serves the next run."""
    lines = 2000  # more output than a pipe holds
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.celerylint]\nextend-select = ["CEL001"]\n',
            "stale.py": "x = 1  # noqa: CEL101\n" * lines,
        },
    )
    first = _sh(CELERYLINT, cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    assert first.stdout.count("CEL001 Unused `noqa` directive") == lines
    assert first.stdout.endswith(
        f"stale.py:{lines}:8: CEL001 Unused `noqa` directive (unused: CEL101)\n"
    )
    assert list((tmp_path / ".celerylint_cache").glob("run-*.pickle"))
    again = _sh(sys.executable, "-m", "celerylint", cwd=tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (1, first.stdout, first.stderr)
    (tmp_path / "stale.py").write_text("x = 1\n")
    clean = _sh(CELERYLINT, cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")
    (tmp_path / "pyproject.toml").write_text("[tool.celerylint]\nselect = 3\n")
    bad = _sh(CELERYLINT, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stdout == "" and len(bad.stderr.splitlines()) == 1, bad.stderr


@pytest.mark.parametrize(
    ("code", "status", "printed"),
    [
        (None, 0, ""),
        (0, 0, ""),
        (1, 1, ""),
        (2, 2, ""),
        (256 + 2, 2, ""),
        ("stopped", 1, "stopped\n"),
    ],
)
def test_exit_status_is_the_one_sys_exit_gives(
    code: object, status: int, printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from celerylint.cli import _status

    assert _status(code) == status
    assert capsys.readouterr().err == printed


def _prefixed(text: str, prefix: str) -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True))


def test_version(invoke: Invoke) -> None:
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        result = invoke(flag)
        assert result.exit_code == 0
        assert result.stdout == f"celerylint {celerylint.__version__}\n"
    assert celerylint.__version__ == version("celerylint")


def test_missing_path_is_a_usage_error(tmp_path: Path, invoke: Invoke) -> None:
    result = invoke("no-such-dir", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == "celerylint: error: no-such-dir: no such file or directory\n"
    assert result.stdout == ""


def test_unknown_option_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("--frobnicate")
    assert result.exit_code == 2
    assert "No such option '--frobnicate'" in result.stderr


# -- rule and rules ------------------------------------------------------------------------


def test_rule_prints_the_rule_page_by_code_or_name(invoke: Invoke) -> None:
    for rule in celerylint.rules.all_rules():
        for key in (rule.code, rule.code.lower(), rule.name):
            result = invoke("rule", key)
            assert result.exit_code == 0, key
            assert result.stdout == rule_page(rule)


def test_rule_unknown_code_is_one_line_with_a_suggestion(invoke: Invoke) -> None:
    result = invoke("rule", "CEL0001")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "celerylint: error: unknown rule `CEL0001` (did you mean `CEL001`?)\n"
    result = invoke("rule", "unused-noq")
    assert result.exit_code == 2
    assert result.stderr.endswith("(did you mean `unused-noqa`?)\n")
    assert len(result.stderr.splitlines()) == 1


def test_rules_lists_every_rule(invoke: Invoke, fake_rules: object) -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    rows = result.stdout.splitlines()
    assert [row.split()[0] for row in rows] == [rule.code for rule in celerylint.rules.all_rules()]
    assert any(row.startswith("CEL990  test-calls-bad") for row in rows)
    assert any(row.startswith("CEL991") and "(off by default)" in row for row in rows)


def test_rules_json(invoke: Invoke, fake_rules: object) -> None:
    result = invoke("rules", "--output-format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [entry["code"] for entry in data] == [rule.code for rule in celerylint.rules.all_rules()]
    by_code = {entry["code"]: entry for entry in data}
    assert by_code["CEL991"] == {
        "code": "CEL991",
        "name": "test-calls-meh",
        "severity": "info",
        "default_enabled": False,
        "fix": "none",
        "scope": "file",
        "summary": "A rule that exists only in celerylint's own tests.",
        "url": "https://github.com/celerylint/celerylint/blob/main/docs/rules/CEL991.md",
    }
    assert by_code["CEL992"]["scope"] == "project"
    for entry in data:
        rule = rules_by_code()[entry["code"]]
        assert (entry["name"], entry["default_enabled"]) == (rule.name, rule.default_enabled)


# -- selection -----------------------------------------------------------------------------


def _rule(code: str, default: bool = True) -> type[Rule]:
    attributes = {"code": code, "name": code.lower(), "message": "m", "default_enabled": default}
    return type(f"Rule{code}", (Rule,), attributes)


SELECTION_RULES = [
    _rule("CEL000"),
    _rule("CEL101"),
    _rule("CEL102"),
    _rule("CEL107", default=False),
    _rule("CEL201"),
    _rule("CEL301"),
]


@pytest.mark.parametrize(
    ("select", "extend", "ignore", "expected"),
    [
        (None, [], [], {"CEL000", "CEL101", "CEL102", "CEL201", "CEL301"}),
        (["CEL1"], [], [], {"CEL000", "CEL101", "CEL102", "CEL107"}),
        (["ALL"], [], [], {"CEL000", "CEL101", "CEL102", "CEL107", "CEL201", "CEL301"}),
        (["ALL"], [], ["CEL1"], {"CEL000", "CEL201", "CEL301"}),
        # the most specific selector wins, whichever list it is in
        (["ALL"], [], ["CEL1", "CEL102"], {"CEL000", "CEL201", "CEL301"}),
        (["CEL102"], [], ["CEL1"], {"CEL000", "CEL102"}),
        (["CEL1"], [], ["CEL102"], {"CEL000", "CEL101", "CEL107"}),
        # a tie goes to ignore
        (["CEL1"], [], ["CEL1"], {"CEL000"}),
        (["CEL101"], [], ["CEL101"], {"CEL000"}),
        (None, ["CEL107"], [], {"CEL000", "CEL101", "CEL102", "CEL107", "CEL201", "CEL301"}),
        (None, ["CEL107"], ["CEL1"], {"CEL000", "CEL107", "CEL201", "CEL301"}),
        (None, [], ["ALL"], {"CEL000"}),
        (["CEL"], [], [], {"CEL000", "CEL101", "CEL102", "CEL107", "CEL201", "CEL301"}),
        # CEL000 goes only when its exact code is ignored
        (None, [], ["CEL0"], {"CEL000", "CEL101", "CEL102", "CEL201", "CEL301"}),
        (None, [], ["CEL000"], {"CEL101", "CEL102", "CEL201", "CEL301"}),
        (["CEL2"], [], [], {"CEL000", "CEL201"}),
    ],
)
def test_selection_semantics(
    select: list[str] | None, extend: list[str], ignore: list[str], expected: set[str]
) -> None:
    assert resolve(SELECTION_RULES, select, extend, ignore) == expected


def test_command_line_selection_is_layered_over_the_configuration() -> None:
    config_ignores_cel1 = (None, [], ["CEL1"])
    # --select replaces the configured set, whatever the configuration ignored
    assert resolve_layers(SELECTION_RULES, [config_ignores_cel1, (["CEL101"], [], [])]) == {
        "CEL000",
        "CEL101",
    }
    # --extend-select edits it: a more general configured ignore no longer applies
    assert resolve_layers(SELECTION_RULES, [config_ignores_cel1, (None, ["CEL102"], [])]) == {
        "CEL000",
        "CEL102",
        "CEL201",
        "CEL301",
    }
    # --ignore on top of a configured select
    assert resolve_layers(SELECTION_RULES, [(["CEL1"], [], []), (None, [], ["CEL101"])]) == {
        "CEL000",
        "CEL102",
        "CEL107",
    }
    # the command line can bring CEL000 back
    assert "CEL000" in resolve_layers(
        SELECTION_RULES, [(None, [], ["CEL000"]), (None, ["CEL000"], [])]
    )


def _codes(result_stdout: str) -> list[str]:
    return [line.split(": ", 1)[1].split()[0] for line in result_stdout.splitlines()]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["CEL990", "CEL990"]),
        (("--extend-select", "CEL991"), ["CEL990", "CEL991", "CEL990"]),
        (("--extend-select", "cel991"), ["CEL990", "CEL991", "CEL990"]),
        (("--select", "CEL991"), ["CEL991"]),
        (("--select", "CEL99"), ["CEL990", "CEL991", "CEL990"]),
        (("--select", "CEL99", "--ignore", "CEL990"), ["CEL991"]),
        (("--select", "CEL990", "--ignore", "CEL99"), ["CEL990", "CEL990"]),
        (("--select", "CEL99", "--ignore", "CEL99"), []),
        (("--select", "CEL990,CEL991"), ["CEL990", "CEL991", "CEL990"]),
        (("--select", "CEL990", "--select", "CEL991"), ["CEL990", "CEL991", "CEL990"]),
        (("--select", "ALL", "--ignore", "CEL990"), ["CEL991"]),
        (("--ignore", "ALL"), []),
        (("--ignore", "CEL9"), []),
    ],
)
def test_selection_on_the_command_line(
    tmp_path: Path, invoke: Invoke, fake_rules: object, args: tuple[str, ...], expected: list[str]
) -> None:
    write_tree(tmp_path, PLAIN)
    result = invoke(*args, "--quiet", cwd=tmp_path)
    assert _codes(result.stdout) == expected
    assert result.exit_code == (1 if expected else 0)


def test_configured_selection_and_the_command_line(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, {**PLAIN, "pyproject.toml": '[tool.celerylint]\nignore = ["CEL99"]\n'})
    assert _codes(invoke("-q", cwd=tmp_path).stdout) == []
    # the command line is layered on top of the configuration
    assert _codes(invoke("-q", "--extend-select", "CEL991", cwd=tmp_path).stdout) == ["CEL991"]
    assert _codes(invoke("-q", "--select", "CEL990", cwd=tmp_path).stdout) == ["CEL990"] * 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--select", "CEL9999"), "unknown rule selector `CEL9999` (did you mean `CEL99"),
        (("--ignore", "XYZ1"), "unknown rule selector `XYZ1`"),
        (("--extend-select", "CEL8888"), "unknown rule selector `CEL8888`"),
    ],
)
def test_unknown_selector_is_a_usage_error(
    tmp_path: Path, invoke: Invoke, fake_rules: object, args: tuple[str, ...], message: str
) -> None:
    write_tree(tmp_path, PLAIN)
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"celerylint: error: {message}")
    assert len(result.stderr.splitlines()) == 1


# -- output formats ------------------------------------------------------------------------


def test_text_output_is_sorted_and_relative_to_the_working_directory(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\n",
            "z.py": "bad(); bad()\n",
            "a/b.py": "meh()\nbad()\n",
            "a/a.py": "\n\nbad(meh())\n",
        },
    )
    result = invoke("--extend-select", "CEL991", str(tmp_path / "a"), "z.py", cwd=tmp_path)
    assert result.lines == [
        f"a{os.sep}a.py:3:1: CEL990 `bad()` is called",
        f"a{os.sep}a.py:3:5: CEL991 `meh()` is called",
        f"a{os.sep}b.py:1:1: CEL991 `meh()` is called",
        f"a{os.sep}b.py:2:1: CEL990 `bad()` is called",
        "z.py:1:1: CEL990 `bad()` is called",
        "z.py:1:8: CEL990 `bad()` is called",
    ]
    assert result.stderr == "Found 6 findings (4 errors, 2 info).\n"
    # from elsewhere, paths stay relative to where celerylint runs
    # outside the working directory, paths are absolute (as ruff prints them)
    other = invoke("--select", "CEL990", "-q", str(tmp_path / "z.py"), cwd=tmp_path / "a")
    assert other.lines[0] == f"{tmp_path / 'z.py'}:1:1: CEL990 `bad()` is called"


def test_full_output_shows_the_line_and_a_caret(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n", "m.py": "x = 1\ny = bad(2)\n"})
    result = invoke("--output-format", "full", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout == (
        "m.py:2:5: CEL990 `bad()` is called\n  |\n2 | y = bad(2)\n  |     ^^^^^^\n\n"
    )
    assert result.stderr == "Found 1 error.\n"


def test_json_output_has_ruffs_field_names(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n", "m.py": "x = 1\ny = bad(2)\n"})
    result = invoke("--output-format", "json", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == ""  # machine output: no summary
    assert json.loads(result.stdout) == [
        {
            "cell": None,
            "code": "CEL990",
            "name": "test-calls-bad",
            "message": "`bad()` is called",
            "severity": "error",
            "filename": str(tmp_path / "m.py"),
            "location": {"row": 2, "column": 5},
            "end_location": {"row": 2, "column": 11},
            "fix": None,
            "noqa_row": 2,
            "url": "https://github.com/celerylint/celerylint/blob/main/docs/rules/CEL990.md",
        }
    ]
    clean = invoke("--output-format", "json", "--select", "CEL991", cwd=tmp_path)
    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "[]\n", "")


def test_json_field_names_match_ruff(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    """The same keys as ``ruff check --output-format json`` prints (when ruff is here)."""
    ruff = BIN / "ruff"
    if not ruff.exists():
        pytest.fail("ruff is a test dependency and should be installed next to python")
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n", "m.py": "import os\nbad()\n"})
    ours = json.loads(invoke("--output-format", "json", cwd=tmp_path).stdout)
    theirs = json.loads(
        _sh(
            str(ruff),
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
            "m.py",
            cwd=tmp_path,
        ).stdout
    )
    assert ours and theirs
    assert sorted(ours[0]) == sorted(theirs[0])
    assert sorted(ours[0]["location"]) == sorted(theirs[0]["location"])


def test_github_output(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\n",
            "m.py": "bad()\nmeh()\n",
            "broken.py": "def f(:\n",
            "proj/__init__.py": "",
            "proj/celery.py": CELERY["proj/celery.py"],
            "proj/jobs.py": CELERY["proj/jobs.py"],
        },
    )
    result = invoke(
        "--output-format", "github", "--select", "CEL99", "--extend-select", "CEL991", cwd=tmp_path
    )
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout == (
        "::error file=broken.py,line=1,col=7,endLine=1,endColumn=7,title=celerylint (CEL000)"
        "::broken.py:1:7: CEL000 SyntaxError: invalid syntax; the file was not checked\n"
        "::error file=m.py,line=1,col=1,endLine=1,endColumn=6,title=celerylint (CEL990)"
        "::m.py:1:1: CEL990 `bad()` is called\n"
        "::notice file=m.py,line=2,col=1,endLine=2,endColumn=6,title=celerylint (CEL991)"
        "::m.py:2:1: CEL991 `meh()` is called\n"
        f"::warning file=proj{os.sep}jobs.py,line=5,col=5,endLine=5,endColumn=16,"
        "title=celerylint (CEL992)"
        f"::proj{os.sep}jobs.py:5:5: CEL992 task `flagged_job` is flagged\n"
    )


def test_statistics(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, {**PLAIN, "c.py": "bad()\nmeh()\n", "d.py": "def f(:\n"})
    result = invoke("--statistics", "--extend-select", "CEL991", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout == (
        "3\tCEL990\t    test-calls-bad\n"
        "2\tCEL991\t    test-calls-meh\n"
        "1\tCEL000\t    unreadable-file\n"
    )
    assert result.stderr == "Found 6 findings (4 errors, 2 info).\n"
    as_json = invoke("--statistics", "--output-format", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout) == [
        {
            "code": "CEL990",
            "name": "test-calls-bad",
            "count": 3,
            "fixable": False,
            "fixable_count": 0,
        },
        {
            "code": "CEL000",
            "name": "unreadable-file",
            "count": 1,
            "fixable": False,
            "fixable_count": 0,
        },
    ]
    quiet = invoke("--statistics", "-q", "--exit-zero", cwd=tmp_path)
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert quiet.stdout.splitlines()[0] == "3\tCEL990\t    test-calls-bad"


# -- exit codes, --exit-zero, --quiet ------------------------------------------------------


def test_exit_codes(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, PLAIN)
    assert invoke(cwd=tmp_path).exit_code == 1
    assert invoke("--exit-zero", cwd=tmp_path).exit_code == 0
    assert invoke("--ignore", "CEL990", cwd=tmp_path).exit_code == 0
    clean = invoke("--ignore", "CEL990", cwd=tmp_path)
    assert (clean.stdout, clean.stderr) == ("", "All checks passed! (3 files checked)\n")
    # usage and configuration errors are 2, even with --exit-zero
    assert invoke("--exit-zero", "--select", "NOPE1", cwd=tmp_path).exit_code == 2
    assert invoke("--exit-zero", "--output-format", "xml", cwd=tmp_path).exit_code == 2


def test_exit_zero_still_prints_findings(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, PLAIN)
    result = invoke("--exit-zero", cwd=tmp_path)
    assert result.exit_code == 0
    assert len(result.lines) == 2
    assert result.stderr == "Found 2 errors.\n"


def test_quiet_drops_only_the_summary(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, PLAIN)
    loud, quiet = invoke(cwd=tmp_path), invoke("--quiet", cwd=tmp_path)
    assert loud.stdout == quiet.stdout != ""
    assert loud.stderr == "Found 2 errors.\n"
    assert quiet.stderr == ""
    assert invoke("-q", cwd=tmp_path).stderr == ""
    clean = invoke("-q", "--ignore", "CEL99", cwd=tmp_path)
    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "", "")


# -- --jobs --------------------------------------------------------------------------------


def _many_files(root: Path, count: int = 40) -> dict[str, int]:
    """A project with more files than the pool threshold; returns the findings expected."""
    expected = {"CEL000": 0, "CEL001": 0, "CEL990": 0, "CEL992": 0}
    files: dict[str, str] = {
        "pyproject.toml": '[tool.celerylint]\nextend-select = ["CEL001"]\n',
        "proj/__init__.py": "",
        "proj/celery.py": CELERY["proj/celery.py"],
    }
    for i in range(count):
        if i % 7 == 3:
            files[f"proj/m{i:02}.py"] = f"def broken_{i}(:\n    pass\n"
            expected["CEL000"] += 1
        elif i % 5 == 1:
            files[f"proj/m{i:02}.py"] = f"import os  # noqa: CEL10{i % 7}\n"
            expected["CEL001"] += 1
        else:
            files[f"proj/m{i:02}.py"] = (
                "from proj.celery import app\n\n\n"
                f"@app.task(name='job-{i}')\ndef flagged_{i}(x):\n    return bad(x)\n"
            )
            expected["CEL990"] += 1
            expected["CEL992"] += 1
    write_tree(root, files)
    assert len(files) > phase_one.PARALLEL_THRESHOLD
    return expected


def _uncached(root: Path) -> Path:
    """``root``, without results cached by an earlier run (each run must do the work)."""
    shutil.rmtree(root / ".celerylint_cache", ignore_errors=True)
    return root


def test_jobs_give_identical_results_and_really_use_the_pool(
    tmp_path: Path, invoke: Invoke, fake_rules: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _many_files(tmp_path)
    pools: list[int] = []
    real_pool = futures.ProcessPoolExecutor

    def counting_pool(processes: int, **kwargs: object) -> object:
        pools.append(processes)
        return real_pool(processes, **kwargs)  # type: ignore[arg-type]

    # phase 1 imports the pool class when it first needs one
    monkeypatch.setattr(futures, "ProcessPoolExecutor", counting_pool)
    one = invoke("--jobs", "1", "--select", "CEL99,CEL000,CEL001", cwd=_uncached(tmp_path))
    assert pools == []
    two = invoke("--jobs", "2", "--select", "CEL99,CEL000,CEL001", cwd=_uncached(tmp_path))
    assert pools == [2]
    everything = invoke("--jobs", "0", "--select", "CEL99,CEL000,CEL001", cwd=_uncached(tmp_path))
    assert pools == [2, os.cpu_count() or 1] or (os.cpu_count() == 1 and pools == [2])
    assert one.exit_code == two.exit_code == everything.exit_code == 1
    assert one.stdout == two.stdout == everything.stdout
    codes = _codes(one.stdout)
    # CEL992 needs tasks confirmed across files: the index joins every worker's facts
    assert {code: codes.count(code) for code in expected} == expected
    assert all(expected.values())


def test_jobs_agree_through_the_real_console_script(tmp_path: Path) -> None:
    """Real processes, real rules: the pool changes nothing but the speed."""
    _many_files(tmp_path)
    one = _sh(CELERYLINT, "--jobs", "1", "--output-format", "json", cwd=_uncached(tmp_path))
    two = _sh(CELERYLINT, "--jobs", "2", "--output-format", "json", cwd=_uncached(tmp_path))
    assert one.returncode == two.returncode == 1
    assert "Traceback" not in one.stderr + two.stderr
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert {d["code"] for d in json.loads(one.stdout)} >= {"CEL000", "CEL001"}


def test_jobs_rejects_a_negative_number(invoke: Invoke) -> None:
    result = invoke("--jobs", "-1")
    assert result.exit_code == 2
    assert "--jobs" in result.stderr


# -- stdin ---------------------------------------------------------------------------------


def test_stdin_with_a_filename(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, PLAIN)
    # the buffer differs from the file on disk: what is piped in is checked
    result = invoke("-", "--stdin-filename", "a.py", cwd=tmp_path, stdin=b"x = 1\n\n\nbad()\n")
    assert result.exit_code == 1
    assert result.lines == ["a.py:4:1: CEL990 `bad()` is called"]  # only the piped file
    default_name = invoke("-", cwd=tmp_path, stdin=b"bad()\n")
    assert default_name.lines == ["stdin.py:1:1: CEL990 `bad()` is called"]
    clean = invoke("-", "--stdin-filename", "pkg/b.py", cwd=tmp_path, stdin=b"x = 1\n")
    assert (clean.exit_code, clean.stdout) == (0, "")
    # as with ruff, --stdin-filename alone reads stdin too
    alone = invoke("--stdin-filename", "a.py", cwd=tmp_path, stdin=b"\nbad()\n")
    assert alone.lines == ["a.py:2:1: CEL990 `bad()` is called"]


def test_stdin_uses_the_project_index(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    """An editor pipes one buffer; cross-file rules still see the rest of the project."""
    write_tree(tmp_path, CELERY)
    buffer = CELERY["proj/jobs.py"].replace("flagged_job", "flagged_other").encode()
    result = invoke(
        "-", "--stdin-filename", "proj/jobs.py", "--select", "CEL99", cwd=tmp_path, stdin=buffer
    )
    assert result.lines == [f"proj{os.sep}jobs.py:5:5: CEL992 task `flagged_other` is flagged"]


def test_stdin_config_and_errors(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, {**PLAIN, "pyproject.toml": '[tool.celerylint]\nignore = ["CEL990"]\n'})
    ignored = invoke("-", "--stdin-filename", "new.py", cwd=tmp_path, stdin=b"bad()\n")
    assert (ignored.exit_code, ignored.stdout) == (0, "")
    broken = invoke("-", "--stdin-filename", "new.py", cwd=tmp_path, stdin=b"def f(:\n")
    assert broken.exit_code == 1
    assert broken.lines == [
        "new.py:1:7: CEL000 SyntaxError: invalid syntax; the file was not checked"
    ]
    mixed = invoke("-", "a.py", cwd=tmp_path, stdin=b"")
    assert mixed.exit_code == 2
    assert mixed.stderr == "celerylint: error: '-' (stdin) cannot be combined with other paths\n"


def test_stdin_through_the_console_script(tmp_path: Path) -> None:
    proc = _sh(CELERYLINT, "-", "--stdin-filename", "x.py", cwd=tmp_path, stdin=b"def f(:\n")
    assert proc.returncode == 1
    assert proc.stdout == "x.py:1:7: CEL000 SyntaxError: invalid syntax; the file was not checked\n"


# -- .gitignore ----------------------------------------------------------------------------


def test_gitignore_is_respected_by_default(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\n",
            ".gitignore": "generated/\n*_pb2.py\n!keep_pb2.py\n",
            "app.py": "bad()\n",
            "generated/models.py": "bad()\n",
            "api_pb2.py": "bad()\n",
            "keep_pb2.py": "bad()\n",
            "sub/.gitignore": "local.py\n",
            "sub/local.py": "bad()\n",
            "sub/other.py": "bad()\n",
        },
    )
    (tmp_path / ".git").mkdir()
    default = invoke("-q", cwd=tmp_path)
    assert [line.split(":")[0] for line in default.lines] == [
        "app.py",
        "keep_pb2.py",
        f"sub{os.sep}other.py",
    ]
    everything = invoke("-q", "--no-respect-gitignore", cwd=tmp_path)
    assert [line.split(":")[0] for line in everything.lines] == [
        "api_pb2.py",
        "app.py",
        f"generated{os.sep}models.py",
        "keep_pb2.py",
        f"sub{os.sep}local.py",
        f"sub{os.sep}other.py",
    ]
    # a file named on the command line is checked even when ignored (as ruff does)
    named = invoke("-q", "api_pb2.py", cwd=tmp_path)
    assert [line.split(":")[0] for line in named.lines] == ["api_pb2.py"]


def test_respect_gitignore_in_the_configuration(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\nrespect-gitignore = false\n",
            ".gitignore": "ignored.py\n",
            "ignored.py": "bad()\n",
        },
    )
    (tmp_path / ".git").mkdir()
    assert [line.split(":")[0] for line in invoke("-q", cwd=tmp_path).lines] == ["ignored.py"]


# -- --config ------------------------------------------------------------------------------


def test_config_option_picks_the_file(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(
        tmp_path,
        {
            **PLAIN,
            "pyproject.toml": '[tool.celerylint]\nignore = ["CEL990"]\n',
            "ci/strict.toml": '[tool.celerylint]\nextend-select = ["CEL991"]\n',
        },
    )
    assert invoke("-q", cwd=tmp_path).lines == []
    strict = invoke("-q", "--config", "ci/strict.toml", cwd=tmp_path)
    assert _codes(strict.stdout) == ["CEL990", "CEL991", "CEL990"]
    missing = invoke("--config", "nope.toml", cwd=tmp_path)
    assert missing.exit_code == 2
    assert missing.stderr == "celerylint: error: nope.toml: config file not found\n"


# -- rule crashes --------------------------------------------------------------------------


def test_a_crashing_rule_does_not_abort_the_run(
    tmp_path: Path, invoke: Invoke, crashing_rules: object
) -> None:
    write_tree(tmp_path, {**PLAIN, **CELERY})
    result = invoke("--select", "CEL99", cwd=tmp_path)
    assert result.exit_code == 2
    # the other rules' findings are all there
    assert _codes(result.stdout) == ["CEL990", "CEL991", "CEL990", "CEL992"]
    crashes = [line for line in result.stderr.splitlines() if "internal error" in line]
    per_file = [line for line in crashes if "rule CEL995" in line]
    assert sorted(re.search(r"failed on (\S+):", line)[1] for line in per_file) == sorted(  # type: ignore[index]
        [
            "a.py",
            f"pkg{os.sep}__init__.py",
            f"pkg{os.sep}b.py",
            f"proj{os.sep}__init__.py",
            f"proj{os.sep}celery.py",
            f"proj{os.sep}jobs.py",
        ]
    )
    assert all("ZeroDivisionError: the test rule always fails" in line for line in per_file)
    project = [line for line in crashes if "rule CEL996" in line]
    assert project == [
        "celerylint: internal error: rule CEL996 failed on <project>: KeyError: 'the test project "
        "rule always fails' (please report this bug; findings in this file may be missing)"
    ]
    assert "Traceback" not in result.stderr
    # --exit-zero does not hide an internal error
    assert invoke("--select", "CEL99", "--exit-zero", cwd=tmp_path).exit_code == 2


# -- the selection helpers the tests rely on -----------------------------------------------


def test_test_rules_are_installed_only_on_request(fake_rules: object) -> None:
    codes = {rule.code for rule in celerylint.rules.all_rules()}
    assert {CallsBad.code, CallsMeh.code, FlaggedTask.code} <= codes
    assert {rule.code for rule in phase_one.all_rules()} == codes


# -- a run that checked nothing ---------------------------------------------------------

NO_FILES_WARNING = "warning: No Python files found under the given path(s)"


@pytest.mark.parametrize(
    "tree",
    [
        # a directory without Python files
        {"pyproject.toml": "[tool.celerylint]\n", "notes.txt": "bad()\n"},
        # every file excluded by the enclosing repository's .gitignore
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".gitignore": "svc/\n",
            "svc/pyproject.toml": "[tool.celerylint]\n",
            "svc/a.py": "bad()\n",
        },
    ],
    ids=["no-python-files", "all-gitignored"],
)
def test_a_run_that_checked_no_file_warns_and_says_so(
    tmp_path: Path, invoke: Invoke, fake_rules: object, tree: dict[str, str]
) -> None:
    write_tree(tmp_path, tree)
    where = tmp_path / "svc" if (tmp_path / "svc").is_dir() else tmp_path
    expected = (0, "", f"{NO_FILES_WARNING}\nAll checks passed! (0 files checked)\n")
    first = invoke(cwd=where)
    assert (first.exit_code, first.stdout, first.stderr) == expected
    # the second run may replay the first from the run manifest: the same answer
    second = invoke(cwd=where)
    assert (second.exit_code, second.stdout, second.stderr) == expected
    uncached = invoke("--no-cache", cwd=where)
    assert (uncached.exit_code, uncached.stdout, uncached.stderr) == expected
    quiet = invoke("-q", cwd=where)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_a_replayed_run_counts_the_files_it_checked(
    tmp_path: Path, invoke: Invoke, fake_rules: object, runs: list[object]
) -> None:
    write_tree(tmp_path, PLAIN)
    calls = runs
    first = invoke("--ignore", "CEL990", cwd=tmp_path)
    assert first.stderr == "All checks passed! (3 files checked)\n"
    again = invoke("--ignore", "CEL990", cwd=tmp_path)
    assert len(calls) == 1, "the second run replays the first"
    assert (again.exit_code, again.stderr) == (0, first.stderr)
    part = invoke("--ignore", "CEL990", "pkg", cwd=tmp_path)
    assert len(calls) == 1
    assert part.stderr == "All checks passed! (2 files checked)\n"
    assert invoke("--ignore", "CEL990", "--no-cache", "pkg", cwd=tmp_path).stderr == part.stderr


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        (["warning"] * 8, "Found 8 warnings."),
        (["error"], "Found 1 error."),
        (["info", "info"], "Found 2 info findings."),
        (["warning"] * 5 + ["error"] * 3, "Found 8 findings (3 errors, 5 warnings)."),
        (["info", "error", "warning"], "Found 3 findings (1 error, 1 warning, 1 info)."),
    ],
)
def test_the_summary_counts_findings_by_severity(severities: list[str], expected: str) -> None:
    from types import SimpleNamespace

    from celerylint.cli.report import summary as _summary
    from celerylint.diagnostics import Severity

    found = [SimpleNamespace(severity=Severity(s), fix=None) for s in severities]
    assert _summary(found, None, False, "", len(found)) == expected
    baselined = _summary(found, None, False, "2 more in the baseline b.json not shown", 1)
    assert baselined.startswith(expected[:-2] if expected.endswith(").") else expected[:-1])
    assert baselined.endswith("2 more in the baseline b.json not shown).")
