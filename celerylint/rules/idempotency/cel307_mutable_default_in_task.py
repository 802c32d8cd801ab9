from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.kit.cst_walk import visit_read_only
from celerylint.kit.edits import NodeFix, Replacement
from celerylint.kit.fixkit import prepend_to_body
from celerylint.kit.names import function_parameters
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import task_body

#: methods that change a list, dict, set, deque or Counter in place
_MUTATORS = frozenset(
    {
        "append",
        "appendleft",
        "add",
        "clear",
        "discard",
        "extend",
        "extendleft",
        "insert",
        "pop",
        "popitem",
        "popleft",
        "remove",
        "reverse",
        "rotate",
        "setdefault",
        "sort",
        "subtract",
        "update",
    }
)

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


class _Mutations(cst.CSTVisitor):
    """Names a function body changes in place (``x.append()``, ``x[k] = v``, ``x += y``,
    ``del x[k]``) and names it binds afresh (``x = ...``), nested functions included."""

    def __init__(self) -> None:
        self.mutated: set[str] = set()
        self.rebound: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in _MUTATORS
        ):
            self.mutated.add(func.value.value)

    def _target(self, target: cst.BaseExpression, *, item_only: bool = False) -> None:
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self.mutated.add(target.value.value)
        elif isinstance(target, cst.Name) and not item_only:
            self.rebound.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._target(element.value, item_only=item_only)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.mutated.add(node.target.value)  # ``tags += [...]`` extends the list itself
        else:
            self._target(node.target, item_only=True)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target, item_only=True)


def _mutated_in_place(node: cst.FunctionDef) -> frozenset[str]:
    """Parameters the body changes in place and never rebinds (after ``tags = list(tags)``
    the body works on a copy)."""
    found = _Mutations()
    visit_read_only(node.body, found)
    return frozenset(found.mutated - found.rebound)


class MutableDefaultInTask(FileRule):
    """
    ## What it does
    Reports task parameters whose default is a mutable object (`[]`, `{}`, a set literal, or
    `list()`, `dict()`, `set()`, `collections.defaultdict()`...) that the task changes in
    place (`tags.append(...)`, `extra[key] = ...`, `tags += [...]`, `del extra[key]`), on a
    task function or on `run` of a `celery.Task` subclass. A default the task only reads,
    copies or passes on is not reported: nothing leaks through it.

    ## Why is this bad?
    Python evaluates a default once, when the function is defined, and a worker process
    defines the task once and then runs many messages with it (Tasks guide → *Custom task
    classes → Instantiation*). Whatever one run appends to the default is still there in
    the next run in that process: data leaks between messages and grows without bound.

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
                extra["seen"] = True
                seen.add(order_id)
                counts[order_id] += 1
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
                extra["seen"] = True
                seen.add(order_id)
                counts[order_id] += 1
                return tags
            """,
        ),
        Invalid(
            """
            from celery import Task


            class TagTask(Task):
                def run(self, order_id, tags={"new"}):  # error@34: CEL307
                    tags.add("seen")
                    return tags
            """
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task
            def merge_totals(batch, totals={}, names=[]):  # error@32: CEL307  # error@42: CEL307
                for key, value in batch:
                    totals[key] = totals.get(key, 0) + value
                names += [key for key, _ in batch]
                return totals, names
            """,
            fixed="""
            from celery import shared_task


            @shared_task
            def merge_totals(batch, totals=None, names=None):  # error@32: CEL307  # error@42: CEL307
                if totals is None:
                    totals = {}
                if names is None:
                    names = []
                for key, value in batch:
                    totals[key] = totals.get(key, 0) + value
                names += [key for key, _ in batch]
                return totals, names
            """,
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def tag_order(order_id, tags=None, fields=("id",), limit=10):
                tags = [*(tags or []), "seen"]
                return tags, fields, limit


            def helper(items=[]):  # not a task
                items.append(1)
                return items
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def cancel_event(self, event_id, subject={}, message={}, recipients=[]):
                subject = Translated(subject)  # read only, then rebound: nothing leaks
                recipients = list(recipients)
                recipients.append("ops@example.com")  # the copy, not the default
                notify(event_id, subject, Translated(message), recipients)


            @shared_task
            def record(arg_dict={}):
                return arg_dict.get("task_id"), arg_dict["msg"]
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
        if not mutable:
            return
        changed = _mutated_in_place(node)
        mutable = [p for p in mutable if p.name.value in changed]
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
