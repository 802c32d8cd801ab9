from __future__ import annotations

from collections.abc import Iterable, Iterator

from celerylint.diagnostics import Severity, Span
from celerylint.project.config_types import ConfigValue
from celerylint.project.deployment_files import is_production_file
from celerylint.project.index import ProjectIndex
from celerylint.project.pools import POOL_OPTION_FLAGS, POOL_OPTION_SETTINGS, ignored_by, pool_name
from celerylint.project.workers import CeleryCommand, celery_commands, find_app
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.django import is_test_module

_REASONS = {
    "max_tasks_per_child": "only the prefork pool replaces its child processes",
    "max_memory_per_child": "only the prefork pool replaces its child processes",
    "soft_time_limit": "only the prefork pool raises `SoftTimeLimitExceeded`",
    "time_limit": "only the prefork and gevent pools stop a task at its time limit",
}

_APP = """
    from celery import Celery

    app = Celery("proj")  # error: CEL516, CEL516
    app.config_from_object("proj.celeryconfig")
"""
_QUIET_APP = """
    from celery import Celery

    app = Celery("proj")
    app.config_from_object("proj.celeryconfig")
"""
_TASKS = """
    from celery import shared_task


    @shared_task(soft_time_limit=30)  # error@14: CEL516
    def import_feed(url):
        return url


    @shared_task(time_limit=60)  # error@14: CEL516
    def resize(image_id):
        return image_id
"""


