from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task, truthy
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.retries._options import origin_span
from celerylint.semantics import celery_data

#: options only ``autoretry_for``'s wrapper reads (``celery/app/autoretry.py``)
AUTORETRY_ONLY = tuple(
    o
    for o in celery_data.TASK_AUTORETRY_OPTIONS
    if o not in {"autoretry_for", "override_max_retries"}
)


def _read_by_the_project(task: Task, option: str) -> bool:
    """The task reads the option itself (``countdown=self.retry_backoff * 2``), hands the
    task object to a helper that may (``backoff(self)``), or its base class reads it."""
    bound = truthy(task.option("bind")) is not False
    if bound and (option in task.fact.self_reads or task.fact.self_escapes):
        return True
    return task.base is not None and option in task.base.reads


class RetryOptionsWithoutAutoretry(ProjectRule):
    """
    ## What it does
    Reports `retry_backoff`, `retry_backoff_max`, `retry_jitter`, `retry_kwargs` or
    `dont_autoretry_for` on a task whose effective `autoretry_for` is empty. Options count
    wherever they come from: the decorator, a decorator alias or wrapper, a `**OPTIONS`
    dict, or the `base=` class; the finding is where the ignored option is written.

    ## Why is this bad?
    Only the `autoretry_for` wrapper (`add_autoretry_behaviour`) reads these options.
    `self.retry()` ignores them, so a task that retries by hand with `retry_backoff=True`
    still waits `default_retry_delay` (180 s) every time, with no backoff and no jitter,
    while the decorator suggests otherwise.

    ## Use instead
    ```python
    @shared_task(bind=True, autoretry_for=(TimeoutError,), retry_backoff=True)
    def sync_user(self, user_id):
        push(user_id)
    ```

    Or compute the countdown yourself:
    `raise self.retry(exc=exc, countdown=min(600, 2 ** self.request.retries))`.

    ## Fix safety
    There is no fix.
    """

    code = "CEL206"
    name = "retry-options-without-autoretry"
    message = "`{option}` has no effect on `{task}`: only `autoretry_for` reads it, and the task sets none"
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True, retry_backoff=True)  # error@25: CEL206
            def sync_user(self, user_id):
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)
            """
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/base.py": """
                    from celery import Task


                    class BackoffTask(Task):
                        retry_backoff = True  # error: CEL206
                        retry_backoff_max = 300  # error: CEL206
                """,
                "proj/tasks.py": """
                    from celery import shared_task

                    from proj.base import BackoffTask


                    @shared_task(base=BackoffTask, bind=True)
                    def sync_user(self, user_id):
                        raise self.retry()
                """,
            }
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(autoretry_for=(TimeoutError,), retry_backoff=True, retry_backoff_max=300)
            def sync_user(user_id):
                return push(user_id)
            """
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/options.py": """
                    from celery import shared_task

                    RETRY = {"autoretry_for": (TimeoutError,), "max_retries": 5}
                    retrying = shared_task(**RETRY)
                """,
                "proj/tasks.py": """
                    from celery import Task, shared_task

                    from proj.options import RETRY, retrying


                    @retrying
                    def push_event(event_id):
                        return event_id


                    @shared_task(retry_backoff=True, **RETRY)
                    def sync_user(user_id):
                        return user_id


                    class AutoRetryTask(Task):
                        autoretry_for = (TimeoutError,)


                    @shared_task(base=AutoRetryTask, retry_backoff=True)
                    def pull(feed_id):
                        return feed_id
                """,
            }
        ),
        Valid(
            """
            from celery import shared_task

            from proj.options import dynamic_options


            @shared_task(retry_backoff=True, **dynamic_options())
            def sync_user(user_id):
                return push(user_id)
            """
        ),
        Valid(
            """
            from celery import Task, shared_task

            from proj.backoff import countdown_for


            @shared_task(bind=True, retry_backoff=5, retry_backoff_max=600)
            def sync_user(self, user_id):
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    delay = min(self.retry_backoff * 2**self.request.retries, self.retry_backoff_max)
                    raise self.retry(exc=exc, countdown=delay)


            @shared_task(bind=True, retry_jitter=False)
            def pull(self, feed_id):
                try:
                    return fetch(feed_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc, countdown=countdown_for(self))  # the helper reads it


            class ManualBackoff(Task):
                def retry_later(self, exc):
                    return self.retry(exc=exc, **self.retry_kwargs)


            @shared_task(bind=True, base=ManualBackoff, retry_kwargs={"max_retries": 4})
            def export(self, job_id):
                try:
                    return run(job_id)
                except TimeoutError as exc:
                    raise self.retry_later(exc)
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        seen = set()
        for task in index.tasks:
            if truthy(task.option("autoretry_for")) is not False:
                continue
            for option in AUTORETRY_ONLY:
                if option not in task.options or _read_by_the_project(task, option):
                    continue
                path, span = origin_span(task, option)
                if (path, span, option) in seen:
                    continue
                seen.add((path, span, option))
                yield Finding(path, span, {"option": option, "task": task.qualname})
