"""The hand-written upgrade tables agree with the installed celery and kombu."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from celerylint.semantics import celery_data
from celerylint.semantics.upgrade import (
    REMOVED_MODULES,
    djcelery_replacement,
    removed_backend,
    removed_name,
    removed_transport,
    scheme,
)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.parametrize("module", sorted(REMOVED_MODULES))
def test_removed_modules_are_gone(module: str) -> None:
    assert not _exists(module)


@pytest.mark.parametrize("module", sorted(REMOVED_MODULES))
def test_every_offered_replacement_exists(module: str) -> None:
    for name in (*REMOVED_MODULES[module].renames, "crontab", "safe_str", "nonexistent"):
        found = removed_name(module, name)
        assert found is not None
        if found.replacement is not None:
            target, attr = found.replacement
            assert hasattr(importlib.import_module(target), attr), found


def test_names_without_a_drop_in_replacement_get_advice() -> None:
    periodic = removed_name("celery.task", "periodic_task")
    assert periodic is not None and periodic.replacement is None
    assert "beat_schedule" in periodic.advice
    control = removed_name("celery.task.control", "revoke")
    assert control is not None and control.replacement is None
    assert "app.control" in control.advice
    assert removed_name("celery", "shared_task") is None
    assert removed_name("celery.app.task", "Task") is None


def test_backends_and_transports_are_checked_against_the_installed_packages() -> None:
    assert "amqp" not in celery_data.RESULT_BACKEND_MODULES
    assert "rpc" in celery_data.RESULT_BACKEND_MODULES
    assert "django" not in celery_data.BROKER_TRANSPORTS
    # kombu 5 still ships the SQLAlchemy transport: not reported
    assert "sqla" in celery_data.BROKER_TRANSPORTS
    assert removed_transport("sqla+postgresql://db/celery") is None
    assert removed_transport("django://") is not None
    assert removed_transport("amqp://a//;django://") is not None
    assert removed_backend("amqp://guest@localhost//") is not None
    assert removed_backend("riak://r:8087/celery") is not None
    assert removed_backend("celery.backends.amqp:AMQPBackend") is not None
    assert removed_backend("rpc://") is None
    assert removed_backend("django-db") is None
    assert removed_backend("db+postgresql://db/results") is None
    assert scheme("sqla+sqlite:///x.db") == "sqla"


def test_djcelery_replacements_keep_the_separator_style() -> None:
    assert (
        djcelery_replacement("djcelery.schedulers:DatabaseScheduler")
        == "django_celery_beat.schedulers:DatabaseScheduler"
    )
    assert (
        djcelery_replacement("djcelery.schedulers.DatabaseScheduler")
        == "django_celery_beat.schedulers.DatabaseScheduler"
    )
    assert djcelery_replacement("djcelery.backends.database:DatabaseBackend") == "django-db"
    assert djcelery_replacement("djcelery.loaders.DjangoLoader") is None


def test_routing_attributes_come_from_task_bind() -> None:
    assert set(celery_data.TASK_DEPRECATED_ATTRIBUTES) == {
        "queue",
        "exchange",
        "exchange_type",
        "routing_key",
        "delivery_mode",
        "priority",
    }
