from __future__ import annotations

import difflib
from collections.abc import Iterator

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.retries._options import holder_text, span_of
from celerylint.semantics import celery_data
from celerylint.semantics.upgrade import PERIODIC_TASK_DECORATORS, PERIODIC_TASK_OPTIONS

#: every keyword Celery's task decorator understands, read from the installed celery:
#: ``Task`` attributes and methods, options read from settings, message (exec) options,
#: decorator-only arguments and the ``autoretry_for`` family
KNOWN_TASK_OPTIONS = frozenset(
    {
        *celery_data.TASK_ATTRIBUTES,
        *celery_data.TASK_METHODS,
        *celery_data.TASK_OPTION_FROM_SETTING,
        *celery_data.TASK_EXEC_OPTIONS,
        *celery_data.TASK_DECORATOR_OPTIONS,
        *celery_data.TASK_AUTORETRY_OPTIONS,
    }
)
_CHECKED_KINDS = frozenset({"decorator", "alias", "wrapper", "dict"})


class UnknownTaskOption(ProjectRule):
    """
    ## What it does
    Reports a keyword given to `@app.task(...)`/`@shared_task(...)` (or to a decorator alias,
    a task wrapper that forwards its keywords, or a `**OPTIONS` dict spread into one) that
    Celery does not know, such as `max_retry=5` or `retry_backof=True`, and suggests the
    close match.

    The known names come from the installed celery: the `Task` class's attributes and
    methods, the options read from settings (`store_eager_result`...), the message options
    (`queue`, `routing_key`...), the decorator's own arguments (`bind`, `base`, `shared`,
    `pydantic`...) and the `autoretry_for` family. A name that a custom `base=` class
    defines or reads (`self.<name>`) is a custom option and is not reported; neither is any
    name when the base class, or the app's `task_cls`, cannot be seen.

    ## Why is this bad?
    Celery accepts unknown keywords silently: they become attributes of the generated task
    class and nothing reads them. A typo such as `max_retry=10` leaves the default (3)
    in force without any warning.

    ## Use instead
    ```python
    @shared_task(autoretry_for=(TimeoutError,), max_retries=10, retry_backoff=True)
    def sync_user(user_id): ...
    ```

    ## Fix safety
    There is no fix yet. Renaming to the close match would be an unsafe fix: it turns on an
    option that had no effect until now.
    """

    code = "CEL509"
    name = "unknown-task-option"
    message = (
        "Unknown task option `{option}`{hint}; Celery accepts it silently and nothing reads it"
    )
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(
                autoretry_for=(TimeoutError,),
                max_retry=10,  # error: CEL509
                retry_backof=True,  # error: CEL509
            )
            def sync_user(user_id):
                return user_id
            """
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    reporting_task = app.task(acks_late=True, ack_late=True)  # error@43: CEL509
                """,
                "proj/options.py": """
                    RETRYING = {"autoretry_for": (TimeoutError,), "retries": 5}  # error: CEL509
                """,
                "proj/tasks.py": """
                    from celery import shared_task

                    from proj.celery import reporting_task
                    from proj.options import RETRYING


                    @reporting_task
                    def build_report(report_id):
                        return report_id


                    @shared_task(**RETRYING)
                    def sync_user(user_id):
                        return user_id
                """,
            }
        ),
        # the app's own Task class, installed in a method of a Celery subclass, reads the
        # option (the class is defined inside the method, where it cannot be followed)
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/worker.py": """
                    from celery import Celery


                    class ProjCelery(Celery):
                        def __init__(self, *args, **kwargs):
                            super().__init__(*args, **kwargs)
                            self._patch_task()

                        def _patch_task(self):
                            class ProjTask(self.Task):
                                def __call__(task, *args, **kwargs):
                                    if getattr(task, "request_context", False):
                                        pass
                                    return super().__call__(*args, **kwargs)

                            self.Task = ProjTask


                    celery = ProjCelery("proj")
                """,
                "proj/tasks.py": """
                    from proj.worker import celery


                    @celery.task(request_context=True)
                    def build_site(site_id):
                        return site_id
                """,
            }
        ),
        Valid(
            """
            from celery import Task, shared_task


            class LockedTask(Task):
                lock_timeout = 60

                def __call__(self, *args, **kwargs):
                    with acquire(self.name, self.lock_key):
                        return super().__call__(*args, **kwargs)


            @shared_task(
                base=LockedTask,
                lock_timeout=120,
                lock_key="sync",
                bind=True,
                store_eager_result=True,
                typing=False,
                rate_limit="10/m",
                pydantic=False,
                on_failure=lambda *a: None,
            )
            def sync_user(self, user_id):
                return user_id
            """
        ),
        Valid(
            """
            from celery import Task, shared_task


            class LockMixin:
                def __call__(self, *args, **kwargs):
                    with acquire(self.name, timeout=self.lock_ttl):
                        return super().__call__(*args, **kwargs)


            class LockedTask(LockMixin, Task):
                pass


            @shared_task(base=LockedTask, lock_ttl=30)
            def sync_user(user_id):
                return user_id
            """
        ),
        Valid(
            """
            from celery import shared_task
            from celery_once import QueueOnce


            @shared_task(base=QueueOnce, once={"graceful": True})
            def sync_user(user_id):
                return user_id


            def every(minutes):
                return shared_task(ignore_result=True)


            @every(minutes=5)
            def poll():
                return None
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        seen = set()
        for site in index.option_sites:
            if site.kind not in _CHECKED_KINDS or site.extra_names is None:
                continue
            extra = site.extra_names
            if site.kind == "decorator" and any(
                index.resolve(t.fact.decorator) in PERIODIC_TASK_DECORATORS for t in site.tasks
            ):
                extra = extra | PERIODIC_TASK_OPTIONS  # Celery 3's decorator (CEL802's)
            for option in site.options:
                name = option.name
                if name in KNOWN_TASK_OPTIONS or name in extra:
                    continue
                span = span_of(option, site)
                if (site.path, span, name) in seen:
                    continue
                seen.add((site.path, span, name))
                close = difflib.get_close_matches(name, sorted(KNOWN_TASK_OPTIONS), n=1)
                hint = f" in {holder_text(site.kind, site.holder)}"
                if close:
                    hint += f" (did you mean `{close[0]}`?)"
                yield Finding(site.path, span, {"option": name, "hint": hint})
