from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.kit.values import string_value
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.call_shapes import OS_ENV_GETTERS
from celerylint.semantics.config_names import meaning
from celerylint.semantics.django import app_list_strings
from celerylint.semantics.tasks import CELERY_APP_CLASSES
from celerylint.semantics.upgrade import (
    REMOVED_TRANSPORT_APPS,
    removed_backend,
    removed_transport,
)

_BACKEND_SETTINGS = frozenset({"result_backend"})
_BROKER_SETTINGS = frozenset({"broker_url", "broker_read_url", "broker_write_url"})
_TRANSPORT_SETTINGS = frozenset({"broker_transport"})
#: ``Celery(...)`` keyword arguments that are settings under another name
_APP_ARGUMENTS = {"backend": "result_backend", "broker": "broker_url"}
_ENV_GETTERS = OS_ENV_GETTERS


def _setting(name: str) -> str | None:
    """The setting a configuration name means, in any style (``CELERY_RESULT_BACKEND``,
    ``result_backend``, ``BROKER_URL``)."""
    found = meaning(name, "CELERY") or meaning(name, None)
    return found.setting if found is not None else None


class RemovedBackendOrTransport(FileRule):
    """
    ## What it does
    Finds result backends and broker transports that Celery and kombu no longer ship:
    the `amqp` result backend (`result_backend = "amqp://"`) and `riak://`, removed in
    Celery 5.0, and the Django database broker (`django://`, `kombu.transport.django`),
    removed in kombu 4.0. It reads the settings in any style (`CELERY_RESULT_BACKEND`,
    `result_backend`, `BROKER_URL`, `app.conf...`, `Celery(backend=..., broker=...)`),
    including the defaults of environment lookups.

    Whether a backend or transport is gone is checked against the installed celery and
    kombu: the SQLAlchemy transport (`sqla+...`), for instance, still exists in kombu 5 and
    is not reported.

    ## Why is this bad?
    The worker fails at start-up (`ImproperlyConfigured: Unknown result backend: 'amqp'`,
    `ModuleNotFoundError: celery.backends.riak`, `KeyError: 'No such transport: django'`).
    *What's new in 5.0 → AMQP Result Backend / Riak Result Backend*; *What's new in 4.0 →
    Features removed for lack of funding*.

    ## Use instead
    ```python
    CELERY_RESULT_BACKEND = "rpc://"
    CELERY_BROKER_URL = "redis://localhost:6379/0"
    ```

    ## Fix safety
    There is no automatic fix: the replacement is a different service (`rpc://` keeps no
    results after a restart; a new broker must be deployed).
    """

    code = "CEL806"
    name = "removed-backend-or-transport"
    message = "`{value}` {what} was removed from Celery: {advice}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            """
            import os

            CELERY_RESULT_BACKEND = "amqp://guest@localhost//"  # error@25: CEL806
            BROKER_URL = os.environ.get("BROKER_URL", "django://")  # error@43: CEL806
            INSTALLED_APPS = ["django.contrib.auth", "kombu.transport.django"]  # error@42: CEL806
            """,
            path="proj/settings.py",
        ),
        Invalid(
            """
            from celery import Celery

            app = Celery("proj", broker="redis://", backend="riak://riak:8087/celery")  # error@49: CEL806
            app.conf.update(result_backend="amqp")  # error@32: CEL806
            app.conf.update({"broker_transport": "django"})  # error@38: CEL806
            app.conf.result_backend = "celery.backends.amqp:AMQPBackend"  # error@27: CEL806
            """,
            path="proj/celery.py",
        ),
        Invalid(
            """
            result_backend = "amqp://"  # error@18: CEL806


            class Config:
                broker_url = "django://"  # error@18: CEL806
            """,
            path="celeryconfig.py",
        ),
        Valid(
            """
            CELERY_RESULT_BACKEND = "rpc://"
            CELERY_BROKER_URL = "amqp://guest@localhost//"
            BROKER_URL = "sqla+postgresql://celery@db/celery"
            CELERY_CACHE_BACKEND = "django://"  # not a broker or result backend setting
            """,
            path="proj/settings.py",
        ),
        Valid(
            """
            # strings that merely look alike, in places that are not settings
            def connect(url="amqp://"):
                result_backend = "amqp://"
                return url, result_backend


            NOTES = {"old_backend": "amqp://"}
            """,
            path="proj/notes.py",
        ),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._transport_apps: set[int] = set()

    # -- where settings are written ---------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assignment(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assignment(node.target, node.value)

    def _assignment(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        for literal in app_list_strings(target, value):
            if string_value(literal) in REMOVED_TRANSPORT_APPS:
                self._transport_apps.add(id(literal))
        if isinstance(target, cst.Name):
            if self.ctx.functions:
                return  # a local variable, not a setting
            self._check(_setting(target.value), value)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Attribute)
            and target.value.attr.value == "conf"
        ):
            self._check(_setting(target.attr.value), value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "insert", "extend"):
            for arg in node.args:
                for literal in app_list_strings(func.value, arg.value):
                    if string_value(literal) in REMOVED_TRANSPORT_APPS:
                        self._transport_apps.add(id(literal))
            return
        is_update = (
            isinstance(func, cst.Attribute)
            and func.attr.value == "update"
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "conf"
        )
        is_app = not is_update and self.ctx.resolve(func) in CELERY_APP_CLASSES
        if not (is_update or is_app):
            return
        for arg in node.args:
            if arg.keyword is not None:
                name = arg.keyword.value
                setting = _APP_ARGUMENTS.get(name) if is_app else None
                self._check(setting or _setting(name), arg.value)
            elif is_update and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement) and isinstance(
                        element.key, cst.SimpleString
                    ):
                        key = string_value(element.key)
                        if isinstance(key, str):
                            self._check(_setting(key), element.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) in self._transport_apps:
            value = string_value(node)
            advice = removed_transport(REMOVED_TRANSPORT_APPS[str(value)])
            if advice is not None:
                self.report(node, value=value, what="Django app", advice=advice)

    # -- the check --------------------------------------------------------------------------

    def _check(self, setting: str | None, value: cst.BaseExpression) -> None:
        if setting is None:
            return
        for literal, text in self._strings(value):
            if setting in _BACKEND_SETTINGS:
                advice, what = removed_backend(text), "result backend"
            elif setting in _BROKER_SETTINGS or setting in _TRANSPORT_SETTINGS:
                advice, what = removed_transport(text), "broker transport"
            else:
                return
            if advice is not None:
                self.report(literal, value=text, what=what, advice=advice)

    def _strings(self, value: cst.BaseExpression) -> Iterator[tuple[cst.BaseExpression, str]]:
        """The literal itself, or the default of an environment lookup."""
        if isinstance(value, cst.SimpleString | cst.ConcatenatedString):
            text = string_value(value)
            if isinstance(text, str):
                yield value, text
            return
        if not isinstance(value, cst.Call):
            return
        positional = [a.value for a in value.args if a.keyword is None and not a.star]
        defaults = [a.value for a in value.args if a.keyword and a.keyword.value == "default"]
        if self.ctx.resolve(value.func) in _ENV_GETTERS and len(positional) >= 2:
            defaults.append(positional[1])
        for default in defaults:
            if isinstance(default, cst.SimpleString | cst.ConcatenatedString):
                text = string_value(default)
                if isinstance(text, str):
                    yield default, text
