from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.workers import celery_commands, find_app
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module

#: environment variables through which Celery configures any app: the broker
#: (``Settings.broker_url`` reads ``CELERY_BROKER_URL`` first; ``celery -b`` sets it), a
#: config module read by every app's loader, and the loader itself
CONFIGURING_ENV = ("CELERY_BROKER_URL", "CELERY_CONFIG_MODULE", "CELERY_LOADER")
#: ``celery`` options that set those variables
_CONFIGURING_OPTIONS = ("--broker", "--config", "--loader")

_MAIN_APP = """
    import os

    from celery import Celery

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")

    app = Celery("proj")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.autodiscover_tasks()
"""
_SETTINGS = """
    CELERY_BROKER_URL = "redis://redis:6379/0"
    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
"""


class TaskOnUnconfiguredApp(ProjectRule):
    """
    ## What it does
    Reports a task registered on a second `Celery()` app (`@reports.task` where
    `reports = Celery("reports")`) that nothing configures, in a project whose other app
    is configured with a broker.

    celerylint only reports when it sees the whole picture. The app is created with
    `celery.Celery` itself, with no configuration argument (`broker=`, `config_source=`,
    `changes=`, `**kwargs` ...); no `config_from_object`, `config_from_envvar`,
    `add_defaults`, `conf.update` or `conf` write targets it or `current_app` anywhere in
    the project; it is never passed to a function, returned or assigned elsewhere (where
    it could be configured); and no settings source applies to every app. Celery also configures any
    app from the environment (`CELERY_BROKER_URL`, `CELERY_CONFIG_MODULE`,
    `CELERY_LOADER`, and `celery -b/--config/--loader`, which set them), so the rule is
    silent when a deployment or env file, a Python `os.environ` default, a `celery`
    command line, or the configured app's own broker setting uses one of them.

    ## Why is this bad?
    An app without configuration uses Celery's defaults: the broker
    `amqp://guest@localhost//`. Calls of its tasks are sent there (or fail to connect),
    and a worker started with it (`celery -A proj.reports worker`) consumes from there,
    while the rest of the project talks to the configured broker. The task is usually
    meant for the configured app (or for `@shared_task`).

    ## Use instead
    ```python
    from celery import shared_task


    @shared_task
    def nightly_report(): ...
    ```
    or configure the second app (`reports.config_from_object(...)`).

    ## Fix safety
    There is no fix: the task may belong on the configured app, on `@shared_task`, or the
    second app may need its own configuration.
    """

    code = "CEL517"
    name = "task-on-unconfigured-app"
    message = (
        "Task `{task}` is registered on `{app}`, a Celery app nothing configures (unlike "
        "`{configured}`); its callers and workers use the default broker "
        "`amqp://guest@localhost//`"
    )
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": _MAIN_APP,
                "proj/settings.py": _SETTINGS,
                "reports/__init__.py": "",
                "reports/worker.py": """
                    from celery import Celery

                    reports = Celery("reports", include=["reports.tasks"])
                """,
                "reports/tasks.py": """
                    from celery import shared_task

                    from reports.worker import reports


                    @reports.task(bind=True)  # error: CEL517
                    def nightly_report(self):
                        return None


                    @shared_task
                    def weekly_report():
                        return None
                """,
            }
        ),
        # the second app is configured somewhere, may be configured by a function it is
        # passed to, or from the environment; one app alone
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": _MAIN_APP,
                "proj/settings.py": _SETTINGS,
                "reports/__init__.py": "",
                "reports/worker.py": """
                    from celery import Celery

                    from proj.setup import apply_settings, configure

                    reports = Celery("reports")
                    configure(reports)
                    exports = Celery("exports")
                    exports.conf.update(SETTINGS)
                    legacy = Celery("legacy")
                    legacy.add_defaults(lambda: {"broker_url": "redis://redis:6379/3"})
                    archive = Celery("archive", broker="redis://redis:6379/2")
                    audit = Celery("audit")
                    apply_settings(audit.conf)
                """,
                "reports/tasks.py": """
                    from reports.worker import archive, audit, exports, legacy, reports


                    @reports.task
                    def nightly_report():
                        return None


                    @exports.task
                    def export():
                        return None


                    @archive.task
                    def archive_rows():
                        return None


                    @audit.task
                    def audit_rows():
                        return None


                    @legacy.task
                    def legacy_rows():
                        return None
                """,
            }
        ),
        Valid(
            files={
                "docker-compose.yml": """
                    services:
                      reports:
                        command: celery -A reports.worker worker -l info
                        environment:
                          CELERY_BROKER_URL: redis://redis:6379/0
                """,
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": _MAIN_APP,
                "proj/settings.py": _SETTINGS,
                "reports/__init__.py": "",
                "reports/worker.py": """
                    from celery import Celery

                    reports = Celery("reports")


                    @reports.task
                    def nightly_report():
                        return None
                """,
            }
        ),
        Valid(
            files={
                "Procfile": "reports: celery -A reports.worker -b $BROKER worker",
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": _MAIN_APP,
                "proj/settings.py": _SETTINGS,
                "reports/__init__.py": "",
                "reports/worker.py": """
                    from celery import Celery

                    reports = Celery("reports")


                    @reports.task
                    def nightly_report():
                        return None
                """,
                "reports/tests/__init__.py": "",
                "reports/tests/test_tasks.py": """
                    from celery import Celery

                    scratch = Celery("scratch")


                    @scratch.task
                    def probe():
                        return None
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        apps = [a for a in sorted(index.apps) if not is_test_module(a.rpartition(".")[0])]
        if len(apps) < 2 or self._environment_configures(index):
            return
        configured = [a for a in apps if config.values_for("broker_url", a)]
        if not configured:
            return
        passed_on = {
            index.resolve(ref) for facts in index.modules.values() for ref in facts.value_refs
        }
        for app in apps:
            if app in configured or config.configures(app):
                continue
            if any(ref == app or ref.startswith(f"{app}.") for ref in passed_on):
                continue  # ``configure(app)``, ``setup(app.conf)``: may be configured there
            if config.values_for("broker_url", app, production=False):
                continue  # a source no app was seen reading applies to every app
            if self._started_with_options(index, app):
                continue
            other = next(a for a in configured if a != app)
            for task in index.tasks:
                if index.task_app(task) != app or task.fact.decorator_span is None:
                    continue
                if not task.fact.module_level or is_test_module(task.module):
                    continue
                yield Finding(
                    task.path,
                    task.fact.decorator_span,
                    {"task": task.name or task.qualname, "app": app, "configured": other},
                )

    @staticmethod
    def _environment_configures(index: ProjectIndex) -> bool:
        """Some file of the project sets an environment variable that configures apps, or
        the configured app reads its broker from ``CELERY_BROKER_URL`` (so it is set)."""
        files = index.config.files
        if any(files.env_assignments(var) for var in CONFIGURING_ENV):
            return True
        for facts in index.modules.values():
            if any(env.var in CONFIGURING_ENV for env in facts.env_defaults):
                return True
        for value in index.config.values("broker_url"):
            if value.env is not None and value.env.var in (*CONFIGURING_ENV, None):
                return True
        return False

    @staticmethod
    def _started_with_options(index: ProjectIndex, app: str) -> bool:
        """A ``celery`` command that may start ``app`` sets the broker or config itself."""
        for command in celery_commands(index.config.files):
            sets = command.opaque or any(command.written(o) for o in _CONFIGURING_OPTIONS)
            if sets and find_app(index, command.option("--app")) in (app, None):
                return True
        return False
