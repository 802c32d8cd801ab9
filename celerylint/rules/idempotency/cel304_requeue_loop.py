from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity, TaskCondition
from celerylint.kit.values import evaluate
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics import celery_data
from celerylint.semantics.task_scope import task_body, task_class_body
from celerylint.semantics.tasks import is_task_decorator_callee

_REJECT = frozenset({"celery.exceptions.Reject"})
_SETTING = "task_reject_on_worker_lost"
#: every spelling of the setting Celery reads (new, Django-namespaced, old)
SETTING_NAMES = frozenset(
    {
        _SETTING,
        f"CELERY_{_SETTING.upper()}",
        *(old for old, new in celery_data.OLD_TO_NEW.items() if new == _SETTING),
    }
)
_OPTION = "reject_on_worker_lost"


class RequeueLoop(FileRule):
    """
    ## What it does
    Reports code that can put a message back on the queue forever: `raise Reject(...,
    requeue=True)` without a `redelivered` check, and `reject_on_worker_lost=True`.

    - `raise Reject(..., requeue=True)` counts in a function that never looks at
      `self.request.delivery_info["redelivered"]`;
    - `reject_on_worker_lost=True` counts on a task (decorator, decorator alias,
      `celery.Task` subclass) and as the `task_reject_on_worker_lost` setting in any
      spelling (`CELERY_TASK_REJECT_ON_WORKER_LOST`, `CELERY_REJECT_ON_WORKER_LOST`).

    Both only take effect with `acks_late`; without it they are no-ops, which is worth
    knowing too.

    ## Why is this bad?
    A message that fails the same way every time (a poison message), or that kills the
    worker process (out of memory, a segfault), is requeued and delivered again, in a loop
    that never ends and can take every worker down with it. Tasks guide → *Semipredicates →
    Reject*: "be very careful … it can easily result in an infinite message loop";
    Configuration → `task_reject_on_worker_lost`: "Enabling this can cause message loops".
    Celery 5.7 adds `retry_on_worker_lost`, which re-sends through `retry()` and is bounded
    by `max_retries`.

    ## Use instead
    ```python
    @shared_task(bind=True, acks_late=True)
    def import_feed(self, url):
        try:
            parse(url)
        except ParseError as exc:
            redelivered = self.request.delivery_info.get("redelivered")
            raise Reject(exc, requeue=not redelivered)  # requeue once, then dead-letter
    ```

    ## Fix safety
    There is no fix.
    """

    code = "CEL304"
    name = "requeue-loop"
    message = "`raise Reject(..., requeue=True)` without a `redelivered` check: a message that always fails is requeued forever"
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from celery import shared_task
            from celery.exceptions import Reject


            @shared_task(bind=True, acks_late=True)
            def import_feed(self, url):
                try:
                    return parse(url)
                except ValueError as exc:
                    raise Reject(exc, requeue=True)  # error: CEL304
            """
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery, Task

                    app = Celery("proj")
                    crash_safe = app.task(acks_late=True, reject_on_worker_lost=True)  # error@39: CEL304


                    class CrashSafeTask(Task):
                        acks_late = True
                        reject_on_worker_lost = True  # error: CEL304


                    @app.task(acks_late=True, reject_on_worker_lost=True)  # error@27: CEL304
                    def render(report_id):
                        return report_id
                """,
                "proj/settings.py": """
                    CELERY_TASK_ACKS_LATE = True
                    CELERY_TASK_REJECT_ON_WORKER_LOST = True  # error: CEL304
                """,
            }
        ),
        Valid(
            """
            from celery import shared_task
            from celery.exceptions import Reject


            @shared_task(bind=True, acks_late=True)
            def import_feed(self, url):
                try:
                    return parse(url)
                except ValueError as exc:
                    if self.request.delivery_info.get("redelivered"):
                        raise Reject(exc, requeue=False)
                    raise Reject(exc, requeue=True)


            @shared_task(acks_late=True, retry_on_worker_lost=True, max_retries=3)
            def render(report_id):
                return report_id
            """
        ),
        Valid(
            """
            from some_queue import Reject, registry

            reject_on_worker_lost = True  # a module constant, not a setting


            @registry.task(reject_on_worker_lost=True)
            def not_celery():
                raise Reject("x", requeue=True)
            """
        ),
    )

    def __init__(self, ctx: object, options: object) -> None:
        super().__init__(ctx, options)  # type: ignore[arg-type]
        self._rejects: dict[int, list[cst.Raise]] = {}
        self._checked: set[int] = set()

    # -- raise Reject(requeue=True) ----------------------------------------------------------

    def visit_Raise(self, node: cst.Raise) -> None:
        fn = self.ctx.function
        exc = node.exc
        if fn is None or not isinstance(exc, cst.Call):
            return
        if self.ctx.resolve(exc.func) not in _REJECT:
            return
        requeue = None
        for i, arg in enumerate(exc.args):
            if (arg.keyword is not None and arg.keyword.value == "requeue") or (
                arg.keyword is None and not arg.star and i == 1
            ):
                requeue = evaluate(arg.value, self.ctx.resolve)
        if requeue is True:
            self._rejects.setdefault(id(fn.node), []).append(node)

    def _mark_checked(self) -> None:
        fn = self.ctx.function
        if fn is not None:
            self._checked.add(id(fn.node))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "redelivered":
            self._mark_checked()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "redelivered" in node.value:
            self._mark_checked()

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        found = self._rejects.pop(id(node), [])
        if id(node) in self._checked:
            self._checked.discard(id(node))
            return
        for raise_node in found:
            self.report(raise_node)

    # -- reject_on_worker_lost=True --------------------------------------------------------

    def _report_option(self, node: cst.CSTNode, condition: TaskCondition | None) -> None:
        self.report(
            node,
            message=(
                "`reject_on_worker_lost=True` requeues a message whose worker died, so one "
                "that kills its worker loops forever; prefer `retry_on_worker_lost=True` "
                "(Celery 5.7+), which `max_retries` bounds"
            ),
            condition=condition,
        )

    def _option_args(self, call: cst.Call) -> list[cst.Arg]:
        return [
            arg
            for arg in call.args
            if arg.keyword is not None
            and arg.keyword.value == _OPTION
            and evaluate(arg.value, self.ctx.resolve) is True
        ]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = self.ctx.function
        if scope is None or scope.task is None or scope.task.call is None:
            return
        body = task_body(self.ctx)
        if body is None:
            return
        for arg in self._option_args(scope.task.call):
            self._report_option(arg, body.condition())

    def visit_Assign(self, node: cst.Assign) -> None:
        ctx = self.ctx
        if ctx.functions or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if not isinstance(target, cst.Name):
            return
        name = target.value
        if ctx.classes:
            cls = task_class_body(ctx)
            if cls is not None and name == _OPTION and self._true(node.value):
                self._report_option(node, TaskCondition(cls, holder="class"))
            return
        value = node.value
        if isinstance(value, cst.Call):
            ref = ctx.resolve(value.func)
            if ref is not None and is_task_decorator_callee(ref):
                for arg in self._option_args(value):
                    self._report_option(arg, TaskCondition(name, holder="factory"))
        elif name in SETTING_NAMES and name != _OPTION and self._true(value):
            self.report(
                node,
                message=(
                    f"`{name} = True` requeues every message whose worker died, so one that "
                    "kills its worker loops forever; prefer `task_retry_on_worker_lost` "
                    "(Celery 5.7+), which `max_retries` bounds"
                ),
            )

    def _true(self, node: cst.BaseExpression) -> bool:
        return evaluate(node, self.ctx.resolve) is True
