"""``--write-baseline`` / ``--baseline``: entries survive unrelated edits, new findings show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from celerylint.baseline import Baseline, BaselineError, Entry, load_baseline, write_baseline
from celerylint.cli import cli
from celerylint.diagnostics import Diagnostic, Severity, Span

CONFIG = '[tool.celerylint]\nextend-select = ["CEL001"]\n'
STALE = "import os  # noqa: CEL101\n"
#: a Celery module (analysed in full, never skipped as irrelevant) with a syntax error
BROKEN_TASKS = "from celery import shared_task\n\n\n@shared_task\ndef broken(:\n    pass\n"


def _runner() -> CliRunner:
    """stdout and stderr apart, with click 8.1 (``mix_stderr``) and 8.2+ (always apart)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        return CliRunner()


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    result = _runner().invoke(cli, [*args])
    return result.exit_code, result.stdout, result.stderr


def _project(root: Path) -> None:
    _write(
        root,
        {
            "pyproject.toml": CONFIG,
            "pkg/__init__.py": "",
            "pkg/a.py": STALE + "x = 1\n" + STALE,
            "pkg/b.py": BROKEN_TASKS,
        },
    )


def test_write_then_check_reports_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    code, out, err = _cli(tmp_path, monkeypatch, "--write-baseline", "baseline.json", ".")
    assert code == 0 and out == ""
    assert "recorded 3 findings in the baseline baseline.json" in err
    data = json.loads((tmp_path / "baseline.json").read_text())
    assert data["celerylint-baseline"] == 1
    assert [(f["path"], f["code"], f["line"]) for f in data["findings"]] == [
        ("pkg/a.py", "CEL001", 1),
        ("pkg/a.py", "CEL001", 3),
        ("pkg/b.py", "CEL000", 5),
    ]
    code, out, err = _cli(tmp_path, monkeypatch, "--baseline", "baseline.json", ".")
    assert (code, out) == (0, "")
    assert (
        "All checks passed! (3 files checked; 3 more in the baseline baseline.json not shown)"
        in err
    )


def test_entries_survive_edits_that_move_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    _cli(tmp_path, monkeypatch, "--write-baseline", "baseline.json", ".")
    moved = '"""Docs."""\n\nimport re\n\n' + STALE + "x = 1\n\n\ny = 2\n" + STALE
    _write(tmp_path, {"pkg/a.py": moved})
    code, out, _ = _cli(tmp_path, monkeypatch, "--baseline", "baseline.json", ".")
    assert (code, out) == (0, "")


def test_new_findings_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    _cli(tmp_path, monkeypatch, "--write-baseline", "baseline.json", ".")
    # a third copy of the same line, and a different stale noqa
    text = STALE + "x = 1\n" + STALE + STALE + "import re  # noqa: CEL105\n"
    _write(tmp_path, {"pkg/a.py": text, "pkg/c.py": STALE})
    code, out, err = _cli(tmp_path, monkeypatch, "--baseline", "baseline.json", ".")
    assert code == 1
    assert out.splitlines() == [
        "pkg/a.py:4:12: CEL001 Unused `noqa` directive (unused: CEL101)",
        "pkg/a.py:5:12: CEL001 Unused `noqa` directive (unused: CEL105)",
        "pkg/c.py:1:12: CEL001 Unused `noqa` directive (unused: CEL101)",
    ]
    assert "Found 3 info findings (3 more in the baseline baseline.json not shown)." in err


def test_fixed_findings_leave_the_rest_baselined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    _cli(tmp_path, monkeypatch, "--write-baseline", "baseline.json", ".")
    _write(tmp_path, {"pkg/b.py": "def fixed():\n    pass\n"})
    code, out, _ = _cli(tmp_path, monkeypatch, "--baseline", "baseline.json", ".")
    assert (code, out) == (0, "")


def test_paths_are_relative_to_the_baseline_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    _cli(tmp_path, monkeypatch, "--write-baseline", "ci/baseline.json", ".")
    data = json.loads((tmp_path / "ci" / "baseline.json").read_text())
    assert {f["path"] for f in data["findings"]} == {"../pkg/a.py", "../pkg/b.py"}
    # run from another directory: the same entries match
    code, out, _ = _cli(tmp_path / "pkg", monkeypatch, "--baseline", "../ci/baseline.json", ".")
    assert (code, out) == (0, "")


def test_the_nearest_twin_stays_baselined() -> None:
    text = "\n".join(["import os  # noqa: CEL101"] * 3) + "\n"
    entry = Entry("a.py", "CEL001", "", 0, "")

    def diag(line: int) -> Diagnostic:
        return Diagnostic("CEL001", "m", "a.py", Span(line, 12, line, 26), Severity.INFO)

    from celerylint.baseline import _entry

    fingerprint = _entry(diag(1), {"a.py": text}, ".").fingerprint
    base = Baseline(
        Path("baseline.json"),
        (
            Entry(entry.path, entry.code, fingerprint, 1, ""),
            Entry(entry.path, entry.code, fingerprint, 3, ""),
        ),
    )
    kept, hidden = base.filter([diag(1), diag(2), diag(3)], {"a.py": text})
    assert hidden == 2
    assert [d.span.line for d in kept] == [2]


def test_round_trip_with_the_api(tmp_path: Path) -> None:
    text = STALE
    diag = Diagnostic("CEL001", "m", str(tmp_path / "a.py"), Span(1, 12, 1, 26), Severity.INFO)
    file = tmp_path / "b.json"
    assert write_baseline(file, [diag], {diag.path: text}) == 1
    kept, hidden = load_baseline(file).filter([diag], {diag.path: text})
    assert (kept, hidden) == ([], 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "invalid JSON"),
        ("[]", "not a celerylint baseline"),
        ('{"celerylint-baseline": 99, "findings": []}', "format 99 is not supported"),
        ('{"celerylint-baseline": 1, "findings": {}}', "`findings` must be a list"),
        ('{"celerylint-baseline": 1, "findings": [{"path": "a"}]}', "finding #1 needs"),
    ],
)
def test_bad_baseline_files(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "b.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match=message):
        load_baseline(file)


def test_cli_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    code, _, err = _cli(tmp_path, monkeypatch, "--baseline", "missing.json", ".")
    assert code == 2
    assert "missing.json: baseline file not found" in err
    code, _, err = _cli(
        tmp_path, monkeypatch, "--baseline", "a.json", "--write-baseline", "a.json", "."
    )
    assert code == 2
    assert "cannot be combined" in err


def test_baseline_applies_to_other_formats_and_statistics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    _write(tmp_path, {"pkg/b.py": "x = 1\n"})
    _cli(tmp_path, monkeypatch, "--write-baseline", "baseline.json", ".")
    _write(tmp_path, {"pkg/b.py": BROKEN_TASKS})
    code, out, _ = _cli(
        tmp_path, monkeypatch, "--baseline", "baseline.json", "--output-format", "json", "."
    )
    assert code == 1
    assert [d["code"] for d in json.loads(out)] == ["CEL000"]
    code, out, _ = _cli(tmp_path, monkeypatch, "--baseline", "baseline.json", "--statistics", ".")
    assert out.split() == ["1", "CEL000", "unreadable-file"]
