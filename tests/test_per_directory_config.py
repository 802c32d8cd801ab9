"""Each file is checked with its nearest configuration (issue 15), as ruff does.

A monorepo with two services, each with its own ``pyproject.toml``: the order of the paths
on the command line changes nothing, one service's settings never reach the other's files,
``extend`` inherits (and overrides) a shared configuration, ``--config`` applies one file
to every path, and a wrong ``extend`` is one line and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CELERY_APP, Invoke, write_tree

from celerylint.config import ConfigError, ConfigResolver, load_settings


def _found(stdout: str) -> list[str]:
    """``path:line:col: CODE`` of each finding."""
    return [" ".join(line.split()[:2]) for line in stdout.splitlines() if line.strip()]


#: svc_a ignores CEL990 (``bad()``); svc_b turns on CEL991 and reports ``ugh()`` with it
MONOREPO = {
    "svc_a/pyproject.toml": '[tool.celerylint]\nignore = ["CEL990"]\n',
    "svc_a/a.py": "bad()\nmeh()\nugh()\n",
    "svc_b/pyproject.toml": (
        "[tool.celerylint]\n"
        'extend-select = ["CEL991"]\n'
        "[tool.celerylint.options.test-calls-meh]\n"
        'names = ["ugh"]\n'
    ),
    "svc_b/b.py": "bad()\nmeh()\nugh()\n",
}
EXPECTED = ["svc_b/b.py:1:1: CEL990", "svc_b/b.py:3:1: CEL991"]


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_the_order_of_the_paths_changes_nothing(
    tmp_path: Path, invoke: Invoke, fake_rules: object, cache: bool
) -> None:
    write_tree(tmp_path, MONOREPO)
    extra = () if cache else ("--no-cache",)
    forward = invoke("-q", *extra, "svc_a", "svc_b", cwd=tmp_path)
    backward = invoke("-q", *extra, "svc_b", "svc_a", cwd=tmp_path)
    assert _found(forward.stdout) == EXPECTED
    assert forward.stdout == backward.stdout
    assert forward.exit_code == backward.exit_code == 1
    # the whole repository (no configuration at its top) finds each service's own
    assert _found(invoke("-q", *extra, ".", cwd=tmp_path).stdout) == EXPECTED
    # and so do the files named one by one, in either order
    files = invoke("-q", *extra, "svc_b/b.py", "svc_a/a.py", cwd=tmp_path)
    assert _found(files.stdout) == EXPECTED
    # from inside a service, the other's settings still apply to the other's files
    # (shown by absolute path, as any file outside the working directory)
    inside = invoke("-q", *extra, ".", "../svc_b", cwd=tmp_path / "svc_a")
    assert _found(inside.stdout) == [f"{tmp_path}/{finding}" for finding in EXPECTED]


def test_the_summary_counts_every_project(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, {**MONOREPO, "svc_b/b.py": "good()\n"})
    result = invoke("svc_a", "svc_b", cwd=tmp_path)
    assert result.exit_code == 0
    assert "All checks passed! (2 files checked)" in result.stderr


def test_project_rules_see_their_own_project_only(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """CEL992 (a project rule) reports in svc_b and is ignored by svc_a's configuration;
    each service's index holds its own app and tasks."""
    task = "from proj.celery import app\n\n@app.task\ndef flagged_job():\n    pass\n"
    tree = {
        "svc_a/pyproject.toml": '[tool.celerylint]\nignore = ["CEL992"]\n',
        "svc_b/pyproject.toml": "[tool.celerylint]\n",
    }
    for service in ("svc_a", "svc_b"):
        tree.update({f"{service}/{k}": v for k, v in CELERY_APP.items()})
        tree[f"{service}/proj/tasks.py"] = task
    write_tree(tmp_path, tree)
    for order in (("svc_a", "svc_b"), ("svc_b", "svc_a")):
        result = invoke("-q", "--no-cache", *order, cwd=tmp_path)
        assert _found(result.stdout) == ["svc_b/proj/tasks.py:4:5: CEL992"], order


