"""The generated ``celerylint/semantics/celery_data.py`` is what the installed celery says:
it equals ``render(collect())`` (formatted as the generator writes it), value for value and
byte for byte. When celery is upgraded, regenerate it with
``python scripts/generate_celery_data.py``."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import celery

from celerylint.semantics import celery_data
from celerylint.semantics.celery_introspect import collect, render

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "generate_celery_data.py"
HINT = "run `python scripts/generate_celery_data.py` and commit the result"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_celery_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_generated_module_equals_render_of_collect() -> None:
    expected = _script().formatted(render(collect()))
    actual = (ROOT / "celerylint" / "semantics" / "celery_data.py").read_text(encoding="utf-8")
    assert actual == expected, HINT


def test_generator_check_mode_agrees() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr


def test_the_data_has_what_the_rules_need() -> None:
    assert "broker_url" in celery_data.SETTING_KEYS
    assert celery_data.OLD_TO_NEW["CELERY_ALWAYS_EAGER"] == "task_always_eager"
    assert celery_data.TASK_ATTRIBUTES["max_retries"] == 3
    assert "bind" in celery_data.TASK_DECORATOR_OPTIONS
    assert "retry_backoff" in celery_data.TASK_AUTORETRY_OPTIONS
