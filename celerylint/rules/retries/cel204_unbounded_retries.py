from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import Severity
from celerylint.facts.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.retries._options import holder_text, span_of
from celerylint.semantics.values import DictValue


class UnboundedRetries(ProjectRule):
    """
    ## What it does
    Reports `max_retries=None` on a task: in its decorator, a decorator alias or wrapper, a
    literal `**OPTIONS` dict spread into one of those, a `celery.Task` subclass attribute, or
    `retry_kwargs={"max_retries": None}`.

    `self.retry(max_retries=None)` is not reported: there `None` means "use the task's
    limit", not "retry forever".

    ## Why is this bad?
    `None` means the task retries forever (Tasks guide → *Automatic retry for known
    exceptions*). A poison message, or a dependency that never recovers, then circulates for
    good, using worker slots and broker capacity, and nothing ever reports the failure.

    ## Example
    ```python
    @shared_task(bind=True, max_retries=None, autoretry_for=(ConnectionError,))
    def sync_user(self, user_id): ...
    ```

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=8, autoretry_for=(ConnectionError,), retry_backoff=True)
    def sync_user(self, user_id): ...
    ```

    ## Fix safety
    There is no fix: the right bound depends on the task.
    """

    code = "CEL204"
    name = "unbounded-retries"
    message = "`max_retries=None` in {holder} retries forever; set a bound so poison messages end up failed"
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=None)  # error@25: CEL204
            def poll_export(self, export_id):
                raise self.retry(countdown=60)
            """
        ),
        Invalid(
            """
            from celery import shared_task

            keep_trying = shared_task(
                autoretry_for=(ConnectionError,),
                retry_kwargs={"max_retries": None},  # error: CEL204
            )


            @keep_trying
            def push(event_id):
                return event_id
            """
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/options.py": """
                    FOREVER = {"max_retries": None, "default_retry_delay": 30}  # error: CEL204
                """,
                "proj/tasks.py": """
                    from celery import Task, shared_task

                    from proj.options import FOREVER


                    @shared_task(bind=True, **FOREVER)
                    def poll(self):
                        raise self.retry()


                    class PollingTask(Task):
                        max_retries = None  # error: CEL204
                """,
            }
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=8)
            def poll_export(self, export_id):
                raise self.retry(countdown=60, max_retries=None)
            """
        ),
        Valid(
            """
            from some_lib import Registry

            registry = Registry()


            @registry.task(max_retries=None)
            def not_celery():
                return None


            OPTIONS = {"max_retries": None}  # never used by a task
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        seen = set()
        for site in index.option_sites:
            for option in site.options:
                value = index.literal(option.value)
                if option.name == "max_retries":
                    unbounded = value is None
                elif option.name == "retry_kwargs" and isinstance(value, DictValue):
                    unbounded = any(k == "max_retries" and v is None for k, v in value.items)
                else:
                    continue
                key = (site.path, span_of(option, site))
                if unbounded and key not in seen:
                    seen.add(key)
                    yield Finding(
                        site.path, key[1], {"holder": holder_text(site.kind, site.holder)}
                    )
