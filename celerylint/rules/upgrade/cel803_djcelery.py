from __future__ import annotations

from typing import Any

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.kit.fixkit import string_like
from celerylint.kit.names import dotted_name
from celerylint.kit.values import string_value
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.django import app_list_strings
from celerylint.semantics.upgrade import djcelery_replacement, is_djcelery_path

_ADVICE = (
    "configure Celery from `proj/celery.py` and use `django_celery_results` / `django_celery_beat`"
)


class Djcelery(FileRule):
    """
    ## What it does
    Finds leftovers of django-celery (`djcelery`): imports of it (and so
    `djcelery.setup_loader()`), `"djcelery"` in `INSTALLED_APPS`, and its class paths in
    settings: `djcelery.schedulers.DatabaseScheduler`,
    `djcelery.backends.database:DatabaseBackend` and `djcelery.backends.cache:CacheBackend`.

    ## Why is this bad?
    django-celery was the Celery 3.0 integration; since Celery 3.1 Django is supported
    directly (*What's new in 3.1*, *First steps with Django*) and djcelery does not work with
    Celery 4 or 5: its loader and scheduler import APIs that are gone, so the worker or
    beat fails at start-up. The database scheduler and result backends moved to
    `django_celery_beat` and `django_celery_results`.

    ## Use instead
    ```python
    INSTALLED_APPS = ["django.contrib.admin", "django_celery_beat", "django_celery_results"]
    CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
    CELERY_RESULT_BACKEND = "django-db"
    ```

    ## Fix safety
    The fix replaces the scheduler and result-backend class paths with their drop-in
    successors (`django_celery_beat.schedulers:DatabaseScheduler`, `"django-db"`,
    `"django-cache"`); it is safe, because the old strings cannot work with Celery 4+. Add
    the new apps to `INSTALLED_APPS` and run their migrations (CEL513 reports a missing
    app); the `djcelery` app, its imports and its tables are left to you.
    """

    code = "CEL803"
    name = "djcelery"
    message = (
        "{what} comes from django-celery (`djcelery`), which does not work with Celery 4+: {advice}"
    )
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            """
            import djcelery  # error: CEL803

            djcelery.setup_loader()

            INSTALLED_APPS = [
                "django.contrib.admin",
                "djcelery",  # error: CEL803
            ]
            """,
            path="proj/settings.py",
        ),
        Invalid(
            """
            CELERYBEAT_SCHEDULER = "djcelery.schedulers.DatabaseScheduler"  # error@24: CEL803
            CELERY_RESULT_BACKEND = "djcelery.backends.database:DatabaseBackend"  # error@25: CEL803
            BACKUP_BACKEND = 'djcelery.backends.cache:CacheBackend'  # error@18: CEL803
            CELERY_LOADER = "djcelery.loaders.DjangoLoader"  # error@17: CEL803
            """,
            path="proj/settings.py",
            fixed="""
            CELERYBEAT_SCHEDULER = "django_celery_beat.schedulers.DatabaseScheduler"  # error@24: CEL803
            CELERY_RESULT_BACKEND = "django-db"  # error@25: CEL803
            BACKUP_BACKEND = 'django-cache'  # error@18: CEL803
            CELERY_LOADER = "djcelery.loaders.DjangoLoader"  # error@17: CEL803
            """,
        ),
        Invalid(
            """
            from django.conf import settings

            from .base import *  # noqa: F403

            THIRD_PARTY_APPS = ("rest_framework", "djcelery")  # error@39: CEL803
            INSTALLED_APPS += ["djcelery"]  # error@20: CEL803
            INSTALLED_APPS.append("djcelery")  # error@23: CEL803
            """,
            path="proj/settings/local.py",
        ),
        Valid(
            """
            INSTALLED_APPS = [
                "django.contrib.admin",
                "django_celery_beat",
                "django_celery_results",
            ]
            CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
            CELERY_RESULT_BACKEND = "django-db"
            """,
            path="proj/settings.py",
        ),
        Valid(
            """
            # the word alone, outside an app list, is not a reference to the package
            LOGGING = {"loggers": {"djcelery": {"level": "WARNING"}}}
            NOTE = "djcelery was replaced in 2016"
            """,
            path="proj/settings.py",
        ),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        #: ``"djcelery"`` literals that are entries of an app list
        self._app_entries: set[int] = set()

    # -- imports ----------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            target = dotted_name(alias.name)
            if target is not None and _is_djcelery(target):
                where = node if len(node.names) == 1 else alias
                self.report(where, what=f"`{target}`", advice=_ADVICE)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        target = dotted_name(node.module)
        if target is not None and _is_djcelery(target):
            self.report(node, what=f"`{target}`", advice=_ADVICE)

    # -- ``"djcelery"`` in the app list, and djcelery class paths ---------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._app_list(target.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._app_list(node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "insert", "extend"):
            for arg in node.args:
                self._app_list(func.value, arg.value)

    def _app_list(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        for literal in app_list_strings(target, value):
            if string_value(literal) == "djcelery":
                self._app_entries.add(id(literal))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) in self._app_entries:
            self.report(node, what='`"djcelery"` in the installed apps', advice=_ADVICE)
            return
        value = string_value(node)
        if not isinstance(value, str) or not is_djcelery_path(value):
            return
        replacement = djcelery_replacement(value)
        if replacement is None:
            self.report(node, what=f"`{value}`", advice=_ADVICE)
            return
        self.report(
            node,
            what=f"`{value}`",
            advice=f"use `{replacement}`",
            fix=self.fix({node: string_like(node, replacement)}, f"Use `{replacement}`"),
        )


def _is_djcelery(module: str) -> bool:
    return module == "djcelery" or module.startswith("djcelery.")
