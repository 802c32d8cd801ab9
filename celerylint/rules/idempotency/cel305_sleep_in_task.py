from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.kit.values import evaluate
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import task_body

_SLEEP = frozenset({"time.sleep"})


@dataclass(frozen=True)
class SleepOptions:
    min_seconds: float = field(
        default=1.0,
        metadata={"doc": "literal sleeps shorter than this (a short back-off) are not reported"},
    )


class SleepInTask(FileRule):
    """
    ## What it does
    Reports `time.sleep(...)` in a task body (a task function, or `run` of a `celery.Task`
    subclass). A literal duration below `min-seconds` (1 s by default) is a short back-off
    and is not reported; a computed duration is reported only inside a loop (polling).

    ## Why is this bad?
    A sleeping task holds its worker slot (a prefork process, a thread or a greenlet) and
    does nothing with it. Polling with `time.sleep` in a loop blocks the slot for the whole
    wait, runs into `task_time_limit`, and on Redis/SQS into the visibility timeout, after
    which the message is delivered again. "A task that blocks indefinitely may eventually
    stop the worker instance from doing any other work" (Tasks guide).

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=60)
    def wait_for_export(self, job_id):
        if not export_done(job_id):
            raise self.retry(countdown=10)
    ```

    ## Fix safety
    There is no fix.
    """

    code = "CEL305"
    name = "sleep-in-task"
    message = "`time.sleep({duration})` in task `{task}` blocks a worker slot{where}; retry with a `countdown` instead"
    severity = Severity.WARNING
    options_class = SleepOptions
    examples = (
        Invalid(
            """
            import time

            from celery import shared_task


            @shared_task
            def wait_for_export(job_id):
                while not export_done(job_id):
                    time.sleep(10)  # error: CEL305
                return job_id
            """
        ),
        Invalid(
            """
            from time import sleep

            from celery import Task


            class ThrottledPush(Task):
                def run(self, batch, delay):
                    for item in batch:
                        push(item)
                        sleep(delay)  # error: CEL305
                    sleep(30)  # error: CEL305
            """
        ),
        Valid(
            """
            import time

            from celery import shared_task


            @shared_task(bind=True, max_retries=60)
            def wait_for_export(self, job_id):
                if not export_done(job_id):
                    raise self.retry(countdown=10)
                time.sleep(0.2)  # a short back-off
                return job_id


            def wait_in_a_script(job_id):
                while not export_done(job_id):
                    time.sleep(10)  # not a task


            @shared_task
            def retry_later(delay):
                time.sleep(delay)  # computed, not polling: unknown
            """
        ),
        Invalid(
            """
            import time

            from celery import shared_task


            @shared_task
            def throttled(items):
                for item in items:
                    push(item)
                    time.sleep(0.5)  # error: CEL305
            """,
            options={"min-seconds": 0.1},
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.resolve(node.func) not in _SLEEP:
            return
        body = task_body(self.ctx)
        if body is None or not body.is_run:
            return
        in_loop = bool(self.ctx.local_loops)
        duration = evaluate(node.args[0].value, self.ctx.resolve) if node.args else None
        if isinstance(duration, int | float) and not isinstance(duration, bool):
            if duration < self.options.min_seconds:
                return
            text = str(duration)
        elif in_loop:
            text = "..."
        else:
            return
        name = body.function if body.is_class else body.node.name.value
        self.report(
            node,
            duration=text,
            task=name,
            where=" while it polls in a loop" if in_loop else "",
            condition=body.condition(),
        )