class OptionIgnoredByPool(ProjectRule):
    """
    ## What it does
    Reports worker options that the worker's execution pool ignores:
    `--max-tasks-per-child`, `--max-memory-per-child` and soft time limits with any pool
    but prefork (`-P gevent`, `eventlet`, `threads`, `solo`), and hard time limits with
    the eventlet, threads and solo pools. It reads the options
    (`worker_max_tasks_per_child`, `worker_max_memory_per_child`, `task_soft_time_limit`,
    `task_time_limit`, a task's `soft_time_limit=`/`time_limit=`) where the pool is known
    for them:

    - on the same `celery worker` command line as `-P`/`--pool`, in a production
      deployment file (the finding is reported at the app the command starts, naming the
      file and line);
    - in the app's production settings, when `worker_pool` there names one pool and no
      worker command of the deployment files picks another one with `-P`.

    A pool celerylint cannot name (`-P custom`, a class path, `$POOL`), a command with
    arguments from a variable, or a `worker_pool` with several possible values keeps it
    silent.

    ## Why is this bad?
    Only billiard's process pool (prefork) replaces child processes after N tasks or
    above a memory limit, and only it raises `SoftTimeLimitExceeded` in a task. The
    other pools accept these values and drop them (`celery/concurrency/*.py`: the pool
    keeps them in `options` or swallows them in `on_apply(**_)`); eventlet, threads and
    solo do not apply the hard `time_limit` either. The protection the option promises
    (against leaks, against hung tasks) is not there.

    ## Use instead
    Run the tasks that need these limits on a prefork worker, or enforce them in the
    task (a timeout on the network call, `gevent.Timeout`), and drop the option.

    ## Fix safety
    There is no fix: which pool the tasks need is a design decision.
    """

    code = "CEL516"
    name = "option-ignored-by-pool"
    message = "{option} has no effect with the `{pool}` pool ({where}): {reason}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "Procfile": """
                    worker: celery -A proj worker -P gevent -c 100 --max-tasks-per-child 500
                    io-worker: celery -A proj worker --pool=threads --time-limit=300 -Q io
                    cpu-worker: celery -A proj worker --max-tasks-per-child 50 --soft-time-limit 60
                    feeds-worker: celery -A proj worker -P gevent --time-limit 120
                """,
                "proj/__init__.py": "",
                "proj/celery.py": _APP,
                "proj/celeryconfig.py": 'broker_url = "redis://redis:6379/0"',
            }
        ),
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_WORKER_POOL = "threads"
                        CELERY_WORKER_MAX_TASKS_PER_CHILD = 100  # error: CEL516
                        CELERY_TASK_SOFT_TIME_LIMIT = 60  # error: CEL516
                        CELERY_WORKER_CONCURRENCY = 8
                    """
                },
                {"feeds/__init__.py": "", "feeds/tasks.py": _TASKS},
            )
        ),
        # development files, pools celerylint cannot name, a -P that overrides the setting
        Valid(
            files={
                "docker-compose.dev.yml": """
                    services:
                      worker:
                        command: celery -A proj worker -P solo --max-tasks-per-child 1
                """,
                "Procfile": """
                    worker: celery -A proj worker -P $POOL --max-tasks-per-child 500
                    custom-worker: celery -A proj worker -P custom --soft-time-limit 60
                    opaque-worker: celery -A proj worker -P gevent $WORKER_OPTIONS
                    cpu-worker: celery -A proj worker -P prefork --max-tasks-per-child 50
                """,
                "proj/__init__.py": "",
                "proj/celery.py": _QUIET_APP,
                "proj/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"
                    worker_pool = "gevent"
                    worker_max_tasks_per_child = 100
                """,
            }
        ),
        # the pool setting is only in test settings, or not a literal
        Valid(
            files=django_project(
                {
                    "production": """
                        import os

                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_WORKER_POOL = os.environ["CELERY_POOL"]
                        CELERY_WORKER_MAX_TASKS_PER_CHILD = 100
                    """,
                    "test": """
                        from .production import *

                        CELERY_WORKER_POOL = "solo"
                        CELERY_TASK_SOFT_TIME_LIMIT = 5
                    """,
                },
                {
                    "feeds/__init__.py": "",
                    "feeds/tasks.py": """
                        from celery import shared_task


                        @shared_task(soft_time_limit=30)
                        def import_feed(url):
                            return url
                    """,
                },
            )
        ),
        # a pool chosen only on some hosts
        Valid(
            files=django_project(
                {
                    "production": """
                        import os

                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_WORKER_MAX_TASKS_PER_CHILD = 100
                        if os.name == "nt":
                            CELERY_WORKER_POOL = "solo"
                    """
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        commands = [
            c
            for c in celery_commands(index.config.files)
            if c.subcommand in {"worker", "multi"} and is_production_file(c.path)
        ]
        seen: set[tuple[str, Span, str, str]] = set()
        for finding in self._findings(index, commands):
            args = finding.args
            key = (finding.path, finding.span, str(args["option"]), str(args["where"]))
            if key not in seen:
                seen.add(key)
                yield finding

    def _findings(self, index: ProjectIndex, commands: list[CeleryCommand]) -> Iterator[Finding]:
        for command in commands:
            if command.subcommand == "worker" and not command.opaque:
                yield from self._command(index, command)
        apps: tuple[str | None, ...] = tuple(sorted(index.apps)) or (None,)
        for app in apps:
            found = self._settings_pool(index, app, commands)
            if found is None:
                continue
            pool, value = found
            where = f"`{value.name}` in `{value.unit or value.module}`"
            for setting, option in POOL_OPTION_SETTINGS.items():
                if not ignored_by(pool, option):
                    continue
                for written in index.config.values_for(setting, app):
                    if written.span is None:
                        continue
                    yield Finding(
                        written.path,
                        written.span,
                        {
                            "option": f"`{written.name}`",
                            "pool": pool,
                            "where": where,
                            "reason": _REASONS[option],
                        },
                    )
            yield from self._task_options(index, app, len(apps), pool, where)

    @staticmethod
    def _command(index: ProjectIndex, command: CeleryCommand) -> Iterator[Finding]:
        pool = pool_name(command.option("--pool"))
        if pool is None:
            return
        app = find_app(index, command.option("--app"))
        if app is None:
            return
        assignment = index.assignment(app)
        facts = index.modules.get(app.rpartition(".")[0])
        if assignment is None or assignment.span is None or facts is None:
            return
        for flag, option in POOL_OPTION_FLAGS.items():
            if command.written(flag) and ignored_by(pool, option):
                yield Finding(
                    facts.path,
                    assignment.span,
                    {
                        "option": f"`{flag}`",
                        "pool": pool,
                        "where": f"`{command.where}`",
                        "reason": _REASONS[option],
                    },
                )

    @staticmethod
    def _settings_pool(
        index: ProjectIndex, app: str | None, commands: list[CeleryCommand]
    ) -> tuple[str, ConfigValue] | None:
        """The one pool the production settings of ``app`` select, when no worker command
        overrides it (or may)."""
        values = index.config.values_for("worker_pool", app)
        if any(v.conditional or v.guard is not None for v in values):
            return None  # ``if os.name == "nt": CELERY_WORKER_POOL = "solo"``
        pools = {pool_name(c) if isinstance(c, str) else None for v in values for c in v.candidates}
        if len(pools) != 1 or None in pools:
            return None
        pool = next(iter(pools))
        assert pool is not None
        for command in commands:
            if command.subcommand == "multi" or command.opaque:
                return None
            given = command.option("--pool")
            overrides = given is not None and pool_name(given) != pool
            if overrides and (
                app is None or find_app(index, command.option("--app")) in (app, None)
            ):
                return None
        return pool, values[-1]

    @staticmethod
    def _task_options(
        index: ProjectIndex, app: str | None, app_count: int, pool: str, where: str
    ) -> Iterator[Finding]:
        for task in index.tasks:
            if not task.fact.module_level or is_test_module(task.module):
                continue
            task_app = index.task_app(task)
            if task_app != app and not (task_app is None and app_count == 1):
                continue
            for option in ("soft_time_limit", "time_limit"):
                if not ignored_by(pool, option) or option not in task.options:
                    continue
                if task.options[option] in (None, 0):
                    continue
                origin = task.origins.get(option)
                if origin is None or origin.span is None:
                    continue
                yield Finding(
                    origin.path,
                    origin.span,
                    {
                        "option": f"`{option}=`",
                        "pool": pool,
                        "where": where,
                        "reason": _REASONS[option],
                    },
                )
