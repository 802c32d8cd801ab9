from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.kit.values import evaluate
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import is_name, task_body


@dataclass(frozen=True)
class RetryNotRaisedOptions:
    style: bool = field(
        default=False,
        metadata={
            "doc": "also report a bare `self.retry()` with the default `throw=True` (it raises "
            "anyway, so this is a style check)"
        },
    )


class RetryNotRaised(FileRule):
    """
    ## What it does
    Reports `self.retry(..., throw=False)` written as a statement on its own, in a bound
    task (any name for the bound parameter) or a method of a `celery.Task` subclass: the
    task carries on after queueing its retry. With the `style` option it also reports a bare
    `self.retry(...)` with the default `throw=True`, as an info-level style finding.

    ## Why is this bad?
    `Task.retry()` raises the `Retry` exception itself (with the default `throw=True`), so
    the bare call works but reads as if execution continued; `raise self.retry(...)` is the
    documented form (Tasks guide → *Retrying*). That is only style, so it is reported only
    with `style = true`. With `throw=False` execution *does* continue: the retry is queued
    and the rest of the task runs too, so the task ends as SUCCESS or FAILURE while another
    attempt is already on its way.

    ## Use instead
    ```python
    @shared_task(bind=True)
    def sync_user(self, user_id):
        if not ready(user_id):
            raise self.retry(countdown=30)
        push(user_id)
    ```

    ## Fix safety
    The fix puts `raise` in front of the call. It is safe with the default `throw=True` (the
    call raises anyway) and unsafe with `throw=False` or a `throw=` that is not a literal:
    then the code after the call stops running.
    """

    code = "CEL202"
    name = "retry-not-raised"
    message = "`{call}()` is not raised; write `raise {call}(...)` so it reads as the exit it is"
    severity = Severity.INFO
    fix_safety = FixSafety.SAFE
    options_class = RetryNotRaisedOptions
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def sync_user(self, user_id):
                if not ready(user_id):
                    self.retry(countdown=30)  # error: CEL202
                return push(user_id)
            """,
            options={"style": True},
            fixed="""
            from celery import shared_task


            @shared_task(bind=True)
            def sync_user(self, user_id):
                if not ready(user_id):
                    raise self.retry(countdown=30)  # error: CEL202
                return push(user_id)
            """,
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=3)
            def sync_user(task, user_id):
                if not ready(user_id):
                    task.retry(countdown=30, throw=False)  # error: CEL202
                return push(user_id)
            """,
            fixed="""
            from celery import shared_task


            @shared_task(bind=True, max_retries=3)
            def sync_user(task, user_id):
                if not ready(user_id):
                    raise task.retry(countdown=30, throw=False)  # error: CEL202
                return push(user_id)
            """,
        ),
        Invalid(
            """
            from celery import Task


            class SyncTask(Task):
                def run(self, user_id):
                    if not ready(user_id):
                        self.retry(countdown=30)  # error: CEL202
                    return push(user_id)
            """,
            options={"style": True},
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def sync_user(self, user_id):
                if not ready(user_id):
                    raise self.retry(countdown=30)
                return push(user_id)
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=5)
            def add_to_cart(self, cart_id):
                try:
                    commit(cart_id)
                except LockTimeout:
                    self.retry()  # throw=True raises Retry here: style only, off by default
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def renew(job_id, job):
                job.retry()  # not bound: `job` is a model with its own retry()


            class Job:
                def retry(self):
                    return None

                def run(self):
                    self.retry()
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def fan_out(self, ids):
                def again():
                    self.retry()  # a closure: not the task body itself

                return [again for _ in ids]
            """
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "retry"
        ):
            return
        body = task_body(self.ctx)
        if body is None or not is_name(call.func.value, body.self_name):
            return
        throw = next(
            (
                evaluate(arg.value, self.ctx.resolve)
                for arg in call.args
                if arg.keyword is not None and arg.keyword.value == "throw"
            ),
            True,
        )
        text = f"{body.self_name}.retry"
        fix = self.fix(
            {node: cst.Raise(exc=call, semicolon=node.semicolon)},
            "Raise the retry",
            FixSafety.SAFE if throw is True else FixSafety.UNSAFE,
        )
        if throw is False:
            self.report(
                call,
                message=(
                    f"`{text}(throw=False)` queues a retry and carries on: the task also "
                    "finishes this run; return or raise right after it"
                ),
                severity=Severity.WARNING,
                condition=body.bound_condition(),
                fix=fix,
            )
        elif throw is True and self.options.style:
            self.report(call, call=text, condition=body.bound_condition(), fix=fix)
