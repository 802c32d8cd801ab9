from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import truthy
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.retries._options import origin_span


class BackoffJitterDisabled(ProjectRule):
    """
    ## What it does
    Reports `retry_jitter=False` on a task that retries with `retry_backoff` (through
    `autoretry_for`). Only an explicit `False` counts: jitter is on by default, so
    `retry_backoff` without `retry_jitter` is fine. Off by default: on real projects
    `retry_jitter=False` is nearly always a deliberate, project-wide choice (predictable
    retry times), so enable it where synchronised retries are a known risk.

    ## Why is this bad?
    Without jitter every task that failed at the same moment retries at the same moments
    too (1 s, 2 s, 4 s...), so a dependency that just went down is hit by synchronised
    waves of retries, the thundering herd that jitter exists to spread out.

    ## Use instead
    ```python
    @shared_task(autoretry_for=(ConnectionError,), retry_backoff=True)
    def push_event(event_id): ...
    ```

    ## Fix safety
    There is no fix yet. Removing `retry_jitter=False` would be an unsafe fix: it changes
    retry timing.
    """

    code = "CEL207"
    name = "backoff-jitter-disabled"
    message = "`retry_jitter=False` on `{task}` makes every backed-off retry fire at the same moments; keep the default jitter"
    severity = Severity.INFO
    default_enabled = False
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(
                autoretry_for=(ConnectionError,),
                retry_backoff=True,
                retry_jitter=False,  # error: CEL207
            )
            def push_event(event_id):
                return event_id
            """
        ),
        Invalid(
            """
            from celery import Task, shared_task


            class BackoffTask(Task):
                autoretry_for = (ConnectionError,)
                retry_backoff = 5
                retry_jitter = False  # error: CEL207


            @shared_task(base=BackoffTask)
            def push_event(event_id):
                return event_id
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(autoretry_for=(ConnectionError,), retry_backoff=True)
            def push_event(event_id):
                return event_id


            @shared_task(autoretry_for=(ConnectionError,), retry_jitter=False)
            def push_fixed_delay(event_id):
                return event_id
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        seen = set()
        for task in index.tasks:
            if task.options.get("retry_jitter") is not False:
                continue
            if not truthy(task.option("retry_backoff")):
                continue
            if truthy(task.option("autoretry_for")) is False:
                continue  # CEL206: nothing reads either option
            path, span = origin_span(task, "retry_jitter")
            if (path, span) not in seen:
                seen.add((path, span))
                yield Finding(path, span, {"task": task.qualname})
