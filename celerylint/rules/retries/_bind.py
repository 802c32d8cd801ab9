"""CEL201's machinery (retry-without-bind): a ``self`` that does not exist in a task
function, the ``bind=True`` decorator of its fix, and whether the project's calls of the
task may pass a value for ``self`` (which makes the fix unsafe)."""

from __future__ import annotations

import libcst as cst

from celerylint.kit.context import FileContext
from celerylint.kit.fixkit import keyword, with_arguments
from celerylint.kit.scope import TaskDecorator
from celerylint.project.calls import beat_arguments
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.semantics.arity import bind
from celerylint.semantics.call_shapes import BATCH_METHODS, SIGNATURE_METHODS
from celerylint.semantics.tasks import LEGACY_TASK_REFS, SHARED_TASK_REFS, is_app_task_ref


def unbound_self(ctx: FileContext, node: cst.FunctionDef) -> cst.Attribute | None:
    """The first ``self.retry``/``self.request``/``self.update_state`` in a task
    function where no ``self`` exists: not a parameter, not bound in the function
    (every ``self`` in it is ``self.<attr>``), not a closure variable, not a global."""
    resolver = ctx.resolver
    frames = resolver.frames
    if resolver.has_star_import or any(
        "self" in frame.bindings for frame in frames[:-1] if frame.kind != "class"
    ):
        return None
    uses: list[cst.Attribute] = []
    if not _only_attribute_uses(node.params, uses) or not _only_attribute_uses(node.body, uses):
        return None
    return next((use for use in uses if use.attr.value in _TASK_ATTRIBUTES), None)


def bound_decorator(task: TaskDecorator) -> cst.Decorator | None:
    """The task decorator with ``bind=True`` (``bind=False`` turned into it), when it is
    Celery's own decorator (not an alias) and spreads no ``**options``."""
    if not (
        task.ref in SHARED_TASK_REFS or task.ref in LEGACY_TASK_REFS or is_app_task_ref(task.ref)
    ):
        return None
    expr = task.node.decorator
    true = cst.Name("True")
    if task.call is None:
        new: cst.BaseExpression = cst.Call(expr, [keyword("bind", true)])
    else:
        if any(arg.star for arg in task.call.args):
            return None
        existing = next(
            (a for a in task.call.args if a.keyword is not None and a.keyword.value == "bind"),
            None,
        )
        if existing is not None:
            new = task.call.with_deep_changes(existing, value=true)
        else:
            new = with_arguments(task.call, [keyword("bind", true)], first=True)
    return task.node.with_changes(decorator=new)


#: what code reaches through the bound task object
_TASK_ATTRIBUTES = frozenset({"retry", "request", "update_state"})


def _only_attribute_uses(node: cst.CSTNode, uses: list[cst.Attribute]) -> bool:
    """Collect the ``self.<attr>`` under ``node`` in source order; False when ``self``
    appears any other way (a parameter, an assignment, ``f(self)``, a keyword ``self=``)."""
    for child in node.children:
        if isinstance(child, cst.Name) and child.value == "self":
            if not (isinstance(node, cst.Attribute) and node.value is child):
                return False
            uses.append(node)
        elif not _only_attribute_uses(child, uses):
            return False
    return True


_SIGNATURES = SIGNATURE_METHODS | BATCH_METHODS


def may_pass_self(index: ProjectIndex, task: Task) -> bool:
    """Could a call of the (unbound) task bind a value to ``self``? True when a call's
    arguments bind with ``self`` as an ordinary parameter, are not literal, or go through a
    signature that a canvas may complete."""
    qualname = task.qualname
    for facts in index.by_path.values():
        for site in facts.call_sites:
            if site.method == "send_task":
                first = site.args[0] if site.args else None
                if not isinstance(first, str) or first != task.name:
                    continue
            elif site.receiver is None:
                continue
            else:
                target = index.task_at(site.receiver)
                if target is None or target.qualname != qualname:
                    continue
                if site.method in _SIGNATURES:
                    return True
            if site.positional is None or site.keywords is None:
                return True
            if bind(task.fact.params, site.positional, site.keywords) is None:
                return True
    for entry in beat_arguments(index):
        if (
            entry.task == task.name
            and bind(task.fact.params, entry.positional, entry.keywords) is None
        ):
            return True
    return False
