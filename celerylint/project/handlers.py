"""Project-level decisions of ``semantics/handlers.py`` (Does this function serve web requests? Django views, DRF views and viewsets, Flask and): the
parts that read the project index or its configuration model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celerylint.factdata import HandlerHint
from celerylint.kit.values import CallValue

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex
from celerylint.semantics.handlers import (
    ROUTE_METHODS,
    VIEW_DECORATOR_PREFIXES,
    VIEW_DECORATORS,
    WEB_APP_CLASSES,
    _is_view_base,
)


def is_view_class(
    index: ProjectIndex, bases: tuple[str, ...], seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a class with these (resolved) bases is a view, through project base classes."""
    for base in bases:
        resolved = index.resolve(base)
        if _is_view_base(resolved):
            return True
        if resolved in seen:
            continue
        module, rest = index.split_module(resolved)
        if module is None or "." in rest:
            continue
        for cls in index.modules[module].classes:
            if cls.name == rest and is_view_class(index, cls.bases, seen | {resolved}):
                return True
    return False


def _is_route(index: ProjectIndex, decorator: str) -> bool:
    owner, _, method = decorator.rpartition(".")
    if method not in ROUTE_METHODS or not owner:
        return False
    assignment = index.assignment(owner)
    if assignment is None or not isinstance(assignment.value, CallValue):
        return False
    return index.resolve(assignment.value.func) in WEB_APP_CLASSES


def is_request_handler(hint: HandlerHint | None, index: ProjectIndex) -> bool:
    """A Django view, or a route of a web framework's app (Flask, FastAPI ...)."""
    if hint is None or is_django_view(hint, index):
        return hint is not None
    return any(_is_route(index, index.resolve(d)) for d in hint.decorators)


def is_django_view(hint: HandlerHint | None, index: ProjectIndex) -> bool:
    """A Django (or DRF) view: what Django's request handling runs, and wraps in a
    transaction under ``ATOMIC_REQUESTS`` (Flask and FastAPI routes are not)."""
    if hint is None:
        return False
    if hint.view_function:
        return True
    for decorator in hint.decorators:
        resolved = index.resolve(decorator)
        if resolved in VIEW_DECORATORS or resolved.startswith(VIEW_DECORATOR_PREFIXES):
            return True
    return hint.owner is not None and is_view_class(index, hint.owner_bases)


def handler_modules(index: ProjectIndex) -> set[str]:
    """Modules a request-handler decision needs to see in full: where the base classes of
    views (and their own bases) and the route objects of functions that wait for task
    results are defined. The prefilter promotes them (``engine/prefilter.py``)."""
    found: set[str] = set()
    classes: list[str] = []
    for facts in index.modules.values():
        for read in facts.result_reads:
            hint = read.handler
            if hint is None or not read.blocking:
                continue
            for decorator in hint.decorators:
                module, rest = index.split_module(index.resolve(decorator))
                if module is not None and rest:
                    found.add(module)
            classes.extend(hint.owner_bases)
        for hook in facts.hook_dispatches:
            if hook.handler is not None:
                classes.extend(hook.handler.owner_bases)  # CEL311: is it a view class?
    seen: set[str] = set()
    while classes:
        resolved = index.resolve(classes.pop())
        if resolved in seen or _is_view_base(resolved):
            continue
        seen.add(resolved)
        module, rest = index.split_module(resolved)
        if module is None or not rest or "." in rest:
            continue
        found.add(module)
        for cls in index.modules[module].classes:
            if cls.name == rest:
                classes.extend(cls.bases)
    return found
