from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.routing_model import routing_model, unknown_task_name
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module

_TASKS = {
    "proj/__init__.py": "",
    "reports/__init__.py": "",
    "reports/tasks.py": """
        from celery import shared_task


        @shared_task
        def build_nightly():
            return None


        @shared_task(name="reports.cleanup")
        def cleanup_old_reports():
            return None
    """,
}


class BeatUnknownTask(ProjectRule):
    """
    ## What it does
    Reports a periodic task whose `"task"` is not the name of a task: an entry of
    `beat_schedule` (`CELERY_BEAT_SCHEDULE`, `CELERYBEAT_SCHEDULE`, `app.conf.beat_schedule`
    ...) or a `signature("name")` passed to `add_periodic_task`. Names are compared with
    the names Celery gives tasks (`name=`, else `module.function`) and Celery's built-in
    tasks (`celery.backend_cleanup` ...), and the message suggests the closest task name.

    Names that point outside the project (no project package, no close task name) may be
    tasks of another service and stay quiet; so does everything when a task name is
    computed at run time.

    ## Why is this bad?
    `task` is "the name of the task to execute", not an import path. Beat still sends
    the message on schedule, and the worker discards it as an unregistered task
    (celery/celery#854, #5016): the job silently never runs.

    ## Use instead
    ```python
    CELERY_BEAT_SCHEDULE = {
        "nightly": {"task": "reports.tasks.build_nightly", "schedule": crontab(minute=0, hour=3)},
    }
    ```

    ## Fix safety
    There is no automatic fix yet; the suggested name needs a human to confirm it.
    """

    code = "CEL404"
    name = "beat-unknown-task"
    message = "Periodic task `{task}` is not a task name, so the worker will discard it{hint}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    from celery.schedules import crontab

                    CELERY_BEAT_SCHEDULE = {
                        "nightly": {
                            "task": "reports.tasks.nightly_build",  # error@17: CEL404
                            "schedule": crontab(minute=0, hour=3),
                        },
                        "cleanup": {
                            "task": "reports.tasks.cleanup_old_reports",  # error@17: CEL404
                            "schedule": 3600,
                        },
                        "results": {"task": "celery.backend_cleanup", "schedule": 86400},
                    }
                """,
            }
        ),
        Invalid(
            files={
                **_TASKS,
                "proj/celery.py": """
                    from celery import Celery, signature

                    app = Celery("proj")


                    @app.on_after_configure.connect
                    def setup_periodic_tasks(sender, **kwargs):
                        sender.add_periodic_task(60.0, signature("reports.task.build_nightly"))  # error@46: CEL404
                        sender.add_periodic_task(3600.0, app.signature("reports.cleanup"))
                """,
            }
        ),
        # a configuration class, and an entry added with an item assignment
        Invalid(
            files={
                **_TASKS,
                "proj/celery.py": """
                    from celery import Celery


                    class Config:
                        broker_url = "redis://redis:6379/0"
                        beat_schedule = {
                            "nightly": {"task": "reports.tasks.build_nigthly", "schedule": 86400},  # error@29: CEL404
                        }


                    app = Celery("proj")
                    app.config_from_object(Config)
                """,
            }
        ),
        Invalid(
            files={
                **_TASKS,
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.conf.beat_schedule = {
                        "cleanup": {"task": "reports.cleanup_old", "schedule": 3600},  # error@25: CEL404
                    }
                """,
            }
        ),
        Valid(
            files={
                **_TASKS,
                "proj/settings.py": """
                    from celery.schedules import crontab

                    CELERY_BEAT_SCHEDULE = {
                        "nightly": {
                            "task": "reports.tasks.build_nightly",
                            "schedule": crontab(minute=0, hour=3),
                        },
                        "cleanup": {"task": "reports.cleanup", "schedule": 3600},
                        # a task of another service that shares the broker
                        "sync": {"task": "billing_service.sync_invoices", "schedule": 600},
                    }
                """,
            }
        ),
        # the name of a task is computed: any name may exist
        Valid(
            files={
                **_TASKS,
                "reports/tasks.py": """
                    from celery import shared_task

                    PREFIX = "reports"


                    @shared_task(name=f"{PREFIX}.nightly")
                    def build_nightly():
                        return None
                """,
                "proj/settings.py": """
                    CELERY_BEAT_SCHEDULE = {"nightly": {"task": "reports.nightly", "schedule": 60}}
                """,
            }
        ),
        # test settings are not what beat runs with
        Valid(
            files={
                **_TASKS,
                "proj/settings/__init__.py": "",
                "proj/settings/test.py": """
                    CELERY_BEAT_SCHEDULE = {"fake": {"task": "reports.tasks.fake", "schedule": 1}}
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        model = routing_model(index)
        for entry in model.beat_entries:
            if not isinstance(entry.task, str) or entry.span is None:
                continue
            if entry.periodic_call and is_test_module(index.by_path[entry.path].module):
                continue
            verdict = unknown_task_name(model, entry.task)
            if verdict is not None:
                yield Finding(entry.path, entry.span, {"task": entry.task, "hint": verdict})