def test_a_nested_configuration_governs_its_directory(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """A configuration below the one of the run's path: the walk leaves its directory to
    it (each file reported once, with its own settings)."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.celerylint]\nextend-select = ["CEL991"]\n',
            "top.py": "bad()\nmeh()\n",
            "svc/pyproject.toml": '[tool.celerylint]\nignore = ["CEL990"]\n',
            "svc/inner.py": "bad()\nmeh()\n",
            # a pyproject.toml that does not configure celerylint is no boundary
            "lib/pyproject.toml": "[project]\nname = 'lib'\n",
            "lib/sub/pyproject.toml": "[project]\nname = 'sub'\n",
            "lib/sub/n.py": "meh()\n",
            "lib/m.py": "meh()\n",
        },
    )
    expected = [
        "lib/m.py:1:1: CEL991",
        "lib/sub/n.py:1:1: CEL991",
        "top.py:1:1: CEL990",
        "top.py:2:1: CEL991",
    ]
    for _ in range(2):  # the second run is replayed from the manifest
        result = invoke("-q", ".", cwd=tmp_path)
        assert _found(result.stdout) == expected
    # a change in the nested configuration reaches the next run
    (tmp_path / "svc/pyproject.toml").write_text(
        '[tool.celerylint]\nextend-select = ["CEL991"]\n', encoding="utf-8"
    )
    result = invoke("-q", ".", cwd=tmp_path)
    assert _found(result.stdout) == [
        *expected[:2],
        "svc/inner.py:1:1: CEL990",
        "svc/inner.py:2:1: CEL991",
        *expected[2:],
    ]
    # a pyproject.toml that starts configuring celerylint becomes a boundary at once (the
    # last whole run's manifest is not replayed)
    (tmp_path / "lib/pyproject.toml").write_text(
        '[tool.celerylint]\nignore = ["CEL991"]\n', encoding="utf-8"
    )
    assert "lib/m.py" not in invoke("-q", ".", cwd=tmp_path).stdout
    (tmp_path / "lib/pyproject.toml").write_text("[project]\nname = 'lib'\n", encoding="utf-8")
    # a file named alone takes its own directory's configuration
    assert _found(invoke("-q", "svc/inner.py", cwd=tmp_path).stdout) == [
        "svc/inner.py:1:1: CEL990",
        "svc/inner.py:2:1: CEL991",
    ]
    # named with the directory that holds it, in either order: each file checked once
    whole = invoke(".", "--no-cache", cwd=tmp_path)
    for order in (("svc/inner.py", "."), (".", "svc/inner.py")):
        both = invoke(*order, "--no-cache", cwd=tmp_path)
        assert both.stdout == whole.stdout, order
        assert both.stderr == whole.stderr, order
    assert "Found 6 " in whole.stderr, whole.stderr


def test_an_inner_project_sorting_before_its_parent_is_checked_once(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """``a/pyproject.toml`` sorts before ``pyproject.toml``: outer projects still run first,
    so the inner one met in the outer walk is the one already asked for."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\n",
            "top.py": "good()\n",
            "a/pyproject.toml": "[tool.celerylint]\n",
            "a/m.py": "bad()\n",
        },
    )
    result = invoke("a", ".", "--no-cache", cwd=tmp_path)
    assert _found(result.stdout) == ["a/m.py:1:1: CEL990"]
    assert "Found 1 error." in result.stderr
    clean = invoke("a", ".", "--no-cache", "--ignore", "CEL990", cwd=tmp_path)
    assert "(2 files checked)" in clean.stderr, clean.stderr


