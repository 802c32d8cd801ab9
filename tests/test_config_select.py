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
