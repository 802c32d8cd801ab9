from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity, TaskCondition
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.calls import expiry_conflict
from celerylint.semantics.canvas import CanvasReader, Sig


class ExpiresBeforeEta(FileRule):
    """
    ## What it does
    Reports a task call whose literal `expires` is not later than the moment the task
    becomes due: `apply_async(countdown=600, expires=300)`, or an `eta` and `expires`
    computed from the same time (`now() + timedelta(...)`, or the same variable) where the
    expiry comes first. Checked on `apply_async` of tasks and signatures and on
    `self.retry(...)` in bound tasks.

    ## Why is this bad?
    "When a worker receives an expired task it will mark the task as REVOKED" (Calling
    guide, *Expiration*): a task that expires before it is due never runs, and nothing
    but the revoked state says so.

    ## Use instead
    ```python
    send_reminder.apply_async((user.pk,), countdown=3600, expires=3600 + 600)
    ```

    ## Fix safety
    There is no fix: which of the two times is wrong is for a human to decide.
    """

    code = "CEL609"
    name = "expires-before-eta"
    message = (
        "The task expires {end} but is due {start} (`{option}`); "
        "the worker will revoke it without running it"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            from datetime import timedelta

            from celery import shared_task
            from django.utils import timezone


            @shared_task
            def send_reminder(user_id):
                return user_id


            def remind(user):
                send_reminder.apply_async((user.pk,), countdown=3600, expires=600)  # error: CEL609
                start = timezone.now() + timedelta(days=1)
                send_reminder.apply_async(  # error: CEL609
                    (user.pk,),
                    eta=start + timedelta(hours=2),
                    expires=start + timedelta(hours=1),
                )
                send_reminder.s(user.pk).apply_async(  # error: CEL609
                    eta=timezone.now() + timedelta(minutes=30), expires=60
                )


            @shared_task(bind=True)
            def poll(self, job_id):
                raise self.retry(countdown=120, expires=120)  # error@11: CEL609
            """
        ),
        Valid(
            """
            from datetime import datetime, timedelta

            from celery import shared_task
            from django.utils import timezone


            @shared_task
            def send_reminder(user_id):
                return user_id


            def remind(user, deadline, pool):
                send_reminder.apply_async((user.pk,), countdown=60, expires=3600)
                send_reminder.apply_async((user.pk,), expires=0.5)  # due at once
                send_reminder.apply_async(
                    (user.pk,),
                    eta=timezone.now() + timedelta(hours=1),
                    expires=timezone.now() + timedelta(hours=2),
                )
                send_reminder.apply_async((user.pk,), eta=deadline, expires=60)  # unknown eta
                send_reminder.apply_async((user.pk,), countdown=600, expires=datetime(2030, 1, 1))
                pool.apply_async(countdown=60, expires=30)  # not a task


            def retry(task):
                task.retry(countdown=120, expires=60)  # not a bound task's self
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in ("apply_async", "retry"):
            return
        condition = self._condition(func.value, method)
        if condition is None:
            return
        conflict = expiry_conflict(node, self.ctx.resolve)
        if conflict is None:
            return
        option, start, end = conflict
        self.report(
            node,
            condition=condition,
            option=option,
            start=start.describe(),
            end=end.describe(),
        )

    def _condition(self, receiver: cst.BaseExpression, method: str) -> TaskCondition | None:
        """Which task the call sends, as a condition for phase 2 to confirm."""
        if method == "retry":
            scope = self.ctx.task
            if scope is None or not isinstance(receiver, cst.Name):
                return None
            node = scope.node
            params = [*node.params.posonly_params, *node.params.params]
            if not params or params[0].name.value != receiver.value:
                return None
            return TaskCondition(scope.qualname, options=(("bind", True),))
        if isinstance(receiver, cst.Call):
            element = CanvasReader(self.ctx.resolve).read(receiver)
            if isinstance(element, Sig) and element.receiver is not None:
                return TaskCondition("", task_ref=element.receiver)
            return None
        ref = self.ctx.resolve(receiver)
        return TaskCondition("", task_ref=ref) if ref is not None else None