def test_a_pyproject_without_our_section_does_not_split_a_walk(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    """Without ``[tool.celerylint]`` anywhere, the packages of a repository stay one project
    when it is walked: the task in one package is confirmed by the app in another."""
    tree = {
        "packages/core/pyproject.toml": "[project]\nname = 'core'\n",
        **{f"packages/core/{k}": v for k, v in CELERY_APP.items()},
        "services/worker/pyproject.toml": "[project]\nname = 'worker'\n",
        "services/worker/jobs.py": (
            "from proj.celery import app\n\n@app.task\ndef flagged_job():\n    pass\n"
        ),
    }
    write_tree(tmp_path, tree)
    result = invoke("-q", "--no-cache", ".", cwd=tmp_path)
    assert _found(result.stdout) == ["services/worker/jobs.py:4:5: CEL992"]


def test_excludes_are_relative_to_their_own_configuration(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(
        tmp_path,
        {
            "svc_a/pyproject.toml": '[tool.celerylint]\nextend-exclude = ["gen/*"]\n',
            "svc_a/gen/x.py": "bad()\n",
            "svc_b/pyproject.toml": "[tool.celerylint]\n",
            "svc_b/gen/x.py": "bad()\n",
        },
    )
    for order in (("svc_a", "svc_b"), ("svc_b", "svc_a")):
        result = invoke("-q", "--no-cache", *order, cwd=tmp_path)
        assert _found(result.stdout) == ["svc_b/gen/x.py:1:1: CEL990"], order


# -- extend ----------------------------------------------------------------------------------


def test_extend_inherits_and_overrides(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.celerylint]\n"
                'ignore = ["CEL990"]\n'
                'extend-select = ["CEL991"]\n'
                'per-file-ignores = { "legacy/*" = ["CEL991"] }\n'
                "[tool.celerylint.options.CEL991]\n"
                'names = ["ugh"]\n'
            ),
            "legacy/old.py": "ugh(1)\n",
            "svc/pyproject.toml": (
                '[tool.celerylint]\nextend = "../pyproject.toml"\n'
                "[tool.celerylint.options.CEL991]\nmin-args = 1\n"
            ),
            # names = ["ugh"] inherited, min-args = 1 its own; CEL990 stays ignored
            "svc/m.py": "bad()\nugh()\nugh(1)\nmeh(1)\n",
            # the inherited "legacy/*" means the base's legacy/, not svc/legacy/
            "svc/legacy/new.py": "ugh(1)\n",
            # the selection is layered, as in ruff: extend-select edits the inherited set
            "web/pyproject.toml": (
                '[tool.celerylint]\nextend = "../pyproject.toml"\nextend-select = ["CEL990"]\n'
            ),
            "web/w.py": "bad()\nugh()\n",
            # ... and select replaces it
            "api/pyproject.toml": (
                '[tool.celerylint]\nextend = "../pyproject.toml"\nselect = ["CEL990"]\n'
            ),
            "api/x.py": "bad()\nugh()\n",
        },
    )
    result = invoke("-q", "--no-cache", "svc", "web", "legacy", "api", cwd=tmp_path)
    assert _found(result.stdout) == [
        "api/x.py:1:1: CEL990",
        "svc/legacy/new.py:1:1: CEL991",
        "svc/m.py:3:1: CEL991",
        "web/w.py:1:1: CEL990",
        "web/w.py:2:1: CEL991",
    ]
    settings = load_settings(tmp_path / "svc/pyproject.toml", tmp_path, ["CEL990", "CEL991"])
    assert settings.extends == (tmp_path / "pyproject.toml",)
    assert settings.root == tmp_path / "svc"


