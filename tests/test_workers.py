"""Worker start commands read from deployment files."""

from __future__ import annotations

from pathlib import Path

import pytest

from celerylint.project.deployment_files import copies, is_production_file
from celerylint.project.pools import custom_pool_in_commands
from celerylint.project.workers import (
    find_app,
    parse_celery_commands,
    parse_worker_commands,
    worker_commands,
)
from celerylint.semantics.project_files import ProjectFiles
from celerylint.semantics.routing import WorkerCommand
from celerylint.testing import index_project, write_files

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


# -- command lines, production files, copies, apps (CEL406, CEL516) -----------------------


@pytest.mark.parametrize(
    ("text", "subcommand", "options", "flags", "opaque"),
    [
        (
            "celery -A proj worker -B -l info",
            "worker",
            (("--app", "proj"), ("--loglevel", "info")),
            {"--beat"},
            False,
        ),
        (
            "celery -A proj worker -EB -c4",
            "worker",
            (("--app", "proj"), ("--concurrency", "4")),
            {"--task-events", "--beat"},
            False,
        ),
        (
            "celery -A proj worker -Bc 4",
            "worker",
            (("--app", "proj"), ("--concurrency", "4")),
            {"--beat"},
            False,
        ),
        (
            "celery -A proj worker --pool=gevent",
            "worker",
            (("--app", "proj"), ("--pool", "gevent")),
            set(),
            False,
        ),
        (
            "celery -A proj beat -S redbeat.RedBeatScheduler",
            "beat",
            (("--app", "proj"), ("--scheduler", "redbeat.RedBeatScheduler")),
            set(),
            False,
        ),
        (
            "celery -A proj worker -S /var/state.db",
            "worker",
            (("--app", "proj"), ("--statedb", "/var/state.db")),
            set(),
            False,
        ),
        ("celery -A proj worker $CELERY_OPTS", "worker", (("--app", "proj"),), set(), True),
        (
            "celery -A proj worker -l $LOG_LEVEL -B",
            "worker",
            (("--app", "proj"), ("--loglevel", "$LOG_LEVEL")),
            {"--beat"},
            False,
        ),
    ],
)
def test_parse_celery_command(
    text: str,
    subcommand: str,
    options: tuple[tuple[str, str], ...],
    flags: set[str],
    opaque: bool,
) -> None:
    (found,) = parse_celery_commands(text, "f")
    assert (found.subcommand, found.options, set(found.flags), found.opaque) == (
        subcommand,
        options,
        flags,
        opaque,
    )


def test_other_tools_flags_are_not_celery_options() -> None:
    found = parse_celery_commands(
        "python -B manage.py migrate && celery -A proj worker && make -B", "f"
    )
    assert [(c.subcommand, c.flags) for c in found] == [("worker", frozenset())]


@pytest.mark.parametrize(
    ("path", "production"),
    [
        ("Procfile", True),
        ("Dockerfile", True),
        ("docker-compose.yml", True),
        ("deploy/k8s/beat.yaml", True),
        ("etc/celery.service", True),
        ("docker/entrypoint.sh", True),
        ("docker-entrypoint.sh", True),
        ("Procfile.dev", False),
        ("docker-compose.dev.yml", False),
        ("docker-compose.override.yml", False),
        ("compose.local.yaml", False),
        ("Makefile", False),
        ("scripts/run_worker.sh", False),
        ("docs/deploy/supervisor.conf", False),
        (".github/workflows/ci.yml", False),
    ],
)
def test_is_production_file(path: str, production: bool) -> None:
    assert is_production_file(path) is production


COMPOSE = """\
services:
  beat:
    command: celery -A proj beat
    deploy:
      replicas: 2
  worker:
    command: celery -A proj worker
  scheduler:
    command: celery -A proj beat
    scale: ${SCALE}
"""
K8S = """\
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
        - command: ["celery", "-A", "proj", "beat"]
---
kind: Deployment
spec:
  template:
    spec:
      containers:
        - command: ["celery", "-A", "proj", "beat"]
"""
SUPERVISOR = """\
[program:beat]
command=celery -A proj beat
numprocs=2

[program:worker]
command=celery -A proj worker
"""


