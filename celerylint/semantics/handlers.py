"""Does this function serve web requests? Django views, DRF views and viewsets, Flask and
FastAPI routes.

Phase 1 records the evidence a function carries (``handler_hint``): a function taking
``request`` in a views module, the class it is a method of and that class's bases, and its
decorators, all resolved through imports. Phase 2 decides (``is_request_handler``) with
the project index, because a view's base class or a Flask app may be defined in another
module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from celerylint.facts.model import HandlerHint
from celerylint.semantics.django import is_test_module
from celerylint.semantics.values import CallValue

if TYPE_CHECKING:
    from celerylint.facts.index import ProjectIndex
    from celerylint.kit.context import FileContext

#: module names that hold views (``shop/views.py``, ``shop/views/orders.py``)
VIEW_MODULES = frozenset({"views", "viewsets"})
#: base classes of class-based views (every class under these modules is a view or a
#: view mixin; ModelAdmin methods also run inside requests)
VIEW_BASE_PREFIXES = (
    "django.views.",
    "rest_framework.views.",
    "rest_framework.generics.",
    "rest_framework.viewsets.",
)
VIEW_BASES = frozenset(
    {
        "django.contrib.admin.ModelAdmin",
        "django.contrib.admin.options.ModelAdmin",
        "django.contrib.admin.sites.AdminSite",
    }
)
#: decorators that only make sense on views
VIEW_DECORATOR_PREFIXES = ("django.views.decorators.", "django.contrib.auth.decorators.")
VIEW_DECORATORS = frozenset({"rest_framework.decorators.api_view"})
#: web application / router classes whose methods register routes
WEB_APP_CLASSES = frozenset(
    {
        "flask.Flask",
        "flask.app.Flask",
        "flask.Blueprint",
        "flask.blueprints.Blueprint",
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
    }
)
ROUTE_METHODS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket"}
)


def is_views_module(module: str) -> bool:
    parts = module.split(".")
    if is_test_module(module):
        return False
    return parts[-1] in VIEW_MODULES or (len(parts) >= 2 and parts[-2] in VIEW_MODULES)


def handler_hint(ctx: FileContext) -> HandlerHint | None:
    """The evidence that the innermost function serves requests, or None if it has none."""
    scope = ctx.function
    if scope is None or not isinstance(scope.node, cst.FunctionDef):
        return None
    node = scope.node
    frames = ctx.resolver.frames
    enclosing = frames[-2] if len(frames) >= 2 else None
    view_function = False
    owner: str | None = None
    bases: tuple[str, ...] = ()
    if enclosing is not None and enclosing.kind == "module":
        params = [*node.params.posonly_params, *node.params.params]
        view_function = (
            bool(params) and params[0].name.value == "request" and is_views_module(ctx.module)
        )
    elif (
        enclosing is not None
        and enclosing.kind == "class"
        and isinstance(enclosing.node, cst.ClassDef)
    ):
        cls = enclosing.node
        owner = f"{ctx.module}.{cls.name.value}"
        bases = tuple(
            ref for arg in cls.bases if arg.keyword is None and (ref := ctx.resolve(arg.value))
        )
    decorators = tuple(
        ref
        for d in node.decorators
        if (
            ref := ctx.resolve(
                d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
            )
        )
    )
    if not view_function and owner is None and not decorators:
        return None
    return HandlerHint(view_function, owner, bases, decorators)


def _is_view_base(ref: str) -> bool:
    return ref in VIEW_BASES or ref.startswith(VIEW_BASE_PREFIXES)


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
    if hint is None:
        return False
    if hint.view_function:
        return True
    for decorator in hint.decorators:
        resolved = index.resolve(decorator)
        if resolved in VIEW_DECORATORS or resolved.startswith(VIEW_DECORATOR_PREFIXES):
            return True
        if _is_route(index, resolved):
            return True
    return hint.owner is not None and is_view_class(index, hint.owner_bases)


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
