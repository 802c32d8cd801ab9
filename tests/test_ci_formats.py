"""CI output formats: SARIF (validated against the official 2.1.0 schema), GitLab Code
Quality, JUnit, JSON Lines, and ``--output-file``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from celerylint.cli import cli
from celerylint.diagnostics import Diagnostic, Edit, Fix, FixSafety, Severity, Span
from celerylint.reporters import FORMATS, gitlab, sarif
from celerylint.reporters.fingerprint import fingerprints
from celerylint.rules import all_rules

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
BROKEN_TASKS = "from celery import shared_task\n\n\n@shared_task\ndef broken(:\n    pass\n"


def _runner() -> CliRunner:
    """stdout and stderr apart, with click 8.1 (``mix_stderr``) and 8.2+ (always apart)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        return CliRunner()


def _project(tmp_path: Path) -> Path:
    """A project with findings of every severity celerylint has rules for today."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.celerylint]\nextend-select = ["CEL001"]\n', encoding="utf-8"
    )
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "import os  # noqa: CEL101\nx = 'é'  # noqa: CEL105\n", encoding="utf-8"
    )
    # a Celery module (so that it is analysed in full) with a syntax error
    (pkg / "b.py").write_text(BROKEN_TASKS)
    return tmp_path


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    result = _runner().invoke(cli, [*args, "."])
    return result.exit_code, result.stdout, result.stderr


def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def _assert_valid_sarif(document: object) -> None:
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_the_shipped_schema_is_the_official_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_sarif_from_the_cli_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(_project(tmp_path), monkeypatch, "--output-format", "sarif")
    assert code == 1
    document = json.loads(out)
    _assert_valid_sarif(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    by_id = {r["id"]: r for r in rules}
    assert by_id["CEL000"]["defaultConfiguration"] == {"level": "error", "enabled": True}
    assert by_id["CEL001"]["defaultConfiguration"] == {"level": "note", "enabled": False}
    assert by_id["CEL001"]["helpUri"].endswith("/docs/rules/CEL001.md")
    assert by_id["CEL001"]["shortDescription"]["text"].startswith("Reports `# noqa")
    results = run["results"]
    assert {(r["ruleId"], r["level"]) for r in results} == {("CEL000", "error"), ("CEL001", "note")}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"] in {"pkg/a.py", "pkg/b.py"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    # the column after 'é' is counted in code points, as the run declares
    assert run["columnKind"] == "unicodeCodePoints"
    second = next(
        r for r in results if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    )
    assert second["locations"][0]["physicalLocation"]["region"]["startColumn"] == 10


def test_sarif_fixes_and_files_outside_the_base_validate(tmp_path: Path) -> None:
    edit = Edit("print(1)", Span(1, 1, 1, 9))
    fixed = Diagnostic(
        "CEL001",
        "message",
        "pkg/a.py",
        Span(1, 1, 1, 9),
        Severity.WARNING,
        Fix("Replace the call", FixSafety.SAFE, (edit,)),
    )
    outside = Diagnostic(
        "CEL000", "m", str(tmp_path.parent / "x.py"), Span(2, 1, 2, 1), Severity.ERROR
    )
    document = sarif.to_sarif([fixed, outside], {}, base=str(tmp_path))
    _assert_valid_sarif(document)
    results = document["runs"][0]["results"]
    replacement = results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {
        "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 9},
        "insertedContent": {"text": "print(1)"},
    }
    assert results[0]["level"] == "warning"
    artifact = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (tmp_path.parent / "x.py").as_uri()}


def test_empty_sarif_validates() -> None:
    _assert_valid_sarif(json.loads(FORMATS["sarif"]([], {})))


def test_gitlab_code_quality(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    code, out, _ = _run(_project(tmp_path), monkeypatch, "--output-format", "gitlab")
    assert code == 1
    issues = json.loads(out)
    assert len(issues) == 3
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] in {"pkg/a.py", "pkg/b.py"}
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues} == {"info", "major"}


def test_gitlab_paths_are_relative_to_the_ci_project_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    project = _project(tmp_path / "sub")
    monkeypatch.chdir(project / "pkg")
    result = _runner().invoke(cli, ["--output-format", "gitlab", "a.py"])
    paths = {issue["location"]["path"] for issue in json.loads(result.stdout)}
    assert paths == {"sub/pkg/a.py"}


def test_fingerprints_are_stable_when_code_moves_and_unique_for_twins() -> None:
    text = "import os  # noqa: CEL101\n"
    moved = "# a comment\n\n" + text
    diag = Diagnostic("CEL001", "m", "a.py", Span(1, 12, 1, 26), Severity.INFO)
    shifted = Diagnostic("CEL001", "m", "a.py", Span(3, 12, 3, 26), Severity.INFO)
    assert fingerprints([diag], {"a.py": text}) == fingerprints([shifted], {"a.py": moved})
    twins = "import os  # noqa: CEL101\nimport os  # noqa: CEL101\n"
    second = Diagnostic("CEL001", "m", "a.py", Span(2, 12, 2, 26), Severity.INFO)
    prints = fingerprints([second, diag], {"a.py": twins})
    assert len(set(prints)) == 2
    assert prints[1] == fingerprints([diag], {"a.py": text})[0]
    other_code = Diagnostic("CEL000", "m", "a.py", Span(1, 12, 1, 26), Severity.INFO)
    assert fingerprints([other_code], {"a.py": text}) != fingerprints([diag], {"a.py": text})


def test_gitlab_issue_fields_for_a_synthetic_warning() -> None:
    diag = Diagnostic("CEL001", "msg", "a.py", Span(2, 1, 4, 1), Severity.WARNING)
    (issue,) = gitlab.to_issues([diag], {})
    assert issue["check_name"] == "CEL001"
    assert issue["severity"] == "minor"
    assert issue["location"] == {"path": "a.py", "lines": {"begin": 2, "end": 4}}


def test_junit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(_project(tmp_path), monkeypatch, "--output-format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    assert root.attrib["tests"] == root.attrib["failures"] == "3"
    suites = {s.attrib["name"]: s for s in root.iter("testsuite")}
    assert set(suites) == {"pkg/a.py", "pkg/b.py"}
    failure = suites["pkg/b.py"].find("testcase/failure")
    assert failure is not None
    assert failure.attrib["type"] == "CEL000"
    assert failure.text is not None and failure.text.startswith("pkg/b.py:5:")


def test_junit_clean_run_is_one_passing_case() -> None:
    root = ET.fromstring(FORMATS["junit"]([], {}))
    assert root.attrib["failures"] == "0"
    assert [c.attrib["name"] for c in root.iter("testcase")] == ["No findings"]
    assert root.find(".//failure") is None


def test_json_lines_match_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    _, lines, _ = _run(project, monkeypatch, "--output-format", "json-lines")
    _, whole, _ = _run(project, monkeypatch, "--output-format", "json")
    assert [json.loads(line) for line in lines.splitlines()] == json.loads(whole)


def test_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    code, out, err = _run(
        project,
        monkeypatch,
        "--output-format",
        "sarif",
        "--output-file",
        "reports/celerylint.sarif",
    )
    assert code == 1
    assert out == ""
    _assert_valid_sarif(json.loads((project / "reports" / "celerylint.sarif").read_text()))
    code, out, err = _run(project, monkeypatch, "-o", "out.txt")
    assert code == 1 and out == ""
    assert (project / "out.txt").read_text().startswith("pkg/a.py:1:12: CEL001")
    assert "Found 3 findings (1 error, 2 info)." in err


def test_sarif_of_the_example_project_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule's metadata and every kind of finding (fixes included) in real output."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    monkeypatch.chdir(examples)
    result = _runner().invoke(cli, ["--output-format", "sarif", "."])
    document = json.loads(result.stdout)
    _assert_valid_sarif(document)
    assert document["runs"][0]["results"]
