from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import enclosing_class, first_parameter, task_body
from celerylint.semantics.values import evaluate


class RetryWithoutBind(FileRule):
    """
    ## What it does
    Reports a task function whose first parameter is named `self` while the task is not
    bound (no `bind=True` from the decorator, an alias of it, or a `**OPTIONS` dict), and
    `bind=True` on a task function that takes no positional parameter.

    Only `self` counts: a first parameter with another name is an ordinary argument unless
    the task is bound (with `bind=True`, any name is fine, `task.retry()` included).

    ## Why is this bad?
    Without `bind=True` Celery calls the function with the caller's arguments only, so
    `sync.delay(42)` binds `self=42` and the real first argument goes missing: the task
    fails with `TypeError`, or `self.retry()` is called on an `int`. With `bind=True` and no
    parameter to receive it, every call fails with `TypeError` (Tasks guide → *Bound tasks*).

    ## Example
    ```python
    @shared_task(max_retries=5)
    def sync_user(self, user_id):
        try:
            push(user_id)
        except Timeout as exc:
            raise self.retry(exc=exc)
    ```

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=5)
    def sync_user(self, user_id):
        ...
    ```

    ## Fix safety
    There is no fix yet. Adding `bind=True` would be an unsafe fix: it is only right when
    no caller passes a value for `self` today.
    """

    code = "CEL201"
    name = "retry-without-bind"
    message = "Task `{task}` takes `self` but is not bound; add `bind=True`, or the caller's first argument becomes `self`"
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(max_retries=5)
            def sync_user(self, user_id):  # error@15: CEL201
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)
            """
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True)  # error@14: CEL201
            def heartbeat():
                return "ok"
            """
        ),
        Invalid(
            """
            from proj.celery import app


            @app.task
            def refresh(self, feed_id):  # error@13: CEL201
                return self.request.id
            """,
            path="proj/tasks.py",
            files={
                "proj/__init__.py": "",
                "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n",
            },
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=5)
            def sync_user(task, user_id):
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise task.retry(exc=exc)
            """
        ),
        Valid(
            """
            from celery import shared_task

            RETRYING = {"bind": True, "max_retries": 5}


            @shared_task(**RETRYING)
            def sync_user(self, user_id):
                raise self.retry()
            """
        ),
        Valid(
            """
            from celery import shared_task

            bound_task = shared_task(bind=True)


            @bound_task
            def sync_user(self, user_id):
                return self.request.id
            """
        ),
        Valid(
            """
            from celery import shared_task

            from proj.options import options


            @shared_task(**options())
            def sync_user(self, user_id):
                return self.request.id
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def renew(job):
                job.retry()  # a model's own retry(), not a task's


            @shared_task(bind=True)
            def collect(*args):
                return args
            """
        ),
        Valid(
            """
            import functools


            def logged(func):
                @functools.wraps(func)
                def wrapper(self, *args):
                    return func(self, *args)

                return wrapper


            class Report:
                @logged
                def render(self, fmt):
                    return fmt
            """
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = task_body(self.ctx)
        if body is None or body.is_class or enclosing_class(self.ctx) is not None:
            return
        first = first_parameter(node)
        if first is not None and first.name.value == "self":
            self.report(first, task=node.name.value, condition=body.condition(("bind", False)))
            return
        scope = self.ctx.function
        call = scope.task.call if scope is not None and scope.task is not None else None
        if first is not None or call is None or isinstance(node.params.star_arg, cst.Param):
            return
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "bind":
                if evaluate(arg.value, self.ctx.resolve) is True:
                    self.report(
                        arg,
                        message=(
                            f"`bind=True` on `{node.name.value}`, which takes no parameter; "
                            "Celery passes the task as the first argument and the call fails"
                        ),
                        condition=body.condition(("bind", True)),
                    )
                return