def test_extend_chains_and_paths_relative_to_the_file(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shared/base.toml": '[tool.celerylint]\ncelery-version = "5.3"\nsrc = ["lib"]\n',
            "pyproject.toml": '[tool.celerylint]\nextend = "shared/base.toml"\n',
            "svc/pyproject.toml": '[tool.celerylint]\nextend = "../pyproject.toml"\n',
        },
    )
    settings = load_settings(tmp_path / "svc/pyproject.toml", tmp_path, [])
    assert settings.extra == {"celery-version": "5.3"}
    assert settings.src == (tmp_path / "shared/lib",)
    assert settings.extends == (tmp_path / "pyproject.toml", tmp_path / "shared/base.toml")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"pyproject.toml": '[tool.celerylint]\nextend = "nope.toml"\n'},
            "pyproject.toml: [tool.celerylint] `extend`: {root}/nope.toml: config file not found",
        ),
        (
            {
                "pyproject.toml": '[tool.celerylint]\nextend = "b/pyproject.toml"\n',
                "b/pyproject.toml": '[tool.celerylint]\nextend = "../pyproject.toml"\n',
            },
            "b/pyproject.toml: [tool.celerylint] `extend`: {root}/pyproject.toml extends this "
            "file again (a loop)",
        ),
        (
            {"pyproject.toml": '[tool.celerylint]\nextend = "pyproject.toml"\n'},
            "pyproject.toml: [tool.celerylint] `extend`: {root}/pyproject.toml extends this "
            "file again (a loop)",
        ),
        (
            {"pyproject.toml": "[tool.celerylint]\nextend = 1\n"},
            "pyproject.toml: [tool.celerylint] `extend` must be a string, got number `1`",
        ),
        (
            {
                "pyproject.toml": '[tool.celerylint]\nextend = "base.toml"\n',
                "base.toml": "[tool.celerylint]\nselekt = []\n",
            },
            "base.toml: [tool.celerylint] unknown key `selekt` (did you mean `select`?)",
        ),
        (
            {
                "pyproject.toml": '[tool.celerylint]\nextend = "base.toml"\n',
                "base.toml": "[tool.celerylint\n",
            },
            "pyproject.toml: [tool.celerylint] `extend`: {root}/base.toml: invalid TOML",
        ),
    ],
    ids=["missing", "loop", "itself", "not-a-string", "mistake-in-base", "bad-toml-in-base"],
)
def test_a_bad_extend_is_one_line_and_exit_2(
    tmp_path: Path, invoke: Invoke, files: dict[str, str], message: str
) -> None:
    write_tree(tmp_path, {**files, "m.py": "x = 1\n"})
    result = invoke("m.py", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    expected = f"celerylint: error: {tmp_path}/" + message.format(root=tmp_path)
    assert result.stderr.startswith(expected), result.stderr
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "pyproject.toml", tmp_path, [])


def test_a_bad_configuration_in_another_service_is_reported(tmp_path: Path, invoke: Invoke) -> None:
    write_tree(
        tmp_path,
        {
            "svc_a/pyproject.toml": "[tool.celerylint]\n",
            "svc_a/a.py": "x = 1\n",
            "svc_b/pyproject.toml": "[tool.celerylint]\nselekt = []\n",
            "svc_b/b.py": "x = 1\n",
        },
    )
    for order in (("svc_a", "svc_b"), ("svc_b", "svc_a"), (".",)):
        result = invoke(*order, cwd=tmp_path)
        assert result.exit_code == 2, order
        assert result.stderr.startswith(f"celerylint: error: {tmp_path}/svc_b/pyproject.toml:")


# -- --config ---------------------------------------------------------------------------------


def test_config_on_the_command_line_applies_to_every_file(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, MONOREPO)
    expected = ["svc_a/a.py:1:1: CEL990", "svc_a/a.py:3:1: CEL991", *EXPECTED]
    for order in (("svc_a", "svc_b"), ("svc_b", "svc_a")):
        result = invoke("-q", "--config", "svc_b/pyproject.toml", *order, cwd=tmp_path)
        assert _found(result.stdout) == expected, order
    # also over a nested configuration met while walking
    result = invoke("-q", "--config", "svc_b/pyproject.toml", ".", cwd=tmp_path)
    assert _found(result.stdout) == expected


def test_resolver_caches_per_directory_and_follows_override(tmp_path: Path) -> None:
    write_tree(tmp_path, MONOREPO)
    resolver = ConfigResolver([], tmp_path)
    assert resolver.config_for(tmp_path / "svc_a/a.py") == tmp_path / "svc_a/pyproject.toml"
    assert resolver.config_for(tmp_path / "svc_b") == tmp_path / "svc_b/pyproject.toml"
    assert resolver.config_for(tmp_path) is None
    assert resolver.starts_other_project(str(tmp_path / "svc_a"), None)
    assert not resolver.starts_other_project(
        str(tmp_path / "svc_a"), resolver.config_for(tmp_path / "svc_a")
    )
    override = ConfigResolver([], tmp_path, tmp_path / "svc_a/pyproject.toml")
    assert override.config_for(tmp_path / "svc_b/b.py") == tmp_path / "svc_a/pyproject.toml"
    assert not override.starts_other_project(str(tmp_path / "svc_b"), None)


