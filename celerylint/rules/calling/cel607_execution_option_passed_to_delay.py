from __future__ import annotations

import dataclasses

import libcst as cst

from celerylint.diagnostics import Diagnostic, Fix, FixSafety, Severity, TaskCondition
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.call_shapes import DELAY_METHODS
from celerylint.semantics.calls import CALL_OPTIONS

_DELAY_METHODS = DELAY_METHODS
_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _apply_async(call: cst.Call, func: cst.Attribute, options: set[str]) -> cst.Call:
    """``t.delay(a, k=1, countdown=60)`` as ``t.apply_async((a,), {"k": 1}, countdown=60)``."""
    positional = [a for a in call.args if a.keyword is None]
    task_kwargs = [a for a in call.args if a.keyword is not None and a.keyword.value not in options]
    option_args = [a for a in call.args if a.keyword is not None and a.keyword.value in options]
    args: list[cst.Arg] = []
    if positional:
        args.append(cst.Arg(cst.Tuple([cst.Element(a.value) for a in positional])))
    if task_kwargs:
        mapping = cst.Dict(
            [
                cst.DictElement(cst.SimpleString(f'"{a.keyword.value}"'), a.value)
                for a in task_kwargs
                if a.keyword is not None
            ]
        )
        args.append(
            cst.Arg(mapping)
            if positional
            else cst.Arg(mapping, keyword=cst.Name("kwargs"), equal=_EQUAL)
        )
    args.extend(a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in option_args)
    return call.with_changes(func=func.with_changes(attr=cst.Name("apply_async")), args=args)


class ExecutionOptionPassedToDelay(FileRule):
    """
    ## What it does
    Reports `t.delay(..., countdown=60)` (and `delay_on_commit`) with an execution option
    of `apply_async` (`countdown`, `eta`, `expires`, `queue`, `priority`, `retry`,
    `link`, `task_id`, `headers`, `ignore_result` ... as the installed Celery documents
    them) when the task has no parameter of that name.

    ## Why is this bad?
    `delay(*args, **kwargs)` is `apply_async(args, kwargs)`: every keyword goes to the
    task, none to Celery. The task runs at once, on the default queue, without expiry;
    with `typing` on, the call raises `TypeError`, and a task taking `**kwargs` swallows
    the option silently (Calling guide, *Basics*).

    ## Use instead
    ```python
    cleanup.apply_async((tmp_id,), countdown=60)
    ```

    ## Fix safety
    The fix rewrites the call to `apply_async(args, kwargs, option=...)`, keeping the task's
    own keyword arguments in the `kwargs` mapping. It is safe when the task has no
    `**kwargs` (the option could not have reached it); with `**kwargs` it is unsafe, as
    the task may have been reading the option. Calls with `*args`/`**kwargs` get no fix.
    """

    code = "CEL607"
    name = "execution-option-passed-to-delay"
    message = (
        "`{task}.{method}()` hands {options} to the task as {noun}, not to Celery; "
        "execution options go to `apply_async()`"
    )
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    fix_title = "Rewrite the call to `apply_async()`"
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task
            def cleanup(tmp_id, force=False):
                return tmp_id


            def schedule_cleanup(tmp_id):
                cleanup.delay(tmp_id, countdown=60)  # error: CEL607
                cleanup.delay(tmp_id, force=True, queue="maintenance", expires=3600)  # error: CEL607
                cleanup.delay_on_commit(tmp_id, priority=9)  # error: CEL607
            """,
            fixed="""
            from celery import shared_task


            @shared_task
            def cleanup(tmp_id, force=False):
                return tmp_id


            def schedule_cleanup(tmp_id):
                cleanup.apply_async((tmp_id,), countdown=60)  # error: CEL607
                cleanup.apply_async((tmp_id,), {"force": True}, queue="maintenance", expires=3600)  # error: CEL607
                cleanup.apply_async((tmp_id,), priority=9)  # error: CEL607
            """,
        ),
        Invalid(
            files={
                "ops/__init__.py": "",
                "ops/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def audit(**fields):
                        return fields
                """,
                "ops/signals.py": """
                    from ops.tasks import audit


                    def on_login(user):
                        audit.delay(user=user.pk, headers={"source": "login"})  # error: CEL607
                """,
            },
            fixed={
                "ops/signals.py": """
                    from ops.tasks import audit


                    def on_login(user):
                        audit.apply_async(kwargs={"user": user.pk}, headers={"source": "login"})  # error: CEL607
                """
            },
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def notify(user_id, queue="default"):
                return queue


            def send(user_id, options, scheduler):
                notify.delay(user_id, queue="urgent")  # the task's own parameter
                notify.apply_async((user_id,), countdown=60)
                notify.delay(user_id, **options)
                scheduler.delay(user_id, countdown=60)  # not a task
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _DELAY_METHODS:
            return
        options = [
            a.keyword.value
            for a in node.args
            if a.keyword is not None and a.keyword.value in CALL_OPTIONS
        ]
        if not options:
            return
        ref = self.ctx.resolve(func.value)
        if ref is None:
            return
        fix = None
        if not any(a.star for a in node.args):
            fix = self.fix({node: _apply_async(node, func, set(options))}, self.fix_title or "")
        shown = ", ".join(f"`{name}`" for name in options)
        self.report(
            node,
            condition=TaskCondition("", task_ref=ref, lacks_params=tuple(options)),
            fix=fix,
            task=ref.rsplit(".", 1)[-1],
            method=func.attr.value,
            options=shown,
            noun="a keyword argument" if len(options) == 1 else "keyword arguments",
        )

    @classmethod
    def review_fix(cls, diagnostic: Diagnostic, index: ProjectIndex) -> Fix | None:
        """Unsafe when the task takes ``**kwargs``: it may have been reading the option."""
        fix = diagnostic.fix
        condition = diagnostic.condition
        if fix is None or condition is None or not condition.task_ref:
            return fix
        task = index.task_at(condition.task_ref)
        if task is not None and any(p.kind == "varkw" for p in task.fact.params):
            return dataclasses.replace(fix, safety=FixSafety.UNSAFE)
        return fix
