from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.names import function_parameters
from celerylint.semantics.task_scope import task_body

_MUTABLE_CALLS = frozenset(
    {
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.deque",
        "collections.Counter",
    }
)


class MutableDefaultInTask(FileRule):
    """
    ## What it does
    Reports task parameters whose default is a mutable object: `[]`, `{}`, a set literal, or
    `list()`, `dict()`, `set()`, `collections.defaultdict()`... (on a task function, or on
    `run` of a `celery.Task` subclass).

    ## Why is this bad?
    Python evaluates a default once, when the function is defined, and a worker process
    defines the task once and then runs many messages with it (Tasks guide → *Custom task
    classes → Instantiation*). Whatever one run appends to the default is still there in
    the next run in that process: data leaks between messages and grows without bound.

    ## Example
    ```python
    @shared_task
    def tag_order(order_id, tags=[]):
        tags.append("seen")
        save_tags(order_id, tags)
    ```

    ## Use instead
    ```python
    @shared_task
    def tag_order(order_id, tags=None):
        tags = [*(tags or []), "seen"]
        save_tags(order_id, tags)
    ```

    ## Fix safety
    There is no fix yet. A `None` default plus an `if tags is None: tags = []` prologue would
    be a safe fix.
    """

    code = "CEL307"
    name = "mutable-default-in-task"
    message = "Mutable default `{default}` for `{param}` of task `{task}` is shared by every run in a worker process; default to `None`"
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from collections import defaultdict

            from celery import shared_task


            @shared_task
            def tag_order(order_id, tags=[], extra={}, seen=set(), *, counts=defaultdict(int)):  # error@30: CEL307  # error@40: CEL307  # error@49: CEL307  # error@66: CEL307
                tags.append("seen")
                return tags
            """
        ),
        Invalid(
            """
            from celery import Task


            class TagTask(Task):
                def run(self, order_id, tags={"new"}):  # error@34: CEL307
                    return tags
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def tag_order(order_id, tags=None, fields=("id",), limit=10):
                tags = [*(tags or []), "seen"]
                return tags, fields, limit


            def helper(items=[]):  # not a task
                return items
            """
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = task_body(self.ctx)
        if body is None or not body.is_run:
            return
        name = body.function if body.is_class else node.name.value
        for param in function_parameters(node.params):
            default = param.default
            if default is None or not self._mutable(default):
                continue
            self.report(
                default,
                default=cst.Module([]).code_for_node(default),
                param=param.name.value,
                task=name,
                condition=body.condition(),
            )

    def _mutable(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.List | cst.Dict | cst.Set | cst.ListComp | cst.DictComp):
            return True
        if isinstance(node, cst.SetComp):
            return True
        return isinstance(node, cst.Call) and self.ctx.resolve(node.func) in _MUTABLE_CALLS
