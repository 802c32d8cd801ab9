from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity, TaskCondition
from celerylint.kit.names import dotted_name
from celerylint.rules.base import FileRule, Invalid, Valid

#: decorators that register a function somewhere and return it unchanged, or (like
#: ``staticmethod`` in a class body) give the task object back on access: above a task
#: decorator they keep the task, so the order does not matter
_REGISTERING = frozenset(
    {"django.dispatch.receiver", "django.dispatch.dispatcher.receiver", "builtins.staticmethod"}
)


def _registers_only(ref: str | None) -> bool:
    if ref is None:
        return False
    # ``@task_failure.connect`` and friends: Celery's Signal.connect returns the function
    return ref in _REGISTERING or (ref.startswith("celery.signals.") and ref.endswith(".connect"))


class TaskDecoratorNotOutermost(FileRule):
    """
    ## What it does
    Reports `@app.task` or `@shared_task` (or a task decorator alias) that is not the first,
    outermost decorator of a function. The finding sits on the task decorator; a function
    counts once the project index confirms the decorator makes a Celery task.

    Decorators that only register the function and return it unchanged may go above the
    task decorator: Django's `@receiver(...)` and Celery signals' `@<signal>.connect`; so
    may `@staticmethod` in a class body, which hands the task object back on access.

    ## Why is this bad?
    Decorators apply bottom-up. A decorator above the task decorator wraps the *task
    object* in a plain function, so the module-level name is no longer the task:
    `notify.delay()` raises `AttributeError`, and calling it runs the task synchronously in
    the caller. Celery's task guide (*Basics → Multiple decorators*) says the task
    decorator must be applied last, which means first in the list.

    ## Use instead
    ```python
    @shared_task
    @logged
    def notify_admins(message): ...
    ```

    ## Fix safety
    The fix moves the task decorator to the top of the list. It is safe: the task then
    wraps the decorated function, which is what the code meant (callers get `.delay()`
    back, and the other decorators run inside the worker).
    """

    code = "CEL105"
    name = "task-decorator-not-outermost"
    message = "`@{decorator}` must be the outermost decorator of `{function}`; decorators above it wrap the task object and hide `.delay()`"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            """
            import functools

            from celery import shared_task


            def logged(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    return func(*args, **kwargs)

                return wrapper


            @logged
            @shared_task  # error: CEL105
            def notify_admins(message):
                return message


            @functools.lru_cache(maxsize=None)
            @shared_task(bind=True)  # error: CEL105
            def lookup(self, key):
                return key
            """,
            fixed="""
            import functools

            from celery import shared_task


            def logged(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    return func(*args, **kwargs)

                return wrapper


            @shared_task  # error: CEL105
            @logged
            def notify_admins(message):
                return message


            @shared_task(bind=True)  # error: CEL105
            @functools.lru_cache(maxsize=None)
            def lookup(self, key):
                return key
            """,
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                """,
                "proj/decorators.py": """
                    def timed(func):
                        return func
                """,
                "proj/tasks.py": """
                    from proj.celery import app
                    from proj.decorators import timed


                    @timed
                    @app.task(acks_late=True)  # error: CEL105
                    def rebuild(pk):
                        return pk
                """,
            }
        ),
        Valid(
            """
            import functools

            from celery import shared_task
            from celery.signals import task_failure
            from django.db.models.signals import post_save
            from django.dispatch import receiver


            def logged(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    return func(*args, **kwargs)

                return wrapper


            @shared_task
            @logged
            def notify_admins(message):
                return message


            @receiver(post_save, sender="shop.Order")
            @shared_task(ignore_result=True)
            def order_saved(sender, **kwargs):
                return None


            @task_failure.connect
            @shared_task
            def report_failure(sender=None, **kwargs):
                return None


            class Checkout:
                @staticmethod
                @shared_task(ignore_result=True)
                def refresh_heuristics(event_id):
                    return event_id
            """
        ),
        Valid(
            files={
                "tasks.py": """
                    from invoke import task


                    @staticmethod
                    @task
                    def deploy(c):
                        c.run("make deploy")
                """,
                "jobs.py": """
                    from proj.registry import registry


                    @registry.register
                    @registry.task
                    def nightly():
                        return None
                """,
            }
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        fn = self.ctx.function
        if fn is None or fn.node is not node or fn.task is None or fn.task.index == 0:
            return
        task = fn.task
        above = node.decorators[: task.index]
        if all(_registers_only(self.ctx.resolve(_callee(d))) for d in above):
            return
        expr = task.call.func if task.call is not None else task.node.decorator
        decorators = list(node.decorators)
        moved = decorators.pop(task.index)
        top = moved.with_changes(leading_lines=decorators[0].leading_lines)
        decorators[0] = decorators[0].with_changes(leading_lines=moved.leading_lines)
        self.report(
            task.node,
            decorator=dotted_name(expr) or task.ref,
            function=node.name.value,
            condition=TaskCondition(fn.qualname),
            fix=self.fix(
                {node: node.with_changes(decorators=[top, *decorators])},
                "Move the task decorator to the top",
            ),
        )


def _callee(decorator: cst.Decorator) -> cst.BaseExpression:
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr
