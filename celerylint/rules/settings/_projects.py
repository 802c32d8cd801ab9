"""Scaffolding for the multi-file example projects of the settings and security rules."""

from __future__ import annotations

from collections.abc import Mapping

#: the canonical Django wiring (First steps with Django): ``proj/celery.py`` reads the
#: Django settings with namespace CELERY; wsgi.py names the production settings
DJANGO_WIRING: dict[str, str] = {
    "proj/__init__.py": "from .celery import app as celery_app",
    "proj/celery.py": """
        import os

        from celery import Celery

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.production")

        app = Celery("proj")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.autodiscover_tasks()
    """,
    "proj/wsgi.py": """
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.production")
    """,
    "proj/settings/__init__.py": "",
}


def django_project(
    settings: Mapping[str, str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The wiring plus ``proj/settings/<name>.py`` for each entry of ``settings``."""
    out = dict(DJANGO_WIRING)
    for name, text in settings.items():
        out[f"proj/settings/{name.removesuffix('.py')}.py"] = text
    out.update(extra or {})
    return out


#: an app factory whose configuration module an environment variable chooses at run time
#: (``semantics.config_select``); the default is ``ledger.config.production``
ENV_SELECTED_WIRING: dict[str, str] = {
    "ledger/__init__.py": "",
    "ledger/config/__init__.py": "",
    "ledger/celery_app.py": """
        import os

        from celery import Celery


        def make_celery(flask_app):
            celery = Celery(flask_app.import_name, include=["ledger.tasks"])
            celery.config_from_object(
                os.environ.get("LEDGER_CELERY_CONFIG", "ledger.config.production")
            )
            return celery
    """,
    "ledger/worker.py": """
        from ledger.celery_app import make_celery

        celery = make_celery(object())
    """,
}


def env_selected_project(
    configs: Mapping[str, str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The factory wiring plus ``ledger/config/<name>.py`` for each entry of ``configs``."""
    out = dict(ENV_SELECTED_WIRING)
    for name, text in configs.items():
        out[f"ledger/config/{name.removesuffix('.py')}.py"] = text
    out.update(extra or {})
    return out
