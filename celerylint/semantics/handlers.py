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

from celerylint.factdata import HandlerHint
from celerylint.semantics.django import is_test_module

if TYPE_CHECKING:
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
