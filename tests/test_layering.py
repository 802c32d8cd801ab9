"""The layering rules (CEL101-CEL107) beyond their examples: severities, the CEL102
option, reporting on some files while indexing the project, and the facts they read."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from celerylint.config import ConfigError, load_settings
from celerylint.diagnostics import Severity
from celerylint.engine.file_pass import check_file
from celerylint.engine.runner import RunRequest, run
from celerylint.factdata import RuntimeImportFact
from celerylint.rules import all_rules
from celerylint.testing import index_project, run_files, write_files

TASKS = """
    from celery import shared_task

    {imports}


    @shared_task
    def send_receipt(order_id):
        return order_id
"""


TASKS_BODY = inspect.cleandoc(TASKS.format(imports="")) + "\n"
#: ``shop`` is a Django app, so its ``models`` module is the models layer whatever it holds
APPS = "from django.apps import AppConfig\n\n\nclass ShopConfig(AppConfig):\n    name = 'shop'\n"


def shop(tasks_import: str = "", models: str = "from shop.tasks import send_receipt\n") -> dict:
    return {
        "shop/__init__.py": "",
        "shop/apps.py": APPS,
        "shop/tasks.py": inspect.cleandoc(TASKS.format(imports=tasks_import)) + "\n",
        "shop/models.py": models,
    }


def test_cel101_is_an_error_only_when_the_task_module_imports_the_models_back() -> None:
    (acyclic,) = run_files(shop(), {"CEL101"})
    assert acyclic.severity is Severity.WARNING
    (cyclic,) = run_files(shop("from shop.models import Order"), {"CEL101"})
    assert cyclic.severity is Severity.ERROR
    assert "circular import (shop.tasks -> shop.models)" in cyclic.message


def test_cel101_reports_one_finding_per_statement_and_respects_noqa() -> None:
    models = (
        "from shop.tasks import send_receipt, RETRIES\n"
        "import shop.tasks  # noqa: CEL101\n"
        "from shop import tasks  # noqa\n"
    )
    files = {**shop(models=models), "shop/tasks.py": "RETRIES = 3\n" + TASKS_BODY}
    found = run_files(files, {"CEL101"})
    assert [(d.span.line, d.span.column) for d in found] == [(1, 1)]


def chain_project(tasks_import: str = "") -> dict[str, str]:
    return {
        "billing/__init__.py": "",
        "billing/apps.py": APPS,
        "billing/tasks.py": inspect.cleandoc(TASKS.format(imports=tasks_import)) + "\n",
        "billing/services.py": (
            "from billing.tasks import send_receipt\n\n\n"
            "def charge_later(pk):\n    send_receipt.delay(pk)\n"
        ),
        "billing/models.py": "from billing.services import charge_later\n",
    }


@pytest.mark.parametrize(
    ("transitive", "cyclic", "expected"),
    [
        ("warn", False, Severity.WARNING),
        ("error", False, Severity.ERROR),
        ("off", False, None),
        ("warn", True, Severity.ERROR),
        ("off", True, Severity.ERROR),
    ],
)
def test_cel102_severity_follows_the_transitive_option_and_cycles(
    transitive: str, cyclic: bool, expected: Severity | None
) -> None:
    files = chain_project("import billing.models" if cyclic else "")
    found = run_files(files, {"CEL102"}, {"CEL102": {"transitive": transitive}})
    if expected is None:
        assert found == []
        return
    (finding,) = found
    assert finding.severity is expected
    chain = "billing.models -> billing.services -> billing.tasks"
    assert chain + (" -> billing.models (an import cycle)" if cyclic else "") in finding.message


def test_cel102_option_is_validated_with_the_allowed_values(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.celerylint.options.models-import-tasks-transitive]\ntransitive = "sometimes"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config, tmp_path, [r.code for r in all_rules()])
    message = str(info.value)
    assert '`transitive` must be one of "off", "warn", "error"' in message
    assert "\n" not in message
    config.write_text('[tool.celerylint.options.CEL102]\ntransitive = "off"\n')
    settings = load_settings(config, tmp_path, [r.code for r in all_rules()])
    assert settings.rule_options["CEL102"].transitive == "off"


def test_reporting_on_given_files_still_indexes_the_project(tmp_path: Path) -> None:
    """pre-commit passes only the changed files: the models module alone must still see
    that ``shop.tasks`` defines tasks, and findings elsewhere are not reported."""
    write_files(tmp_path, {**shop(), "billing/__init__.py": "", **chain_project()})
    settings = load_settings(None, tmp_path, [])
    enabled = frozenset({"CEL101", "CEL102"})
    report = run(RunRequest([tmp_path / "shop" / "models.py"], settings, enabled, cwd=tmp_path))
    assert [(d.path, d.code) for d in report.diagnostics] == [("shop/models.py", "CEL101")]
    report = run(RunRequest([tmp_path], settings, enabled, cwd=tmp_path))
    assert sorted((d.path, d.code) for d in report.diagnostics) == [
        ("billing/models.py", "CEL102"),
        ("shop/models.py", "CEL101"),
    ]


def test_runtime_import_facts() -> None:
    source = inspect.cleandoc(
        """
        import importlib
        from django.apps import AppConfig
        from django.utils.module_loading import autodiscover_modules, import_string

        BACKEND = import_string("proj.backends.Redis")


        class ShopConfig(AppConfig):
            name = "shop"

            def ready(self):
                from . import signals  # noqa: F401
                import shop.receivers
                importlib.import_module("shop.cron")
                importlib.import_module(f"{self.name}.jobs")
                autodiscover_modules("cron")
        """
    ).encode()
    result = check_file("shop/apps.py", source, "shop.apps", False, [])
    assert result.facts is not None
    assert result.facts.runtime_imports == (
        RuntimeImportFact("", "proj.backends", "Redis"),
        RuntimeImportFact("ShopConfig.ready", "shop", "signals"),
        RuntimeImportFact("ShopConfig.ready", "shop.receivers", None),
        RuntimeImportFact("ShopConfig.ready", "shop.cron", None),
        RuntimeImportFact("ShopConfig.ready", None, None),
        RuntimeImportFact("ShopConfig.ready", None, None),
    )
    # load-time imports stay in ``imports``; nothing here asks for positions
    assert all(f.span is None for f in result.facts.imports)


def test_load_closure_follows_ready_imports_and_flags_dynamic_ones(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/apps.py": (
                "class ShopConfig:\n    def ready(self):\n        from shop import signals\n"
            ),
            "shop/signals.py": "import shop.cron\n",
            "shop/cron.py": "",
            "shop/lazy.py": "def load():\n    import shop.orphan\n",
            "shop/orphan.py": "",
            "reports/__init__.py": "import importlib\nimportlib.import_module(NAME)\n",
        },
    )
    index = index_project(tmp_path)
    loaded, dynamic = index.imports.load_closure(["shop.apps"])
    assert loaded == {"shop", "shop.apps", "shop.signals", "shop.cron"}
    assert not dynamic
    assert index.imports.load_closure(["reports"])[1]


def test_next_hops_to_stops_at_blocked_modules(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a.py": "import b\nimport c\n",
            "b.py": "import goal\n",
            "c.py": "import blocked\n",
            "blocked.py": "import goal\n",
            "goal.py": "",
        },
    )
    index = index_project(tmp_path)
    hops = index.imports.next_hops_to({"goal"}, through=lambda m: m != "blocked")
    assert hops == {"goal": None, "b": "goal", "blocked": "goal", "a": "b"}


def test_the_else_branch_of_type_checking_runs_at_load_time() -> None:
    models = inspect.cleandoc(
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from shop.tasks import send_receipt
        else:
            from shop.tasks import send_receipt
        """
    )
    found = run_files(shop(models=models + "\n"), {"CEL101"})
    assert [d.span.line for d in found] == [6]


def test_the_load_graph_is_the_import_edges_of_every_module(tmp_path: Path) -> None:
    """``load_graph`` works out each distinct import once; it must give what the edges of
    each module give: the same targets, in the same order."""
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.celerylint]\n",
            "shop/__init__.py": "",
            "shop/models.py": "from shop import tasks\nfrom shop.tasks import send\n",
            "shop/tasks.py": "import shop.util.text\nfrom . import models\n",
            "shop/util/__init__.py": "",
            "shop/util/text.py": "from shop.util import text\nimport shop\n",
            "billing/__init__.py": "",
            "billing/models.py": "from shop.tasks import send\nimport shop.util.text\n",
        },
    )
    graph = index_project(tmp_path).imports
    examples = index_project(Path(__file__).parent.parent / "examples").imports
    for imports in (graph, examples):
        expected = {
            module: tuple(dict.fromkeys(e.target for e in imports.import_edges(module)))
            for module in imports.modules
        }
        assert imports.load_graph == expected
    assert graph.load_graph["shop.util.text"] == ()  # itself and its own packages
    assert graph.load_graph["billing.models"] == (
        "shop.tasks",
        "shop",
        "shop.util.text",  # the module an import loads, then the packages above it
        "shop.util",
    )
