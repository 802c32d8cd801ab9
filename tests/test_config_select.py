"""Configuration modules chosen at run time by an environment variable (config_select)."""

from __future__ import annotations

from pathlib import Path

from celerylint.semantics.config_env import Kind
from tests.test_config_model import project

FACTORY = {
    "proj/__init__.py": "",
    "proj/config/__init__.py": "",
    "proj/celery_app.py": """
        import os
        from celery import Celery

        def make_celery(flask_app):
            celery = Celery(flask_app.import_name)
            celery.config_from_object(
                os.environ.get("PROJ_CELERY_CONFIG", "proj.config.production")
            )
            return celery
    """,
    "proj/worker.py": """
        from proj.celery_app import make_celery

        celery = make_celery(object())
    """,
    "proj/config/base.py": """
        broker_url = "redis://localhost:6379/0"
        task_time_limit = 300
        task_soft_time_limit = 240
    """,
    "proj/config/production.py": """
        from proj.config.base import *
        accept_content = ["json", "pickle"]
    """,
    "proj/config/staging.py": """
        from .production import *
        task_soft_time_limit = 600
    """,
    "proj/config/testing.py": """
        from proj.config.base import *
        task_always_eager = True
    """,
    "proj/config/fragment.py": """
        from proj.config.base import *
        worker_concurrency = 2
    """,
}


def test_env_selected_candidates_are_classified(tmp_path: Path) -> None:
    with project(tmp_path, FACTORY) as config:
        units = config.units
        assert units["proj.config.production"].kind is Kind.PRODUCTION
        assert units["proj.config.staging"].kind is Kind.PRODUCTION
        assert units["proj.config.testing"].kind is Kind.TEST
        assert units["proj.config.base"].kind is Kind.SHARED
        assert "proj.config.fragment" not in units  # not named like an environment
        assert set(config.production_units) == {"proj.config.production", "proj.config.staging"}
        (eager,) = config.values("task_always_eager")
        assert not eager.reaches_production
        assert not config.complete  # the variable may name a module we do not see


def _variant(call: str, extra: dict[str, str]) -> dict[str, str]:
    files = dict(FACTORY)
    files["proj/celery_app.py"] = f"""
        import os
        from celery import Celery

        CONFIG = {call}

        def make_celery(flask_app):
            celery = Celery(flask_app.import_name)
            celery.config_from_object(CONFIG)
            return celery
    """
    files.update(extra)
    return files


def test_module_variable_getenv_and_deploy_files(tmp_path: Path) -> None:
    files = _variant(
        'os.getenv("PROJ_CELERY_CONFIG", "proj.config.production")',
        {
            "Procfile": "worker: PROJ_CELERY_CONFIG=proj.config.fragment celery -A proj.worker worker"
        },
    )
    with project(tmp_path, files) as config:
        # a deployment file names ``fragment``: a production candidate after all
        assert config.units["proj.config.fragment"].kind is Kind.PRODUCTION
        assert "proj.config.fragment" in config.production_units


def test_environ_item_has_no_default_but_deploy_and_test_files_name_modules(
    tmp_path: Path,
) -> None:
    files = _variant(
        'os.environ["PROJ_CELERY_CONFIG"]',
        {
            "Dockerfile": "FROM python:3.12\nENV PROJ_CELERY_CONFIG proj.config.production\n",
            "tests/conftest.py": """
                import os

                os.environ.setdefault("PROJ_CELERY_CONFIG", "proj.config.fragment")
            """,
        },
    )
    with project(tmp_path, files) as config:
        assert config.production_units == ("proj.config.production",)
        assert config.units["proj.config.fragment"].kind is Kind.TEST
        # no default: no siblings either
        assert "proj.config.staging" not in config.units


def test_compose_and_env_file(tmp_path: Path) -> None:
    files = _variant(
        'os.environ.get("PROJ_CELERY_CONFIG")',
        {
            "docker-compose.yml": (
                "services:\n  worker:\n    environment:\n"
                "      PROJ_CELERY_CONFIG: proj.config.staging\n"
            ),
            ".env": "PROJ_CELERY_CONFIG=proj.config.testing\n",
        },
    )
    with project(tmp_path, files) as config:
        assert config.units["proj.config.staging"].kind is Kind.PRODUCTION
        # named ``testing``: a deploy file does not make it production
        assert config.units["proj.config.testing"].kind is Kind.TEST
        assert "proj.config.production" in config.units  # inherited by staging


def test_unknown_selection_is_silent(tmp_path: Path) -> None:
    files = _variant("sys.argv[1]", {})
    files["proj/celery_app.py"] = files["proj/celery_app.py"].replace(
        "import os", "import os\n        import sys"
    )
    with project(tmp_path, files) as config:
        assert config.production_units == ()
        assert not config.complete
