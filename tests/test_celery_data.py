"""The generated ``celerylint/semantics/celery_data.py`` is what the installed celery says:
it equals ``render(collect())`` (formatted as the generator writes it), value for value and
byte for byte. When celery is upgraded, regenerate it with
``python scripts/generate_celery_data.py``."""

from __future__ import annotations

from typing import Any

import celery
from conftest import assert_generated_module_is_current

from celerylint.semantics import celery_data
from celerylint.semantics.celery_introspect import collect

HINT = "run `python scripts/generate_celery_data.py` and commit the result"


def _as_tuple(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_as_tuple(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_as_tuple(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_tuple(v) for k, v in value.items()}
    return value


def test_generated_values_equal_the_installed_celery() -> None:
    collected = collect()
    assert collected["CELERY_VERSION"] == celery.__version__ == celery_data.CELERY_VERSION
    for name, value in collected.items():
        assert hasattr(celery_data, name), f"celery_data.{name} is missing; {HINT}"
        assert _as_tuple(getattr(celery_data, name)) == _as_tuple(value), f"{name}; {HINT}"


def test_generated_module_is_current() -> None:
    assert_generated_module_is_current("generate_celery_data")


def test_the_data_has_what_the_rules_need() -> None:
    assert "broker_url" in celery_data.SETTING_KEYS
    assert celery_data.OLD_TO_NEW["CELERY_ALWAYS_EAGER"] == "task_always_eager"
    assert celery_data.TASK_ATTRIBUTES["max_retries"] == 3
    assert "bind" in celery_data.TASK_DECORATOR_OPTIONS
    assert "retry_backoff" in celery_data.TASK_AUTORETRY_OPTIONS
