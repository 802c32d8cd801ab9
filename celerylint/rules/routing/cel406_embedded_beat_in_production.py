from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.deployment_files import copies, is_production_file
from celerylint.project.index import ProjectIndex
from celerylint.project.workers import CeleryCommand, celery_commands, find_app
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid

#: schedulers that take a lock, so that only one of several beats sends (RedBeat keeps
#: it in Redis: ``redbeat.RedBeatScheduler``, ``redbeat.schedulers:RedBeatScheduler``)
LOCKING_SCHEDULERS = ("redbeat",)

_APP = """
    from celery import Celery

    app = Celery("proj")  # error: CEL406
    app.config_from_object("proj.celeryconfig")
"""
_QUIET_APP = """
    from celery import Celery

    app = Celery("proj")
    app.config_from_object("proj.celeryconfig")
"""
_CONFIG = """
    broker_url = "redis://redis:6379/0"
    beat_schedule = {"nightly": {"task": "proj.tasks.nightly", "schedule": 24 * 3600}}
"""


_TASKS = """
    from celery import shared_task


    @shared_task
    def nightly():
        return None
"""


class EmbeddedBeatInProduction(ProjectRule):
    """
    ## What it does
    Reports a production deployment that runs more than one beat scheduler: a worker
    started with `-B`/`--beat` (an embedded beat) in a Procfile, Dockerfile, compose file,
    Kubernetes manifest, systemd unit, supervisor config or container entrypoint, and a
    `celery beat` process asked for in several copies (compose `deploy: replicas:` or
    `scale:`, a Kubernetes workload's `replicas:`, supervisor's `numprocs`).

    Deployment files are read as text from the project root. Files meant for development
    are skipped: Makefiles, justfiles, shell scripts outside a container entrypoint or a
    deployment folder, and any path with a word such as `dev`, `local`, `override`,
    `test`, `ci`, `example` or `docs` (`docker-compose.dev.yml`,
    `docker-compose.override.yml`). A scheduler that takes a lock (RedBeat, given with
    `--scheduler` or `beat_scheduler`) makes extra beats harmless, so celerylint stays
    silent with it, and with a scheduler or copy count it cannot read (`$BEAT_OPTS`,
    `replicas: {{ .Values.replicas }}`).

    The finding is reported at the Celery app the command starts (`-A`), since
    celerylint reports in Python files; the message names the deployment file and line.

    ## Why is this bad?
    Each beat keeps its own schedule and sends every periodic task when it is due, so
    with two beats every periodic task runs twice. `celery worker --help` says of `-B`
    that there must only be one instance of this service and that it is meant for
    development: with an embedded beat, every copy of the worker (every dyno, replica or
    host it is scaled to) is another scheduler.

    ## Use instead
    ```
    # Procfile
    worker: celery -A proj worker -l info
    beat: celery -A proj beat -l info
    ```
    and scale the `beat` process to exactly one (or use a locking scheduler such as
    RedBeat).

    ## Fix safety
    There is no fix: the deployment files are not Python, and how many beats to run is a
    deployment decision.
    """

    code = "CEL406"
    name = "embedded-beat-in-production"
    message = "`{where}` {what}, so every periodic task is sent once per beat; {advice}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "Procfile": """
                    web: gunicorn proj.wsgi
                    worker: celery -A proj worker -B -l info
                """,
                "proj/__init__.py": "",
                "proj/celery.py": _APP,
                "proj/celeryconfig.py": _CONFIG,
                "proj/tasks.py": _TASKS,
            }
        ),
        Invalid(
            files={
                "docker-compose.yml": """
                    services:
                      worker:
                        image: proj
                        command: ["celery", "-A", "proj", "worker", "-l", "info"]
                        deploy:
                          replicas: 4
                      beat:
                        image: proj
                        command: celery -A proj beat -l info
                        deploy:
                          replicas: 2
                """,
                "k8s/beat.yaml": """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: beat
                    spec:
                      replicas: 3
                      template:
                        spec:
                          containers:
                            - name: beat
                              command: ["celery", "-A", "proj", "beat"]
                """,
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")  # error: CEL406, CEL406
                    app.config_from_object("proj.celeryconfig")
                """,
                "proj/celeryconfig.py": _CONFIG,
                "proj/tasks.py": _TASKS,
            }
        ),
        # development files, one beat, another tool's -B, and a scheduler with a lock
        Valid(
            files={
                "docker-compose.dev.yml": """
                    services:
                      worker:
                        command: celery -A proj worker -B -l debug
                """,
                "docker-compose.override.yml": """
                    services:
                      worker:
                        command: celery -A proj worker --beat
                """,
                "Makefile": """
                    worker:
                    \tcelery -A proj worker -B -l debug
                """,
                "scripts/run_worker.sh": "celery -A proj worker -B",
                "Procfile": """
                    release: python -B manage.py migrate
                    worker: celery -A proj worker -l info && make -B assets
                    beat: celery -A proj beat -l info
                """,
                "docker-compose.yml": """
                    services:
                      beat:
                        command: celery -A proj beat --scheduler redbeat.RedBeatScheduler
                        deploy:
                          replicas: 2
                      scheduler:
                        command: celery -A proj beat
                        deploy:
                          replicas: ${BEAT_REPLICAS}
                      other:
                        command: celery -A proj worker $WORKER_OPTIONS -B
                """,
                "k8s/beat.yaml": """
                    kind: Deployment
                    spec:
                      replicas: 1
                      template:
                        spec:
                          containers:
                            - command: ["celery", "-A", "proj", "beat"]
                """,
                "proj/__init__.py": "",
                "proj/celery.py": _QUIET_APP,
                "proj/celeryconfig.py": _CONFIG,
                "proj/tasks.py": _TASKS,
            }
        ),
        # RedBeat from the settings: every embedded beat waits for the lock
        Valid(
            files={
                "Procfile": "worker: celery -A proj worker -B -l info",
                "proj/__init__.py": "",
                "proj/celery.py": _QUIET_APP,
                "proj/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"
                    beat_scheduler = "redbeat.RedBeatScheduler"
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        files = index.config.files
        for command in celery_commands(files):
            if not is_production_file(command.path) or command.opaque:
                continue
            found = self._problem(command, files.read(command.path))
            if found is None:
                continue
            what, advice = found
            app = find_app(index, command.option("--app"))
            if app is None or self._scheduler_locks(index, app, command) is not False:
                continue
            assignment = index.assignment(app)
            module = app.rpartition(".")[0]
            facts = index.modules.get(module)
            if assignment is None or assignment.span is None or facts is None:
                continue
            yield Finding(
                facts.path,
                assignment.span,
                {"where": command.where, "what": what, "advice": advice},
            )

    @staticmethod
    def _problem(command: CeleryCommand, text: str) -> tuple[str, str] | None:
        if command.subcommand == "worker" and "--beat" in command.flags:
            return (
                "starts a worker with an embedded beat (`-B`), which runs in every copy "
                "of that worker",
                "run one `celery beat` process of its own instead",
            )
        if command.subcommand == "beat":
            count = copies(text, command.path, command.line)
            if count is not None and count > 1:
                return (
                    f"runs `celery beat` in {count} copies",
                    "run exactly one beat (or a scheduler that takes a lock, such as RedBeat)",
                )
        return None

    @staticmethod
    def _scheduler_locks(index: ProjectIndex, app: str, command: CeleryCommand) -> bool | None:
        """Does the beat's scheduler take a lock? None when it cannot be told."""
        given = command.option("--scheduler")
        if given is not None:
            return _locks(given)
        answers = [
            _locks(candidate) if isinstance(candidate, str) else None
            for value in index.config.values_for("beat_scheduler", app)
            for candidate in value.candidates
        ]
        if any(a is None for a in answers):
            return None
        return any(answers)


def _locks(scheduler: str) -> bool | None:
    if "$" in scheduler or "{" in scheduler:
        return None
    return any(name in scheduler.lower() for name in LOCKING_SCHEDULERS)