@pytest.mark.parametrize(
    ("text", "path", "line", "expected"),
    [
        (COMPOSE, "docker-compose.yml", 3, 2),
        (COMPOSE, "docker-compose.yml", 7, 1),
        (COMPOSE, "docker-compose.yml", 9, None),
        (K8S, "k8s/beat.yaml", 7, 3),
        (K8S, "k8s/beat.yaml", 14, 1),
        (SUPERVISOR, "supervisord.conf", 2, 2),
        (SUPERVISOR, "supervisord.conf", 6, 1),
        ("beat: celery -A proj beat", "Procfile", 1, None),
    ],
)
def test_copies(text: str, path: str, line: int, expected: int | None) -> None:
    assert copies(text, path, line) == expected


def test_find_app_follows_celery_lookup(tmp_path: Path) -> None:
    from celerylint.testing import index_project, write_files

    write_files(
        tmp_path,
        {
            "proj/__init__.py": "from .celery import app as celery_app\n",
            "proj/celery.py": "from celery import Celery\napp = Celery('proj')\n",
            "other/__init__.py": "",
            "other/worker.py": "from celery import Celery\nbroker = Celery('other')\n",
        },
    )
    index = index_project(tmp_path)
    assert find_app(index, "proj") == "proj.celery.app"
    assert find_app(index, "proj.celery") == "proj.celery.app"
    assert find_app(index, "proj.celery:app") == "proj.celery.app"
    assert find_app(index, "other.worker") == "other.worker.broker"  # the one app it holds
    assert find_app(index, "elsewhere") is None  # two apps: no guess
    assert find_app(index, "$APP") is None


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


def test_file_categories_are_the_first_pattern_that_matches() -> None:
    """``ProjectFiles`` matches every pattern at once; the category is still the one of the
    first pattern, in order, that ``fnmatch`` would match."""
    import fnmatch

    from celerylint.semantics import project_files

    names = [pattern.replace("*", "x") for pattern, _ in project_files._PATTERNS]
    names += ["Procfile", "compose.yml", "requirements.in", "a.txt", "README", "x.PY", ".envrc"]
    for name in names:
        first = next((c for p, c in project_files._PATTERNS if fnmatch.fnmatchcase(name, p)), None)
        assert project_files.ProjectFiles._category(name, set(), False) == first, name


LAUNCHER = (
    'import subprocess\n\n\ndef start():\n    subprocess.run(["celery", "-A", "proj", "worker"])\n'
)


@pytest.mark.parametrize("excluded", [True, False])
def test_python_launchers_come_from_phase_one_where_it_read_the_file(
    tmp_path: Path, excluded: bool
) -> None:
    """The project phase takes a Python file's worker launch line from its facts and reads
    only the Python files phase 1 did not read (excluded ones), in the same order as
    reading them all: the first launcher wins either way."""
    exclude = 'extend-exclude = ["a_scripts"]\n' if excluded else ""
    write_files(
        tmp_path,
        {
            "pyproject.toml": f"[tool.celerylint]\n{exclude}",
            "a_scripts/start.py": "# helper\n" + LAUNCHER,
            "proj/launch.py": LAUNCHER,
            "proj/tasks.py": "from celery import shared_task\n",
        },
    )
    index = index_project(tmp_path)
    launches = index.worker_launches()
    assert launches[str(tmp_path.resolve() / "proj" / "launch.py")] == 5
    files = index.config.files
    via_facts = worker_commands(files, launches)
    assert via_facts == worker_commands(ProjectFiles(files.root))
    assert [(w.path, w.line, w.known) for w in via_facts] == [("a_scripts/start.py", 6, False)]
    read = {Path(p).name for p in files.stats if p.endswith(".py")}
    assert read == ({"start.py"} if excluded else set())
