"""``[tool.celerylint]``: where it is found, what each key does, and how a mistake in it is
reported (exit 2, one line naming the file, the key and what is expected, no traceback)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CallsMeh, Invoke, MehOptions, write_tree

import celerylint.rules
from celerylint.config import ConfigError, find_config, load_settings


def _codes(stdout: str) -> list[str]:
    return [line.split(": ", 1)[1].split()[0] for line in stdout.splitlines()]


def _files(stdout: str) -> list[str]:
    return [line.split(":", 1)[0].replace(os.sep, "/") for line in stdout.splitlines()]


def _settings(config: Path) -> object:
    return load_settings(config, config.parent, [r.code for r in celerylint.rules.all_rules()])


# -- finding the configuration -------------------------------------------------------------


def test_nearest_pyproject_upward_from_the_first_path(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\n",
            "services/api/pyproject.toml": "[tool.celerylint]\nignore = ['CEL1']\n",
            "services/api/app/deep/x.py": "",
            "services/web/app/y.py": "",
        },
    )
    api = tmp_path / "services/api"
    assert find_config(api / "app/deep/x.py") == api / "pyproject.toml"
    assert find_config(api / "app/deep") == api / "pyproject.toml"
    assert find_config(tmp_path / "services/web/app/y.py") == tmp_path / "pyproject.toml"


def test_a_pyproject_without_our_section_is_passed_over(tmp_path: Path) -> None:
    """Like ruff: the nearest file that configures celerylint wins; a closer pyproject.toml
    that only configures other tools does not hide it."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\nignore = ['CEL1']\n",
            "pkg/pyproject.toml": "[project]\nname = 'pkg'\n[tool.ruff]\nline-length = 99\n",
            "pkg/m.py": "",
        },
    )
    assert find_config(tmp_path / "pkg/m.py") == tmp_path / "pyproject.toml"


def test_a_pyproject_without_any_section_is_used_when_there_is_nothing_else(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"proj/pyproject.toml": "[project]\nname = 'p'\n", "proj/m.py": ""})
    config = find_config(tmp_path / "proj/m.py")
    assert config == tmp_path / "proj/pyproject.toml"
    settings = load_settings(config, tmp_path, [])
    assert settings.root == (tmp_path / "proj").resolve()
    assert settings.select is None and settings.ignore == ()


def test_the_configuration_decides_the_project_root(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """Paths in the configuration (per-file-ignores, exclude, src) are relative to it, wherever
    celerylint is started from."""
    write_tree(
        tmp_path,
        {
            "repo/pyproject.toml": (
                "[tool.celerylint]\n"
                'per-file-ignores = { "legacy/*" = ["CEL990"] }\n'
                'extend-exclude = ["generated"]\n'
            ),
            "repo/legacy/old.py": "bad()\n",
            "repo/generated/gen.py": "bad()\n",
            "repo/app/new.py": "bad()\n",
        },
    )
    from_inside = invoke("-q", "..", cwd=tmp_path / "repo/app")
    assert _files(from_inside.stdout) == ["new.py"]
    from_outside = invoke("-q", "repo", cwd=tmp_path)
    assert _files(from_outside.stdout) == ["repo/app/new.py"]


# -- each key ------------------------------------------------------------------------------


def test_select_extend_select_and_ignore(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    files = {"m.py": "bad()\nmeh()\ndef f(:\n", "ok.py": "bad()\nmeh()\n"}
    cases = {
        'select = ["CEL991"]': ["CEL000", "CEL991"],
        'extend-select = ["CEL991"]': ["CEL000", "CEL990", "CEL991"],
        'ignore = ["CEL99"]': ["CEL000"],
        'select = ["ALL"]\nignore = ["CEL991", "CEL000"]': ["CEL990"],
        'select = ["CEL99"]\nignore = ["CEL990"]': ["CEL000", "CEL991"],
        'select = ["CEL990"]\nignore = ["CEL99"]': ["CEL000", "CEL990"],
        'select = ["cel99"]\nignore = ["cel99"]': ["CEL000"],
    }
    for table, expected in cases.items():
        write_tree(tmp_path, {**files, "pyproject.toml": f"[tool.celerylint]\n{table}\n"})
        result = invoke("-q", cwd=tmp_path)
        assert sorted(set(_codes(result.stdout))) == expected, table


def test_exclude_and_extend_exclude(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    tree = {
        "app.py": "bad()\n",
        "build/gen.py": "bad()\n",  # excluded by default, like ruff
        ".venv/lib/site.py": "bad()\n",
        "legacy/old.py": "bad()\n",
        "app/migrations/0001_initial.py": "bad()\n",
        "migrations/0002.py": "bad()\n",
        "docs/conf.py": "bad()\n",
    }
    cases = {
        "": [
            "app.py",
            "app/migrations/0001_initial.py",
            "docs/conf.py",
            "legacy/old.py",
            "migrations/0002.py",
        ],
        'extend-exclude = ["legacy", "docs/conf.py"]': [
            "app.py",
            "app/migrations/0001_initial.py",
            "migrations/0002.py",
        ],
        'extend-exclude = ["**/migrations"]': ["app.py", "docs/conf.py", "legacy/old.py"],
        'extend-exclude = ["*/migrations/*"]': [
            "app.py",
            "docs/conf.py",
            "legacy/old.py",
            "migrations/0002.py",
        ],
        # exclude replaces the defaults
        'exclude = ["legacy"]': [
            ".venv/lib/site.py",
            "app.py",
            "app/migrations/0001_initial.py",
            "build/gen.py",
            "docs/conf.py",
            "migrations/0002.py",
        ],
    }
    for table, expected in cases.items():
        write_tree(tmp_path, {**tree, "pyproject.toml": f"[tool.celerylint]\n{table}\n"})
        result = invoke("-q", "--no-respect-gitignore", cwd=tmp_path)
        assert sorted(_files(result.stdout)) == expected, table


def test_an_excluded_file_named_on_the_command_line_is_still_checked(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.celerylint]\nextend-exclude = ["legacy"]\n',
            "legacy/a.py": "bad()\n",
        },
    )
    assert _files(invoke("-q", "legacy/a.py", cwd=tmp_path).stdout) == ["legacy/a.py"]
    assert _files(invoke("-q", "legacy", cwd=tmp_path).stdout) == ["legacy/a.py"]


def test_force_exclude_applies_exclusions_to_named_files(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """pre-commit names every changed file, excluded or not: --force-exclude (in the hook's
    arguments) keeps the configured exclusions in force, parents included."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.celerylint]\nextend-exclude = ["legacy", "gen/*_pb2.py"]\n',
            "legacy/sub/a.py": "bad()\n",
            "gen/api_pb2.py": "bad()\n",
            "gen/keep.py": "bad()\n",
            "build/out.py": "bad()\n",  # a default exclusion
            "app.py": "bad()\n",
        },
    )
    named = ["legacy/sub/a.py", "gen/api_pb2.py", "gen/keep.py", "build/out.py", "app.py"]
    assert _files(invoke("-q", *named, cwd=tmp_path).stdout) == sorted(named)
    forced = invoke("-q", "--force-exclude", *named, cwd=tmp_path)
    assert _files(forced.stdout) == ["app.py", "gen/keep.py"]
    only_excluded = invoke("--force-exclude", "legacy/sub/a.py", cwd=tmp_path)
    assert (only_excluded.exit_code, only_excluded.stdout) == (0, "")


def test_src_sets_the_import_roots(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"pyproject.toml": '[tool.celerylint]\nsrc = ["src", "lib/python"]\n'},
    )
    settings = load_settings(tmp_path / "pyproject.toml", tmp_path, [])
    assert settings.src == ((tmp_path / "src").resolve(), (tmp_path / "lib/python").resolve())


def test_rule_options_reach_the_rule(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, {"m.py": "meh()\nugh(1, 2)\nugh()\n"})
    cases = {
        "[tool.celerylint.options.test-calls-meh]\nnames = ['ugh']\n": ["m.py:2:1", "m.py:3:1"],
        "[tool.celerylint.options.CEL991]\nnames = ['ugh', 'meh']\nmin-args = 1\n": ["m.py:2:1"],
        "[tool.celerylint.options.cel991]\nstrict = true\n": ["m.py:1:1"],
        "": ["m.py:1:1"],
    }
    for table, expected in cases.items():
        write_tree(
            tmp_path,
            {"pyproject.toml": f"[tool.celerylint]\nextend-select = ['CEL991']\n{table}"},
        )
        result = invoke("-q", cwd=tmp_path)
        assert [":".join(line.split(":")[:3]) for line in result.lines] == expected, table
    settings = _settings(tmp_path / "pyproject.toml")
    assert settings.rule_options == {}  # type: ignore[attr-defined]
    write_tree(
        tmp_path,
        {"pyproject.toml": "[tool.celerylint.options.test-calls-meh]\nnames = ['a', 'b']\n"},
    )
    options = _settings(tmp_path / "pyproject.toml").rule_options  # type: ignore[attr-defined]
    assert options == {CallsMeh.code: MehOptions(names=("a", "b"))}


def test_no_configuration_at_all(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(tmp_path, {"m.py": "bad()\n"})
    assert find_config(tmp_path) is None
    result = invoke("-q", cwd=tmp_path)
    assert _codes(result.stdout) == ["CEL990"]


# -- mistakes: exit 2, one line, the file, the key, what is expected -----------------------


BAD_CONFIGS = [
    pytest.param(
        "[tool.celerylint]\nselekt = ['CEL1']\n",
        "[tool.celerylint] unknown key `selekt` (did you mean `select`?)",
        id="unknown-key",
    ),
    pytest.param(
        "[tool.celerylint]\nper_file_ignores = {}\n",
        "[tool.celerylint] unknown key `per_file_ignores` (did you mean `per-file-ignores`?)",
        id="unknown-key-underscores",
    ),
    pytest.param(
        "[tool.celerylint]\nbanana = 1\n",
        "[tool.celerylint] unknown key `banana`",
        id="unknown-key-no-suggestion",
    ),
    pytest.param(
        "[tool.celerylint]\nselect = ['CEL9901']\n",
        "[tool.celerylint] `select`: unknown rule selector `CEL9901` (did you mean `CEL99",
        id="unknown-code-in-select",
    ),
    pytest.param(
        "[tool.celerylint]\nignore = ['F401']\n",
        "[tool.celerylint] `ignore`: unknown rule selector `F401`",
        id="foreign-code-in-ignore",
    ),
    pytest.param(
        "[tool.celerylint]\nextend-select = ['CEL99O']\n",
        "[tool.celerylint] `extend-select`: unknown rule selector `CEL99O` (did you mean",
        id="typo-code-in-extend-select",
    ),
    pytest.param(
        "[tool.celerylint]\nselect = 'CEL1'\n",
        '[tool.celerylint] `select` must be a list of strings, got string "CEL1"',
        id="string-not-list",
    ),
    pytest.param(
        "[tool.celerylint]\nignore = [101]\n",
        "[tool.celerylint] `ignore` must be a list of strings, got an array",
        id="list-of-numbers",
    ),
    pytest.param(
        "[tool.celerylint]\nrespect-gitignore = 'no'\n",
        '[tool.celerylint] `respect-gitignore` must be true or false, got string "no"',
        id="bool",
    ),
    pytest.param(
        "[tool.celerylint]\nper-file-ignores = ['tests/*']\n",
        "[tool.celerylint] `per-file-ignores` must be a table, got an array",
        id="per-file-ignores-not-a-table",
    ),
    pytest.param(
        "[tool.celerylint.per-file-ignores]\n'tests/*' = 'CEL990'\n",
        "[tool.celerylint] `per-file-ignores` entry `tests/*` must be a list of rule codes, "
        'got string "CEL990"',
        id="per-file-ignores-entry-not-a-list",
    ),
    pytest.param(
        "[tool.celerylint.per-file-ignores]\n'tests/*' = ['CEL9900']\n",
        "[tool.celerylint] `per-file-ignores` entry `tests/*`: unknown rule selector `CEL9900`",
        id="per-file-ignores-unknown-code",
    ),
    pytest.param(
        "[tool.celerylint]\nsrc = 'src'\n",
        '[tool.celerylint] `src` must be a list of strings, got string "src"',
        id="src",
    ),
    pytest.param(
        "[tool.celerylint.options.test-calls-mehh]\nnames = []\n",
        "[tool.celerylint] `options`: unknown rule `test-calls-mehh` (did you mean "
        "`test-calls-meh`?)",
        id="options-unknown-rule",
    ),
    pytest.param(
        "[tool.celerylint.options.test-calls-bad]\nnames = []\n",
        "[tool.celerylint] `options.test-calls-bad`: rule CEL990 has no options",
        id="options-rule-without-options",
    ),
    pytest.param(
        "[tool.celerylint.options.test-calls-meh]\nname = ['x']\n",
        "[tool.celerylint] `options.test-calls-meh`: unknown option `name` (did you mean `names`?)",
        id="options-unknown-option",
    ),
    pytest.param(
        "[tool.celerylint.options.test-calls-meh]\nmin-args = 'two'\n",
        "[tool.celerylint] `options.test-calls-meh`: `min-args` must be an integer, "
        'got string "two"',
        id="options-wrong-type",
    ),
    pytest.param(
        "[tool.celerylint.options.test-calls-meh]\nstrict = 1\n",
        "[tool.celerylint] `options.test-calls-meh`: `strict` must be true or false, "
        "got number `1`",
        id="options-wrong-bool",
    ),
    pytest.param(
        "[tool.celerylint.options]\ntest-calls-meh = 3\n",
        "[tool.celerylint] `options.test-calls-meh` must be a table, got number `3`",
        id="options-entry-not-a-table",
    ),
    pytest.param(
        "[tool]\ncelerylint = 1\n",
        "[tool.celerylint] must be a table",
        id="section-not-a-table",
    ),
    pytest.param(
        "[tool.celerylint]\nselect = ['CEL1'\n",
        "invalid TOML (",
        id="invalid-toml",
    ),
    pytest.param(
        "[tool.celerylint]\nselect = ['CEL1']\nselect = ['CEL2']\n",
        "invalid TOML (",
        id="duplicate-key",
    ),
    pytest.param(
        b"[tool.celerylint]\n# caf\xe9\n",
        "config file is not valid UTF-8",
        id="not-utf8",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_CONFIGS)
def test_configuration_mistakes(
    tmp_path: Path, invoke: Invoke, fake_rules: object, content: str | bytes, message: str
) -> None:
    write_tree(tmp_path, {"pyproject.toml": content, "m.py": "bad()\n"})
    result = invoke(cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    config = tmp_path / "pyproject.toml"
    # the file is named by the path that was found (absolute), then the problem
    assert result.stderr.startswith(f"celerylint: error: {config}: {message}"), result.stderr
    # the same through --config with a relative path, and through the API
    via_option = invoke("--config", "pyproject.toml", cwd=tmp_path)
    assert via_option.exit_code == 2
    assert via_option.stderr.startswith(f"celerylint: error: pyproject.toml: {message}")
    with pytest.raises(ConfigError, match="^" + _escape(f"{config}: {message}")):
        _settings(config)


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_mistakes_are_reported_even_with_exit_zero(tmp_path: Path, invoke: Invoke) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\nselekt = []\n"})
    assert invoke("--exit-zero", cwd=tmp_path).exit_code == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: None, "nope.toml: config file not found"),
        (lambda root: (root / "nope.toml").mkdir(), "nope.toml: config file not found"),
    ],
    ids=["missing", "a-directory"],
)
def test_config_option_mistakes(
    tmp_path: Path, invoke: Invoke, setup: object, message: str
) -> None:
    setup(tmp_path)  # type: ignore[operator]
    result = invoke("--config", "nope.toml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"celerylint: error: {message}\n"


def test_an_unreadable_config_file(tmp_path: Path, invoke: Invoke) -> None:
    config = tmp_path / "pyproject.toml"
    config.symlink_to(config)  # a symlink loop: open() fails even for root
    result = invoke("--config", "pyproject.toml", cwd=tmp_path)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("celerylint: error: pyproject.toml: ")
