"""Plain data the file context carries about the module being walked: the names its
top level binds (``ModuleScope``, built by ``semantics/module_scope.py``) and the
decorator that may make a function a task (``TaskDecorator``, found by
``semantics/tasks.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from celerylint.kit.names import NameResolver


@dataclass(frozen=True, slots=True)
class ModuleScope:
    resolver: NameResolver
    local_apps: frozenset[str]  # qualified names of ``X = Celery(...)`` in this module
    local_aliases: frozenset[str]  # qualified names of ``X = shared_task(...)``/``app.task(...)``
    defines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TaskDecorator:
    """The decorator that (maybe) makes a function a task."""

    node: cst.Decorator
    index: int
    ref: str
    call: cst.Call | None
    confirmed: bool  # known to be a task decorator from this module alone
