"""Which task's code is the traversal in, and which name is the task object?

Phase 1 sees one file. A function is a task body when a (maybe) task decorator is on it
(``ctx.function.task``); a method is a task body when its class (maybe) derives from
``celery.Task``. Whether the decorator really makes a task, whether ``bind`` is really
True and what the effective options are is only known in phase 2, so the helpers here hand
rules a ready ``TaskCondition`` to attach to their findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.diagnostics import TaskCondition
from celerylint.semantics.tasks import task_class_candidate

if TYPE_CHECKING:
    from celerylint.kit.context import FileContext

#: decorators that make a method's first parameter something other than the instance
_NOT_INSTANCE_METHODS = frozenset({"builtins.staticmethod", "builtins.classmethod"})


@dataclass(frozen=True, slots=True)
class TaskBody:
    """The (maybe) task whose body the traversal is in."""

    #: ``TaskCondition.function``: the task function's qualname, or the task class's name
    function: str
    node: cst.FunctionDef
    is_class: bool  # a method of a (maybe) ``celery.Task`` subclass
    method: str  # the method's name for class-based tasks ("run", "on_failure" ...), else ""
    #: the parameter that is the task object when the task is bound (the first one)
    self_name: str | None

    @property
    def is_run(self) -> bool:
        """The code that runs per message: a task function, or ``run`` of a task class."""
        return not self.is_class or self.method == "run"

    def condition(
        self, *options: tuple[str, object], any_truthy: tuple[str, ...] = ()
    ) -> TaskCondition:
        """Keep the finding only if phase 2 confirms this task (and the given options)."""
        holder = "class" if self.is_class else "function"
        return TaskCondition(self.function, tuple(options), holder, any_truthy=any_truthy)

    def bound_condition(self, *options: tuple[str, object]) -> TaskCondition:
        """As :meth:`condition`, and ``self_name`` must really be the task object (``bind``
        must be True for a task function; a task class's methods always are bound)."""
        if self.is_class:
            return self.condition(*options)
        return self.condition(("bind", True), *options)


def first_parameter(node: cst.FunctionDef | cst.Lambda) -> cst.Param | None:
    params = node.params
    if params.posonly_params:
        return params.posonly_params[0]
    if params.params:
        return params.params[0]
    return None


def _is_instance_method(node: cst.FunctionDef, ctx: FileContext) -> bool:
    for decorator in node.decorators:
        ref = ctx.resolve(decorator.decorator)
        if ref in _NOT_INSTANCE_METHODS:
            return False
    return True


def enclosing_class(ctx: FileContext) -> cst.ClassDef | None:
    """The class whose body directly holds the innermost function (a method), if any."""
    frames = ctx.resolver.frames
    if len(frames) < 2 or frames[-2].kind != "class" or not ctx.classes:
        return None
    cls = frames[-2].node
    return cls if isinstance(cls, cst.ClassDef) and cls is ctx.classes[-1] else None


def class_qualname(ctx: FileContext) -> str | None:
    """``ctx.classes[-1]``'s name when it is a module-level class (classes in functions or
    other classes are not indexed as task classes)."""
    frames = ctx.resolver.frames
    if len(ctx.classes) != 1 or any(f.kind == "function" for f in frames[:-1]):
        return None
    if frames[-1].kind == "class":
        return ctx.classes[0].name.value
    if len(frames) >= 2 and frames[-2].kind == "class":
        return ctx.classes[0].name.value
    return None


def class_may_be_task(cls: cst.ClassDef, ctx: FileContext) -> bool:
    """Could ``cls`` derive from ``celery.Task`` (directly, via an app's ``Task`` or a
    project base class the index resolves)?"""
    bases = [ref for arg in cls.bases if arg.keyword is None and (ref := ctx.resolve(arg.value))]
    return task_class_candidate(bases) is not False


def task_body(ctx: FileContext) -> TaskBody | None:
    """The task whose code the innermost function is, or None (nested functions, lambdas
    and ordinary functions are not task bodies)."""
    scope = ctx.function
    if scope is None or not isinstance(scope.node, cst.FunctionDef):
        return None
    node = scope.node
    if scope.task is not None:
        first = first_parameter(node)
        return TaskBody(scope.qualname, node, False, "", first.name.value if first else None)
    cls = enclosing_class(ctx)
    if cls is None or not class_may_be_task(cls, ctx):
        return None
    name = class_qualname(ctx)
    if name is None:
        return None
    first = first_parameter(node) if _is_instance_method(node, ctx) else None
    return TaskBody(name, node, True, node.name.value, first.name.value if first else None)


def task_class_body(ctx: FileContext) -> str | None:
    """The name of the (maybe) task class whose body (not a method) the traversal is in."""
    if ctx.functions or not ctx.classes:
        return None
    name = class_qualname(ctx)
    if name is None or not class_may_be_task(ctx.classes[0], ctx):
        return None
    return name


def is_name(node: cst.BaseExpression, name: str | None) -> bool:
    return name is not None and isinstance(node, cst.Name) and node.value == name
