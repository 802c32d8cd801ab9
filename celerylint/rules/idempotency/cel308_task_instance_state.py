from __future__ import annotations

from typing import Any

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.kit.context import FileContext
from celerylint.kit.cst_walk import visit_read_only
from celerylint.kit.names import bind_target_names
from celerylint.kit.values import UNKNOWN, Resolver, Value, evaluate
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import TaskBody, enclosing_class, is_name, task_body

_MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "pop", "remove", "clear"}
)
#: the request context is per message by design
_PER_REQUEST = frozenset({"request", "request_stack"})


def _mutable_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.List | cst.Dict | cst.Set)


def _constant(node: cst.BaseExpression, resolve: Resolver) -> Value:
    """The literal constant written (``True``, ``None``, ``3``, ``"bulk"``), else UNKNOWN."""
    value = evaluate(node, resolve)
    return value if value is None or isinstance(value, bool | int | float | str) else UNKNOWN


class _Writes(cst.CSTVisitor):
    """Every write to ``<self>.<attr>`` in a scope, by attribute: the constants written, with
    UNKNOWN for anything else (a computed value, ``+=``)."""

    def __init__(self, self_name: str, resolve: Resolver) -> None:
        self.self_name = self_name
        self._resolve = resolve
        self.values: dict[str, set[Value]] = {}

    def _attr(self, target: cst.BaseExpression) -> str | None:
        if isinstance(target, cst.Attribute) and is_name(target.value, self.self_name):
            return target.attr.value
        return None

    def _add(self, target: cst.BaseExpression, value: Value) -> None:
        attr = self._attr(target)
        if attr is not None:
            self.values.setdefault(attr, set()).add(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        attrs = {self._attr(t.target) for t in node.targets} - {None}
        if attrs:
            value = _constant(node.value, self._resolve)
            for t in node.targets:
                self._add(t.target, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._add(node.target, _constant(node.value, self._resolve))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target, UNKNOWN)


class TaskInstanceState(FileRule):
    """
    ## What it does
    Reports state kept on the task object between messages: an assignment to
    `self.<attr>` (also `+=`) in a bound task or in a method of a `celery.Task` subclass,
    and, in a `celery.Task` subclass, a mutation of a mutable class attribute
    (`self.seen.append(x)`, `self.cache[key] = value` when `seen = []` / `cache = {}` is in the
    class body). Attributes starting with `_` are deliberate caches (the `DatabaseTask._db`
    pattern of the docs) and are not reported, nor is `__init__`, nor `self.request`.

    ## Why is this bad?
    A task is instantiated once per worker process, not once per message: "the task class
    is semantically closer to an Actor" (Tasks guide → *Custom task classes →
    Instantiation*). Anything stored on it survives into the next message that process
    runs: a customer's data shows up in another customer's run, lists grow forever.

    ## Use instead
    ```python
    @shared_task(bind=True)
    def import_feed(self, url):
        items = fetch(url)
        store(items)
    ```

    ## Fix safety
    There is no fix.
    """

    code = "CEL308"
    name = "task-instance-state"
    message = "`{target}` stores state on the task object, which outlives this message in the worker process; use a local variable"
    severity = Severity.WARNING
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def import_feed(task, url):
                task.items = fetch(url)  # error: CEL308
                task.count += 1  # error: CEL308
                return task.items
            """
        ),
        Invalid(
            """
            from celery import Task


            class ImportTask(Task):
                seen = []
                cache = {}

                def run(self, url):
                    self.seen.append(url)  # error: CEL308
                    self.cache[url] = fetch(url)  # error: CEL308
                    self.last_url = url  # error: CEL308
                    return url
            """
        ),
        Valid(
            """
            from celery import Task, shared_task


            class DatabaseTask(Task):
                _db = None
                names = ("a", "b")

                def __init__(self):
                    self.connections = 0

                @property
                def db(self):
                    if self._db is None:
                        self._db = connect()
                    return self._db

                def run(self, key):
                    self.request.chain = None
                    return self.names, self.db.get(key)


            @shared_task
            def not_bound(record, value):
                record.value = value  # `record` is an argument, not the task
                return record


            class Report:
                def build(self, rows):
                    self.rows = rows  # not a task
            """
        ),
        Valid(
            """
            from celery import Task, shared_task


            class TrackedTask(Task):
                bulk = False

                def on_failure(self, exc, task_id, args, kwargs, einfo):
                    mark_failed(task_id, bulk=self.bulk)


            @shared_task(bind=True, base=TrackedTask)
            def import_batch(self, batch_id):
                self.bulk = True  # the same constant on every run: a flag, not state
                return load(batch_id)
            """
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def import_batch(self, batch_id, bulk):
                if bulk:
                    self.mode = "bulk"  # error: CEL308
                else:
                    self.mode = "single"  # error: CEL308
                return load(batch_id, self.mode)
            """
        ),
    )

    def __init__(self, ctx: FileContext, options: Any) -> None:
        super().__init__(ctx, options)
        #: by (scope, self name): the scope and its writes to the task's attributes
        self._writes: dict[tuple[int, str], tuple[cst.CSTNode, dict[str, set[Value]]]] = {}

    def _body(self) -> TaskBody | None:
        body = task_body(self.ctx)
        if body is None or body.self_name is None:
            return None
        if body.is_class and (body.method.startswith("__") and body.method.endswith("__")):
            return None
        return body

    def _check_target(self, target: cst.BaseExpression) -> None:
        body = self._body()
        if body is None:
            return
        if isinstance(target, cst.Attribute) and is_name(target.value, body.self_name):
            attr = target.attr.value
            if not attr.startswith("_") and attr not in _PER_REQUEST:
                self.report(
                    target,
                    target=cst.Module([]).code_for_node(target),
                    condition=body.bound_condition(),
                )
        elif isinstance(target, cst.Subscript) and body.is_class:
            self._check_shared(target.value, target, body)

    def _check_shared(self, holder: cst.BaseExpression, node: cst.CSTNode, body: TaskBody) -> None:
        """``self.<attr>`` where ``<attr>`` is a mutable literal in the class body."""
        if not (isinstance(holder, cst.Attribute) and is_name(holder.value, body.self_name)):
            return
        attr = holder.attr.value
        if attr.startswith("_") or attr not in self._class_mutables():
            return
        self.report(
            node,
            message=(
                f"`{cst.Module([]).code_for_node(node)}` changes the class attribute "
                f"`{attr}`, shared by every message this worker process runs; "
                "use a local variable"
            ),
            condition=body.bound_condition(),
        )

    def _class_mutables(self) -> set[str]:
        cls = enclosing_class(self.ctx)
        names: set[str] = set()
        if cls is None or not isinstance(cls.body, cst.IndentedBlock):
            return names
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and _mutable_literal(small.value):
                        for target in small.targets:
                            names.update(bind_target_names(target.target))
        return names

    def _same_constant_every_run(self, target: cst.Attribute, value: cst.BaseExpression) -> bool:
        """``self.bulk = True`` where every write of ``bulk`` in this task writes that same
        constant: each message sets the same value, so nothing carries over between them
        (a flag the base class's handlers read, written where a decorator option would do)."""
        body = self._body()
        if body is None or body.self_name is None or _constant(value, self.ctx.resolve) is UNKNOWN:
            return False
        scope: cst.CSTNode | None = enclosing_class(self.ctx) if body.is_class else None
        if scope is None and self.ctx.function is not None:
            scope = self.ctx.function.node
        if scope is None:
            return False
        key = (id(scope), body.self_name)
        writes = self._writes.get(key)
        if writes is None:  # one read of the scope for all its assignments
            found = _Writes(body.self_name, self.ctx.resolve)
            visit_read_only(scope, found)
            writes = self._writes[key] = (scope, found.values)
        values = writes[1].get(target.attr.value, set())
        return len(values) == 1 and UNKNOWN not in values

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and self._same_constant_every_run(
                target.target, node.value
            ):
                continue
            self._check_target(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._check_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check_target(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS):
            return
        body = self._body()
        if body is not None and body.is_class:
            self._check_shared(func.value, node, body)
