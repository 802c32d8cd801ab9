from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity, TaskCondition
from celerylint.kit.edits import NodeFix
from celerylint.kit.fixkit import keyword, with_arguments
from celerylint.kit.scope import TaskDecorator
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.tasks import (
    LEGACY_TASK_REFS,
    SHARED_TASK_REFS,
    generated_task_name,
    is_app_task_ref,
)


class TaskWithoutExplicitName(FileRule):
    """
    ## What it does
    Reports a module-level task whose decorator sets no `name=`, so that Celery names it
    after the module and the function (`billing.tasks.charge`). The finding sits on the
    task decorator and quotes the generated name. A `name` given through a decorator alias
    or a `**options` spread counts; tasks defined inside functions are left alone.
    Off by default: enable it with `extend-select = ["CEL107"]`.

    ## Why is this bad?
    The name travels in every message. After a module is moved or renamed, messages
    already queued, retries, ETA tasks and beat entries still carry the old name, and the
    worker drops them as `Received unregistered task of type ...`. An explicit name
    decouples the wire name from the code layout (Celery's task guide, *Names*).

    ## Use instead
    ```python
    @shared_task(name="billing.charge")
    def charge(order_id): ...
    ```

    ## Fix safety
    The fix adds `name="<the generated name>"` to the task decorator. It is safe: the task
    keeps today's wire name, which now no longer depends on where the code lives.
    Decorator aliases and `**options` spreads are left alone.
    """

    code = "CEL107"
    name = "task-without-explicit-name"
    message = "Task `{function}` has no explicit `name=`; its name `{generated}` changes when the module is moved or renamed"
    severity = Severity.INFO
    default_enabled = False
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files={"billing/__init__.py": ""},
            code="""
            from celery import Celery, shared_task

            app = Celery("billing")


            @shared_task  # error: CEL107
            def charge(order_id):
                return order_id


            @app.task(bind=True, max_retries=3)  # error: CEL107
            def refund(self, order_id):
                return order_id
            """,
            path="billing/tasks.py",
            fixed="""
            from celery import Celery, shared_task

            app = Celery("billing")


            @shared_task(name="billing.tasks.charge")  # error: CEL107
            def charge(order_id):
                return order_id


            @app.task(name="billing.tasks.refund", bind=True, max_retries=3)  # error: CEL107
            def refund(self, order_id):
                return order_id
            """,
        ),
        Valid(
            files={"billing/__init__.py": ""},
            code="""
            from celery import Celery, shared_task

            app = Celery("billing")
            TASK_OPTIONS = {"name": "billing.refund", "acks_late": True}
            billing_task = app.task(name="billing.audit")


            @shared_task(name="billing.charge")
            def charge(order_id):
                return order_id


            @app.task(**TASK_OPTIONS)
            def refund(order_id):
                return order_id


            @billing_task
            def audit(order_id):
                return order_id


            def make_task(suffix):
                @app.task
                def dynamic():
                    return suffix

                return dynamic
            """,
            path="billing/tasks.py",
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        ctx = self.ctx
        fn = ctx.function
        if fn is None or fn.node is not node or fn.task is None:
            return
        if len(ctx.functions) != 1 or ctx.classes:
            return
        task = fn.task
        if task.call is not None and any(
            arg.keyword is not None and arg.keyword.value == "name" for arg in task.call.args
        ):
            return
        generated = generated_task_name(ctx.module, node.name.value)
        self.report(
            task.node,
            function=node.name.value,
            generated=generated,
            condition=TaskCondition(fn.qualname, (("name", None),)),
            fix=self._name_it(task, generated),
        )

    def _name_it(self, task: TaskDecorator, generated: str) -> NodeFix | None:
        """``name="<generated>"`` in the decorator itself (not through an alias or spread)."""
        if not (
            task.ref in SHARED_TASK_REFS
            or task.ref in LEGACY_TASK_REFS
            or is_app_task_ref(task.ref)
        ):
            return None
        name = keyword("name", cst.SimpleString(f'"{generated}"'))
        if task.call is None:
            new: cst.BaseExpression = cst.Call(task.node.decorator, [name])
        elif any(arg.star for arg in task.call.args):
            return None
        else:
            new = with_arguments(task.call, [name], first=True)
        return self.fix(
            {task.node: task.node.with_changes(decorator=new)}, f'Name the task "{generated}"'
        )