# -- showing what a run would do ---------------------------------------------------------------


def test_show_files_lists_each_file_with_its_configuration(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, {**MONOREPO, "svc_a/build/gen.py": "bad()\n"})
    result = invoke("--show-files", "svc_b", "svc_a", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"svc_a/a.py  ({tmp_path}/svc_a/pyproject.toml)",
        f"svc_b/b.py  ({tmp_path}/svc_b/pyproject.toml)",
    ]
    single = invoke("--show-files", "svc_a", cwd=tmp_path)
    assert single.stdout == "svc_a/a.py\n"
    data = json.loads(invoke("--show-files", "--output-format", "json", ".", cwd=tmp_path).stdout)
    assert data == [
        {"path": "svc_a/a.py", "config": f"{tmp_path}/svc_a/pyproject.toml"},
        {"path": "svc_b/b.py", "config": f"{tmp_path}/svc_b/pyproject.toml"},
    ]


DJANGO_PROJECT = {
    "pyproject.toml": (
        "[project]\nname = 'shop'\ndependencies = ['celery>=5.3,<6']\n"
        "[tool.celerylint]\n"
        'test-settings = ["shop.settings.staging"]\n'
    ),
    "Procfile": "worker: celery -A shop worker -Q default,mail\n",
    "shop/__init__.py": "",
    "shop/celery.py": (
        "import os\n"
        "from celery import Celery\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.prod")\n'
        'app = Celery("shop", broker="redis://cache:6379/0", backend="redis://cache:6379/1")\n'
        'app.config_from_object("django.conf:settings", namespace="CELERY")\n'
    ),
    "shop/settings/__init__.py": "",
    "shop/settings/base.py": "INSTALLED_APPS = ['shop']\n",
    "shop/settings/prod.py": "from .base import *\nCELERY_TASK_ACKS_LATE = True\n",
    "shop/settings/staging.py": "from .base import *\nCELERY_TASK_ALWAYS_EAGER = True\n",
    "shop/settings/local.py": "from .base import *\nDEBUG = True\n",
    "node_modules/x.py": "",
}


def test_show_settings_shows_the_configuration_and_the_model(
    tmp_path: Path, invoke: Invoke
) -> None:
    write_tree(tmp_path, DJANGO_PROJECT)
    result = invoke("--show-settings", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert f"Project: {tmp_path}\n" in text
    assert f"Configuration: {tmp_path}/pyproject.toml\n" in text
    assert '  test-settings = ["shop.settings.staging"]\n' in text
    assert "  shop.celery.app (shop/celery.py:5)\n" in text
    assert "    broker: redis://cache:6379/0 [production, shop/celery.py:5]\n" in text
    assert "    backend: redis://cache:6379/1 [production, shop/celery.py:5]\n" in text
    assert "  shop.celery.app (shop/celery.py:5)\n" in text
    # the classification override and the inferred ones, each with its reason
    assert (
        "  shop.settings.staging (shop/settings/staging.py): test: "
        "`test-settings` in [tool.celerylint]\n"
    ) in text
    assert "  shop.settings.prod (shop/settings/prod.py): production: " in text
    assert "  shop.settings.local (shop/settings/local.py): development: its name\n" in text
    assert "Celery version: 5.3 (pyproject.toml: celery>=5.3,<6)\n" in text
    assert "  Procfile:1: queues default, mail\n" in text
    assert "  node_modules: excluded (`node_modules`)\n" in text
    data = json.loads(invoke("--show-settings", "--output-format", "json", cwd=tmp_path).stdout)
    (project,) = data
    assert project["settings"]["test-settings"] == ["shop.settings.staging"]
    units = {u["name"]: u for u in project["model"]["settings_modules"]}
    assert units["shop.settings.staging"]["classification"] == "test"
    assert project["model"]["celery_version"]["version"] == "5.3"
    assert project["model"]["workers"][0]["queues"] == ["default", "mail"]


def test_show_settings_overridden_classification_changes_findings(
    tmp_path: Path, invoke: Invoke
) -> None:
    """What --show-settings shows is what the rules use: staging set to test makes its
    eager mode a test setting (CEL502, not CEL501); without the override it is production
    by its name."""
    write_tree(tmp_path, DJANGO_PROJECT)
    with_override = invoke("-q", "--no-cache", "--select", "CEL501", cwd=tmp_path)
    assert "shop/settings/staging.py" not in with_override.stdout
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'shop'\ndependencies = ['celery>=5.3,<6']\n", encoding="utf-8"
    )
    shown = invoke("--show-settings", cwd=tmp_path).stdout
    assert "  shop.settings.staging (shop/settings/staging.py): production: its name\n" in shown
    without = invoke("-q", "--no-cache", "--select", "CEL501", cwd=tmp_path)
    assert "shop/settings/staging.py:2:1: CEL501 " in without.stdout
    # production-settings turns a development module into a production one
    (tmp_path / "pyproject.toml").write_text(
        "[tool.celerylint]\nproduction-settings = ['shop/settings/local.py']\n", encoding="utf-8"
    )
    shown = invoke("--show-settings", cwd=tmp_path).stdout
    assert (
        "  shop.settings.local (shop/settings/local.py): production: "
        "`production-settings` in [tool.celerylint]\n"
    ) in shown


