"""Worker start commands read from deployment files."""

from __future__ import annotations

from pathlib import Path

import pytest

from celerylint.semantics.project_files import ProjectFiles
from celerylint.semantics.routing import WorkerCommand
from celerylint.semantics.workers import (
    custom_pool_in_commands,
    parse_worker_commands,
    worker_commands,
)

CASES = [
    ("worker: celery -A proj worker -l info", None, (), True),
    (
        "worker: celery -A proj worker -Q emails,reports --concurrency=4",
        ("emails", "reports"),
        (),
        True,
    ),
    (
        'command: ["celery", "-A", "proj", "worker", "-Q", "default,emails"]',
        ("default", "emails"),
        (),
        True,
    ),
    (
        "ExecStart=/srv/venv/bin/celery -A proj worker --queues=emails -l info",
        ("emails",),
        (),
        True,
    ),
    ("\t$(VENV)/bin/celery -A proj worker -Qheavy", ("heavy",), (), True),
    ("python -m celery --app=proj worker --exclude-queues=x", None, ("x",), True),
    (
        'sh -c "python manage.py migrate && celery -A proj worker -X celery"',
        None,
        ("celery",),
        True,
    ),
    ("celery -A proj worker \\\n  -Q a,b \\\n  -l info", ("a", "b"), (), True),
    ("celery --app celery worker -Q a", ("a",), (), True),  # an app called celery
    ("celery -A proj worker -Q a -Q b", ("b",), (), True),  # the last -Q wins (click)
    # a variable may carry -Q: unknown
    ('exec celery -A proj worker -l info "$@"', None, (), False),
    ("celery -A proj worker -Q $QUEUES", (), (), False),
    ("celery -A proj worker -Q {{ .Values.queues }}", (), (), False),
    ("celery multi start w1 -A proj -Q:w1 a", None, (), False),
]


@pytest.mark.parametrize(("text", "queues", "exclude", "known"), CASES)
def test_parse_worker_command(
    text: str, queues: tuple[str, ...] | None, exclude: tuple[str, ...], known: bool
) -> None:
    (found,) = parse_worker_commands(text, "f")
    assert (found.queues, found.exclude, found.known) == (queues, exclude, known)


@pytest.mark.parametrize(
    "text",
    [
        "celery -A proj beat -l info",
        "# celery -A proj worker -Q a",
        "celery -A proj inspect active",
        "pip install celery[redis]",
        "echo worker",
    ],
)
def test_not_worker_commands(text: str) -> None:
    assert parse_worker_commands(text, "f") == []


def test_yaml_lists_and_blocks() -> None:
    text = """
services:
  worker:
    command:
      - celery
      - -A
      - proj
      - worker
      - -Q
      - emails
  heavy:
    command: >
      celery -A proj
      worker -Q reports,exports
"""
    found = parse_worker_commands(text, "docker-compose.yml")
    assert [(w.line, w.queues) for w in found] == [(5, ("emails",)), (13, ("reports", "exports"))]


def test_worker_commands_read_deployment_files(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("web: gunicorn proj.wsgi\nworker: celery -A proj worker\n")
    (tmp_path / "deploy" / "k8s").mkdir(parents=True)
    (tmp_path / "deploy" / "k8s" / "worker.yaml").write_text(
        'args: ["celery", "-A", "proj", "worker", "-Q", "emails"]\n'
    )
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "start.sh").write_text("celery -A x worker -Q nope\n")
    (tmp_path / "README.md").write_text("celery -A proj worker -Q docs\n")
    found = worker_commands(ProjectFiles(tmp_path))
    assert found == (
        WorkerCommand("Procfile", 2, None),
        WorkerCommand("deploy/k8s/worker.yaml", 1, ("emails",)),
    )


@pytest.mark.parametrize(
    ("line", "custom"),
    [
        ("worker: celery -A proj worker -P celery_aio_pool.pool:AsyncIOPool", True),
        ("worker: celery -A proj worker --pool=custom -l info", True),
        ("worker: celery -A proj worker -P $POOL", True),
        ("worker: CELERY_CUSTOM_WORKER_POOL=x.Pool celery -A proj worker", True),
        ("worker: celery -A proj worker -P gevent -c 100", False),
        ("worker: celery -A proj worker --pool threads", False),
        ('command: ["celery", "-A", "proj", "worker", "-P", "solo"]', False),
        ('command: ["celery", "-A", "proj", "worker", "-P", "aio_pool.Pool"]', True),
        ("worker: celery -A proj worker -l info", False),
    ],
)
def test_custom_pool_in_commands(tmp_path: Path, line: str, custom: bool) -> None:
    (tmp_path / "Procfile").write_text(line + "\n")
    assert custom_pool_in_commands(ProjectFiles(tmp_path)) is custom
