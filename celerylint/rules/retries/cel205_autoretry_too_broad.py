from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.retries._options import exception_refs, holder_text, span_of

_BROAD = {"builtins.Exception": "Exception", "builtins.BaseException": "BaseException"}


class AutoretryTooBroad(ProjectRule):
    """
    ## What it does
    Reports `autoretry_for` containing `Exception` or `BaseException` (the builtins, however
    they are spelled), wherever the option is written: a task decorator, a decorator alias
    or wrapper, an options dict, or a `celery.Task` subclass. It is an error when the task
    also retries forever (`max_retries=None`).

    ## Why is this bad?
    Every exception is then retried, including deterministic programming errors
    (`KeyError`, `TypeError`) that fail the same way each time: the task burns its retries
    (3 by default), each after `default_retry_delay` (180 s) unless `retry_backoff` is set,
    and the real error surfaces minutes later. Celery itself manages some states with
    exceptions, which a catch-all interferes with.

    ## Use instead
    ```python
    @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
    def fetch_rates(): ...
    ```

    ## Fix safety
    There is no fix: which exceptions are transient depends on the task.
    """

    code = "CEL205"
    name = "autoretry-too-broad"
    message = "`autoretry_for` in {holder} includes `{exception}`, so bugs are retried like outages; list the transient errors instead"
    severity = Severity.WARNING
    examples = (
        # a star import does not hide the builtins unless the star-imported project module
        # binds the name (a library's star import is taken not to: ``project/star_names.py``)
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/helpers.py": """
                    TIMEOUT = 10
                """,
                "proj/tasks.py": """
                    from celery import shared_task
                    from proj.helpers import *
                    from requests import *


                    @shared_task(autoretry_for=(Exception,), max_retries=3)  # error@14: CEL205
                    def fetch(url):
                        return get(url, timeout=TIMEOUT)
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/errors.py": """
                    class Exception(BaseException):
                        pass
                """,
                "proj/base.py": """
                    from proj.errors import *
                """,
                "proj/tasks.py": """
                    from celery import shared_task
                    from proj.base import *


                    @shared_task(autoretry_for=(Exception,), max_retries=3)
                    def fetch(url):
                        return url
                """,
            }
        ),
        # decorator aliases made in another module: a bare reference to ``app.task`` and
        # ``functools.partial(app.task, ...)``
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/worker.py": """
                    from celery import Celery

                    app = Celery("proj")
                """,
                "proj/base.py": """
                    import functools

                    from proj.worker import app

                    task = app.task
                    bound_task = functools.partial(app.task, bind=True)
                """,
                "proj/tasks.py": """
                    from proj.base import bound_task, task


                    @bound_task(autoretry_for=(Exception,), max_retries=3)  # error@13: CEL205
                    def sync(self, day):
                        return day


                    @task(autoretry_for=(Exception,), max_retries=3)  # error@7: CEL205
                    def pull(day):
                        return day
                """,
            }
        ),
        # near misses: ``partial`` of something that is not an app's decorator, and the
        # app's task registry (``app.tasks``), are not task decorators
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/jobs.py": """
                    import functools

                    from celery import Celery

                    from proj.scheduler import Scheduler

                    app = Celery("proj")
                    scheduler = Scheduler()
                    every = functools.partial(scheduler.task, bind=True)
                    registry = app.tasks


                    @every(autoretry_for=(Exception,))
                    def sweep(self):
                        return None
                """,
            }
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(autoretry_for=(Exception,))  # error@14: CEL205
            def fetch_rates():
                return download()
            """
        ),
        Invalid(
            """
            import builtins

            from celery import shared_task

            retrying = shared_task(
                acks_late=True,
                autoretry_for=[builtins.BaseException],  # error: CEL205
                max_retries=None,
            )


            @retrying
            def fetch_rates():
                return download()
            """
        ),
        Invalid(
            """
            from celery import Task


            class ResilientTask(Task):
                autoretry_for = (ConnectionError, Exception)  # error: CEL205
                retry_backoff = True
            """
        ),
        Valid(
            """
            import requests
            from celery import shared_task


            @shared_task(
                autoretry_for=(requests.RequestException, ConnectionError),
                retry_backoff=True,
            )
            def fetch_rates():
                return download()
            """
        ),
        Valid(
            """
            from celery import shared_task

            from proj.errors import Exception  # a project class that shadows the builtin


            @shared_task(autoretry_for=(Exception,))
            def fetch_rates():
                return download()
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        for site in index.option_sites:
            for option in site.options:
                if option.name != "autoretry_for":
                    continue
                refs = exception_refs(index, option.value) or []
                broad = next((_BROAD[r] for r in refs if r in _BROAD), None)
                if broad is None:
                    continue
                forever = any(t.option("max_retries") is None for t in site.tasks) or any(
                    o.name == "max_retries" and index.literal(o.value) is None for o in site.options
                )
                yield Finding(
                    site.path,
                    span_of(option, site),
                    {"holder": holder_text(site.kind, site.holder), "exception": broad},
                    severity=Severity.ERROR if forever else None,
                )
