"""What is a Celery task? The one place that decides, for every rule."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from celerylint.kit.names import NameResolver
from celerylint.kit.scope import TaskDecorator

#: callables that turn a function into a shared task
SHARED_TASK_REFS = frozenset(
    {"celery.shared_task", "celery.app.shared_task", "celery.app.base.shared_task"}
)
#: removed in Celery 5 but still tasks in intent (CEL801 reports the import)
LEGACY_TASK_REFS = frozenset(
    {
        "celery.task",
        "celery.task.task",
        "celery.task.periodic_task",
        "celery.decorators.task",
        "celery.decorators.periodic_task",
    }
)
CELERY_APP_CLASSES = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
TASK_BASE_CLASSES = frozenset({"celery.Task", "celery.app.task.Task", "celery.app.Task"})

#: decorator roots that never make a Celery task: skip them without a fact
_NOT_TASK_ROOTS = frozenset(
    {
        "builtins",
        "functools",
        "contextlib",
        "typing",
        "typing_extensions",
        "abc",
        "dataclasses",
        "pytest",
        "unittest",
        "django",
        "rest_framework",
        "flask",
        "fastapi",
        "click",
        "attr",
        "attrs",
        "pydantic",
        "asyncio",
        "enum",
    }
)


_STDLIB = frozenset(sys.stdlib_module_names)


def generated_task_name(module: str, function: str) -> str:
    """The name Celery gives a task without a ``name=`` (or with ``name=None``).

    ``gen_task_name`` joins the defining module (as imported, so relative to the source
    root) and the function's ``__name__``: a task defined in a class or function body is
    ``module.func``, not ``module.Outer.func``. ``function`` may be such a qualified name.
    """
    return ".".join(part for part in (module, function.rsplit(".", 1)[-1]) if part)


def importable(module: str) -> bool:
    """Python can import the module by this name: every part is an identifier. A file in
    ``my-scripts/`` or named ``sync-data.py`` is run as a script, never imported, so Celery
    never gives its tasks a generated name the index could predict."""
    return all(part.isidentifier() for part in module.split(".")) if module else True


def is_app_task_ref(ref: str) -> bool:
    return ref.endswith(".task") and ref.count(".") >= 1


def is_task_decorator_callee(ref: str) -> bool:
    """``shared_task`` however imported, or ``<x>.task`` (an app's, if the index agrees)."""
    return ref in SHARED_TASK_REFS or ref in LEGACY_TASK_REFS or is_app_task_ref(ref)


PARTIAL_REFS = frozenset({"functools.partial"})


@dataclass(frozen=True, slots=True)
class DecoratorAlias:
    """A module-level name bound to a task decorator: ``task = app.task``,
    ``retrying = shared_task(acks_late=True)``, ``bound = functools.partial(app.task,
    bind=True)``. ``options`` is the call whose keyword and ``**`` arguments preset options
    (None for a bare reference)."""

    ref: str
    options: cst.Call | None


def decorator_alias(
    value: cst.BaseExpression, resolve: Callable[[cst.BaseExpression], str | None]
) -> DecoratorAlias | None:
    """The task decorator ``value`` stands for, when it is one of the alias forms."""
    if isinstance(value, cst.Name | cst.Attribute):
        ref = resolve(value)
        return DecoratorAlias(ref, None) if ref and is_task_decorator_callee(ref) else None
    if not isinstance(value, cst.Call):
        return None
    positional = [arg for arg in value.args if arg.keyword is None and not arg.star]
    callee = resolve(value.func)
    if callee in PARTIAL_REFS:
        if len(positional) != 1 or positional[0] is not value.args[0]:
            return None
        ref = resolve(value.args[0].value)
        return DecoratorAlias(ref, value) if ref and is_task_decorator_callee(ref) else None
    if positional or callee is None or not is_task_decorator_callee(callee):
        return None  # ``t = shared_task(func)`` makes a task, not a decorator
    return DecoratorAlias(callee, value)


def is_app_task_class_ref(ref: str) -> bool:
    """``<app>.Task``: an app's task base class (the index confirms ``<app>``)."""
    return ref.endswith(".Task") and ref.count(".") >= 1 and ref not in TASK_BASE_CLASSES


def may_be_project_ref(ref: str) -> bool:
    """Could ``ref`` name something the project defines (not the stdlib, Celery, Django ...)?
    Phase 1 keeps such references as candidates for the project index to decide."""
    root = ref.split(".", 1)[0]
    return root not in _NOT_TASK_ROOTS and root != "celery" and root not in _STDLIB


def task_class_candidate(bases: Sequence[str]) -> bool | None:
    """For a class's resolved bases: True when one is ``celery.Task``; None when one may be a
    project ``Task`` subclass or an app's ``Task`` (the index decides); False otherwise."""
    maybe = False
    for base in bases:
        if base in TASK_BASE_CLASSES:
            return True
        if is_app_task_class_ref(base) or may_be_project_ref(base):
            maybe = True
    return None if maybe else False


def find_task_decorator(
    decorators: Sequence[cst.Decorator],
    resolver: NameResolver,
    local_apps: frozenset[str],
    local_aliases: frozenset[str],
) -> TaskDecorator | None:
    """Pick the decorator that may create a Celery task, if any.

    ``confirmed`` is True for ``shared_task`` (however imported), ``<app>.task`` where the
    app is a ``Celery(...)`` made in this module, and module-level decorator aliases; other
    candidates (``@app.task`` on an imported app, an imported alias or wrapper) are left
    for the project index to confirm.
    """
    candidate: TaskDecorator | None = None
    for index, decorator in enumerate(decorators):
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        callee = call.func if call is not None else expr
        ref = resolver.resolve(callee)
        if ref is None:
            continue
        if ref in SHARED_TASK_REFS or ref in LEGACY_TASK_REFS or ref in local_aliases:
            return TaskDecorator(decorator, index, ref, call, True)
        if is_app_task_ref(ref):
            confirmed = ref[: -len(".task")] in local_apps
            found = TaskDecorator(decorator, index, ref, call, confirmed)
            if confirmed:
                return found
            # ``@<app>.task`` beats a wrapper above it (``@logged @app.task``)
            if candidate is None or not is_app_task_ref(candidate.ref):
                candidate = found
            continue
        root = ref.split(".", 1)[0]
        if root in _NOT_TASK_ROOTS or root == "celery":
            continue
        candidate = candidate or TaskDecorator(decorator, index, ref, call, False)
    return candidate
