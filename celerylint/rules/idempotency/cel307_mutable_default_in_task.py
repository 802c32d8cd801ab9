from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.engine.edits import NodeFix, Replacement
from celerylint.engine.fixkit import prepend_to_body
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
    The fix makes the default `None` and starts the task with
    `if tags is None: tags = []` (the old default, made fresh for every run). It is safe:
    each run now starts from the value the code was written for. A caller that passed
    `None` explicitly now gets the empty value too, and a type annotation on the parameter
    may need `| None`. Multi-line defaults are left alone.
    """

    code = "CEL307"
    name = "mutable-default-in-task"
    message = "Mutable default `{default}` for `{param}` of task `{task}` is shared by every run in a worker process; default to `None`"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            """
            from collections import defaultdict

            from celery import shared_task


            @shared_task
            def tag_order(order_id, tags=[], extra={}, seen=set(), *, counts=defaultdict(int)):  # error@30: CEL307  # error@40: CEL307  # error@49: CEL307  # error@66: CEL307
                tags.append("seen")
                return tags
            """,
            fixed="""
            from collections import defaultdict

            from celery import shared_task


            @shared_task
            def tag_order(order_id, tags=None, extra=None, seen=None, *, counts=None):  # error@30: CEL307  # error@40: CEL307  # error@49: CEL307  # error@66: CEL307
                if tags is None:
                    tags = []
                if extra is None:
                    extra = {}
                if seen is None:
                    seen = set()
                if counts is None:
                    counts = defaultdict(int)
                tags.append("seen")
                return tags
            """,
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
        mutable = [
            p
            for p in function_parameters(node.params)
            if p.default is not None and self._mutable(p.default)
        ]
        fix = self._fresh_defaults(node, mutable)
        for param in mutable:
            assert param.default is not None
            self.report(
                param.default,
                default=cst.Module([]).code_for_node(param.default),
                param=param.name.value,
                task=name,
                condition=body.condition(),
                fix=fix,
            )

    def _fresh_defaults(self, node: cst.FunctionDef, params: list[cst.Param]) -> NodeFix | None:
        """One fix for the whole function: ``None`` defaults, and a prologue that makes each
        old default afresh (every finding of the function shares it)."""
        if not params:
            return None
        module = self.ctx.module_node
        config = module.config_for_parsing
        prologue = []
        replacements: dict[cst.CSTNode, Replacement] = {}
        for param in params:
            assert param.default is not None
            name = param.name.value
            value = module.code_for_node(param.default)
            if "\n" in value or "\r" in value:
                return None  # a multi-line default: leave the rewrite to a human
            nl, indent = module.default_newline, module.default_indent
            source = f"if {name} is None:{nl}{indent}{name} = {value}{nl}"
            prologue.append(cst.parse_statement(source, config))
            replacements[param.default] = cst.Name("None")
        start = prepend_to_body(node, prologue)
        if start is None:
            return None
        replacements.update(start)
        return self.fix(replacements, "Default to `None` and create the value in the task")

    def _mutable(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.List | cst.Dict | cst.Set | cst.ListComp | cst.DictComp):
            return True
        if isinstance(node, cst.SetComp):
            return True
        return isinstance(node, cst.Call) and self.ctx.resolve(node.func) in _MUTABLE_CALLS
