"""The generated Celery configuration tables match the installed celery and kombu."""

from __future__ import annotations

from pathlib import Path

import celery
from celery.app import defaults
from celery.app.utils import detect_settings
from conftest import load_script

from celerylint.project.config_checks import _detect
from celerylint.semantics import celery_config_data, celery_data, celery_versions
from celerylint.semantics.config_names import (
    EXTRA_READ,
    NEW_TO_OLD,
    OLD_TO_NEW,
    SETTING_KEYS,
    SETTING_SINCE,
    meaning,
)

ROOT = Path(__file__).resolve().parent.parent


def test_config_data_matches_installed_celery() -> None:
    script = load_script("generate_celery_config_data")
    expected = script.data_text()
    actual = (ROOT / "celerylint" / "semantics" / "celery_config_data.py").read_text()
    assert actual == expected, "run python scripts/generate_celery_config_data.py"


def test_setting_names_match_installed_celery() -> None:
    assert set(defaults.SETTING_KEYS) == SETTING_KEYS
    assert dict(defaults._TO_NEW_KEY) == OLD_TO_NEW
    assert dict(defaults._TO_OLD_KEY) == NEW_TO_OLD
    assert celery.__version__ == celery_data.CELERY_VERSION


def test_version_table_is_consistent_with_installed_celery() -> None:
    assert set(SETTING_SINCE) <= SETTING_KEYS
    newest = celery_versions.SAMPLED_VERSIONS[-1].rsplit(".", 1)[0]
    installed = ".".join(celery.__version__.split(".")[:2])
    if installed == newest:
        digest = load_script("generate_celery_config_data").keys_digest(SETTING_KEYS)
        assert digest == celery_versions.NEWEST_SAMPLED_KEYS_SHA256


def test_extra_names_are_not_settings() -> None:
    assert not (EXTRA_READ & SETTING_KEYS)
    assert "CELERY_DB_REUSE_MAX" in EXTRA_READ  # the Django fix-up reads it
    assert "worker_logfile" in EXTRA_READ  # celery worker --logfile falls back to it
    assert celery_config_data.VISIBILITY_TIMEOUTS["redis"] == 3600


def test_names_resolve_like_celery_configuration_view() -> None:
    """``meaning`` agrees with what a configured app actually reads."""
    app = celery.Celery("probe", set_as_current=False)

    class Django:
        CELERY_TASK_ALWAYS_EAGER = True
        CELERYD_CONCURRENCY = 3
        BROKER_URL = "memory://"

    app.config_from_object(Django, namespace="CELERY")
    assert app.conf.task_always_eager is True
    assert app.conf.worker_concurrency == 3
    assert app.conf.broker_url == "memory://"
    for name in ("CELERY_TASK_ALWAYS_EAGER", "CELERYD_CONCURRENCY", "BROKER_URL"):
        assert meaning(name, "CELERY") is not None


def test_mixing_detection_matches_celery() -> None:
    cases = [
        {"broker_url": 1, "CELERYD_CONCURRENCY": 8},
        {"BROKER_URL": 1, "CELERY_RESULT_BACKEND": 2, "task_serializer": "json"},
        {"broker_url": 1, "worker_concurrency": 2},
        {"result_expires": 1, "CELERY_TASK_RESULT_EXPIRES": 1},
    ]
    for conf in cases:
        try:
            detect_settings(dict(conf))
            raised = False
        except Exception:
            raised = True
        assert (_detect(set(conf)) is not None) == raised, conf
