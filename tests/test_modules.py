"""Module names from file paths (flat, ``src/``, nested Django projects, namespace
directories, ``src = [...]``) and relative imports resolved against them: the project index
must name modules the way Python imports them, or cross-file rules misfire."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Invoke, write_tree

from celerylint.config import find_config, load_settings
from celerylint.engine.runner import RunRequest, plan_jobs, run_phase_one
from celerylint.facts.modules import ModuleNamer
from celerylint.kit.names import resolve_relative
from celerylint.project.index import ProjectIndex


def _modules(root: Path, src: list[str] | None = None) -> dict[str, tuple[str, bool]]:
    """{relative path: (module, is_package)} as a real run plans them."""
    lines = ["[tool.celerylint]"] + ([f"src = {src!r}"] if src is not None else [])
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n")
    settings = load_settings(root / "pyproject.toml", root, [])
    jobs, _ = plan_jobs(RunRequest([root], settings, frozenset(), cwd=root))
    return {
        Path(job.abspath).relative_to(root).as_posix(): (job.module, job.is_package) for job in jobs
    }


def test_flat_layout(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "setup.py": "",
            "shop/__init__.py": "",
            "shop/models.py": "",
            "shop/api/__init__.py": "",
            "shop/api/views.py": "",
            "scripts/deploy.py": "",  # a plain directory: its files are top-level modules
        },
    )
    assert _modules(tmp_path) == {
        "setup.py": ("setup", False),
        "shop/__init__.py": ("shop", True),
        "shop/models.py": ("shop.models", False),
        "shop/api/__init__.py": ("shop.api", True),
        "shop/api/views.py": ("shop.api.views", False),
        "scripts/deploy.py": ("deploy", False),
    }


def test_src_layout(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "src/billing/__init__.py": "",
            "src/billing/tasks.py": "",
            "src/billing/services/__init__.py": "",
            "src/billing/services/charge.py": "",
            "tests/test_tasks.py": "",
            "tests/conftest.py": "",
        },
    )
    assert _modules(tmp_path) == {
        "src/billing/__init__.py": ("billing", True),
        "src/billing/tasks.py": ("billing.tasks", False),
        "src/billing/services/__init__.py": ("billing.services", True),
        "src/billing/services/charge.py": ("billing.services.charge", False),
        "tests/conftest.py": ("conftest", False),
        "tests/test_tasks.py": ("test_tasks", False),
    }


def test_django_project_nested_in_a_repository(tmp_path: Path) -> None:
    """Like examples/: manage.py, the project package and the apps sit in a subfolder."""
    write_tree(
        tmp_path,
        {
            "README.md": "",
            "backend/manage.py": "",
            "backend/proj/__init__.py": "",
            "backend/proj/celery.py": "",
            "backend/proj/settings/__init__.py": "",
            "backend/proj/settings/base.py": "",
            "backend/proj/settings/production.py": "",
            "backend/shop/__init__.py": "",
            "backend/shop/models/__init__.py": "",
            "backend/shop/models/order.py": "",
            "backend/shop/tasks.py": "",
            "backend/shop/migrations/__init__.py": "",
            "backend/shop/migrations/0001_initial.py": "",
        },
    )
    modules = _modules(tmp_path)
    assert modules == {
        "backend/manage.py": ("manage", False),
        "backend/proj/__init__.py": ("proj", True),
        "backend/proj/celery.py": ("proj.celery", False),
        "backend/proj/settings/__init__.py": ("proj.settings", True),
        "backend/proj/settings/base.py": ("proj.settings.base", False),
        "backend/proj/settings/production.py": ("proj.settings.production", False),
        "backend/shop/__init__.py": ("shop", True),
        "backend/shop/models/__init__.py": ("shop.models", True),
        "backend/shop/models/order.py": ("shop.models.order", False),
        "backend/shop/tasks.py": ("shop.tasks", False),
        "backend/shop/migrations/__init__.py": ("shop.migrations", True),
        "backend/shop/migrations/0001_initial.py": ("shop.migrations.0001_initial", False),
    }


def test_the_example_project_module_names() -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    config = find_config(examples)
    assert config is not None
    settings = load_settings(config, examples, [])
    jobs, _ = plan_jobs(RunRequest([examples], settings, frozenset(), cwd=examples))
    names = {Path(j.abspath).relative_to(examples).as_posix(): j.module for j in jobs}
    assert names["manage.py"] == "manage"
    assert names["proj/celery.py"] == "proj.celery"
    assert names["proj/settings/base.py"] == "proj.settings.base"
    assert names["shop/models.py"] == "shop.models"
    assert names["shop/tasks.py"] == "shop.tasks"


def test_namespace_directories(tmp_path: Path) -> None:
    """Directories without ``__init__.py`` end the package chain (celerylint cannot tell a
    namespace package from a plain folder); ``src`` says where imports start."""
    files = {
        "company/orders/__init__.py": "",
        "company/orders/tasks.py": "",
        "company/notify.py": "",
    }
    write_tree(tmp_path, files)
    assert _modules(tmp_path) == {
        "company/orders/__init__.py": ("orders", True),
        "company/orders/tasks.py": ("orders.tasks", False),
        "company/notify.py": ("notify", False),
    }
    assert _modules(tmp_path, src=["."]) == {
        "company/orders/__init__.py": ("company.orders", True),
        "company/orders/tasks.py": ("company.orders.tasks", False),
        "company/notify.py": ("company.notify", False),
    }


def test_namespace_portion_inside_a_package(tmp_path: Path) -> None:
    """PEP 420: a folder without ``__init__.py`` inside a regular package is imported as
    part of it (``proj.api.views``); a folder whose name is no identifier is not."""
    files = {
        "proj/__init__.py": "",
        "proj/api/views.py": "",
        "proj/api/v2/serializers.py": "",
        "proj/my-scripts/run.py": "",
    }
    write_tree(tmp_path, files)
    assert _modules(tmp_path) == {
        "proj/__init__.py": ("proj", True),
        "proj/api/views.py": ("proj.api.views", False),
        "proj/api/v2/serializers.py": ("proj.api.v2.serializers", False),
        "proj/my-scripts/run.py": ("run", False),
    }


def test_src_override(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "lib/python/acme/__init__.py": "",
            "lib/python/acme/jobs.py": "",
            "services/worker/__init__.py": "",  # has an __init__, but src says otherwise
            "services/worker/main.py": "",
            "tools/lint.py": "",  # outside every src root: the package chain decides
        },
    )
    assert _modules(tmp_path, src=["lib/python", "services"]) == {
        "lib/python/acme/__init__.py": ("acme", True),
        "lib/python/acme/jobs.py": ("acme.jobs", False),
        "services/worker/__init__.py": ("worker", True),
        "services/worker/main.py": ("worker.main", False),
        "tools/lint.py": ("lint", False),
    }
    # the deepest source root wins
    assert _modules(tmp_path, src=[".", "lib/python"])["lib/python/acme/jobs.py"] == (
        "acme.jobs",
        False,
    )


def test_module_names_through_a_symlinked_directory(tmp_path: Path, invoke: Invoke) -> None:
    """The project reached through a symbolic link (macOS /tmp, a linked home or workspace):
    ``src``, ``per-file-ignores`` and ``exclude`` still apply."""
    real = tmp_path / "real"
    write_tree(
        real,
        {
            "pyproject.toml": (
                "[tool.celerylint]\n"
                'src = ["src"]\n'
                'extend-exclude = ["src/pkg/generated"]\n'
                'per-file-ignores = { "tests/*" = ["CEL000"] }\n'
            ),
            "src/__init__.py": "",  # only `src` keeps `src.` out of the module names
            "src/pkg/__init__.py": "",
            "src/pkg/mod.py": "",
            "src/pkg/generated/bad.py": "def f(:\n",
            "tests/test_bad.py": "def f(:\n",
            "src/pkg/broken.py": "from celery import shared_task\ndef f(:\n",
        },
    )
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    config = find_config(link / "src/pkg")
    assert config is not None
    settings = load_settings(config, link, ["CEL000"])
    jobs, _ = plan_jobs(RunRequest([link], settings, frozenset(), cwd=link))
    names = {Path(j.abspath).name: j.module for j in jobs}
    assert names["mod.py"] == "pkg.mod"
    assert "bad.py" not in names  # excluded
    result = invoke("--select", "CEL000", cwd=link)
    assert result.stdout.splitlines() == [
        f"src{os.sep}pkg{os.sep}broken.py:2:7: CEL000 SyntaxError: invalid syntax; "
        "the file was not checked"
    ]


def test_module_namer_without_the_py_suffix() -> None:
    namer = ModuleNamer(None)
    assert namer.name("/nowhere/stdin")[0] == "stdin"
    src = ModuleNamer([Path("/nowhere/src")])
    assert src.name("/nowhere/src/pkg/buffer") == ("pkg.buffer", False)
    assert src.name("/nowhere/src/pkg/mod.py") == ("pkg.mod", False)


# -- relative imports ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "is_package", "level", "target", "expected"),
    [
        ("shop.models", False, 1, "tasks", "shop.tasks"),  # from .tasks import x
        ("shop.models", False, 1, None, "shop"),  # from . import tasks
        ("shop.models.order", False, 2, "tasks", "shop.tasks"),  # from ..tasks import x
        ("shop.models.order", False, 2, None, "shop"),  # from .. import tasks
        ("shop", True, 1, "tasks", "shop.tasks"),  # in shop/__init__.py
        ("shop", True, 1, None, "shop"),
        ("shop.models", True, 2, "tasks", "shop.tasks"),  # in shop/models/__init__.py
        ("shop.api.v1.views", False, 3, "tasks", "shop.tasks"),
        ("shop.models", False, 0, "shop.tasks", "shop.tasks"),  # absolute
        ("shop.models", False, 3, "tasks", None),  # beyond the top-level package
    ],
)
def test_resolve_relative(
    module: str, is_package: bool, level: int, target: str | None, expected: str | None
) -> None:
    assert resolve_relative(module, is_package, level, target) == expected


RELATIVE = {
    "proj/__init__.py": "from .celery import app as celery_app\n",
    "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n",
    "proj/search/__init__.py": (
        "from celery import shared_task\n\n\n@shared_task\ndef reindex():\n    pass\n"
    ),
    "shop/__init__.py": "",
    "shop/tasks.py": (
        "from celery import shared_task\n\n\n@shared_task\ndef send_receipt(pk):\n    pass\n"
    ),
    "shop/models/__init__.py": "from .order import Order\nfrom .. import tasks\n",
    "shop/models/order.py": (
        "from typing import TYPE_CHECKING\n"
        "from ..tasks import send_receipt\n"
        "from . import helpers\n"
        "import shop.tasks\n"
        "from shop import tasks as shop_tasks\n"
        "from proj.search import reindex\n"
        "if TYPE_CHECKING:\n"
        "    from shop.services import billing\n"
        "\n\n"
        "class Order:\n"
        "    from shop.services import pricing  # a class body runs at load time\n"
        "\n"
        "    def paid(self):\n"
        "        from shop.services import mailing  # a function body does not\n"
    ),
    "shop/models/helpers.py": "",
    "shop/services/__init__.py": "",
    "shop/services/billing.py": "",
    "shop/services/pricing.py": "",
    "shop/services/mailing.py": "",
}


@pytest.mark.parametrize("prefilter", [False, True], ids=["full", "prefiltered"])
def test_relative_imports_in_the_project_index(tmp_path: Path, prefilter: bool) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.celerylint]\n", **RELATIVE})
    settings = load_settings(tmp_path / "pyproject.toml", tmp_path, [])
    jobs, _ = plan_jobs(RunRequest([tmp_path], settings, frozenset(), cwd=tmp_path))
    try:
        results = run_phase_one(jobs, frozenset(), {}, 1, prefilter=prefilter)  # type: ignore[call-arg]
    except TypeError:  # a version without the prefilter
        results = run_phase_one(jobs, frozenset(), {}, 1)
    index = ProjectIndex(r.facts for r in results if r.facts is not None)
    edges = {
        module: sorted({edge.target for edge in index.imports.import_edges(module)})
        for module in ("proj", "shop.models", "shop.models.order")
    }
    assert edges["proj"] == ["proj.celery"]
    # `from .. import tasks` loads shop.tasks (shop itself is loaded already)
    assert edges["shop.models"] == ["shop.models.order", "shop.tasks"]
    order_edges = set(edges["shop.models.order"])
    assert {"shop.tasks", "shop.models.helpers", "proj.search", "proj"} <= order_edges
    assert "shop.services.mailing" not in order_edges  # inside a function
    if not prefilter:  # the light scanner reads column-0 statements only
        assert "shop.services.pricing" in order_edges  # class bodies run at load time
    assert "shop.services.billing" not in order_edges  # under TYPE_CHECKING
    assert index.task_modules >= {"shop.tasks", "proj.search"}
    chain = index.imports.shortest_import_path("shop.models.order", index.task_modules)
    assert chain is not None and chain[-1] in {"shop.tasks", "proj.search"}