def test_show_settings_of_a_monorepo_shows_each_project(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, MONOREPO)
    text = invoke("--show-settings", "svc_b", "svc_a", cwd=tmp_path).stdout
    a, b = text.index(f"Project: {tmp_path}/svc_a"), text.index(f"Project: {tmp_path}/svc_b")
    assert a < b
    assert '  ignore = ["CEL990"]\n' in text[a:b]
    assert '  options.CEL991 = {"names": ["ugh"], "min-args": 0, "strict": false}\n' in text[b:]


def test_clean_removes_the_cache_of_every_project(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, {**MONOREPO, "svc_a/node_modules/.celerylint_cache/.gitignore": "*\n"})
    invoke("-q", ".", cwd=tmp_path)
    assert (tmp_path / "svc_a/.celerylint_cache").is_dir()
    assert (tmp_path / "svc_b/.celerylint_cache").is_dir()
    result = invoke("clean", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"Removed {tmp_path}/.celerylint_cache",  # the run on "." itself (no files of its own)
        f"Removed {tmp_path}/svc_a/.celerylint_cache",
        f"Removed {tmp_path}/svc_b/.celerylint_cache",
    ]
    assert not (tmp_path / "svc_a/.celerylint_cache").exists()
    assert (tmp_path / "svc_a/node_modules/.celerylint_cache").exists()  # not ours to remove


def test_stdin_uses_the_configuration_of_the_file_it_names(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, MONOREPO)
    source = b"bad()\nugh()\n"
    a = invoke("-q", "--stdin-filename", "svc_a/new.py", "-", cwd=tmp_path, stdin=source)
    assert a.stdout == ""
    b = invoke("-q", "--stdin-filename", "svc_b/new.py", "-", cwd=tmp_path, stdin=source)
    assert _found(b.stdout) == ["svc_b/new.py:1:1: CEL990", "svc_b/new.py:2:1: CEL991"]


def test_fix_checks_each_project_with_its_configuration(
    tmp_path: Path, invoke: Invoke, fake_rules: object
) -> None:
    write_tree(tmp_path, MONOREPO)
    forward = invoke("-q", "--fix", "svc_a", "svc_b", cwd=tmp_path)
    backward = invoke("-q", "--fix", "svc_b", "svc_a", cwd=tmp_path)
    assert _found(forward.stdout) == EXPECTED
    assert forward.stdout == backward.stdout


@pytest.mark.parametrize(
    "text",
    ["tool = 1\n", '[tool]\npoetry = 3\npytest = "x"\n', "[tool.pytest]\nini_options = 1\n"],
)
def test_a_pyproject_with_odd_tool_tables_never_crashes(
    tmp_path: Path, invoke: Invoke, text: str
) -> None:
    write_tree(tmp_path, {"pyproject.toml": text, **CELERY_APP})
    for args in (("--no-cache", "."), ("--show-settings",)):
        result = invoke(*args, cwd=tmp_path)
        assert result.exit_code == 0, result.stderr
        assert "internal error" not in result.stderr
