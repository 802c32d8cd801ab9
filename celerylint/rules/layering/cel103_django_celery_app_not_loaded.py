from __future__ import annotations

from collections.abc import Callable, Iterable

import libcst as cst

from celerylint.diagnostics import NO_SPAN, Edit, Fix, FixSafety, Severity, Span
from celerylint.factdata import ModuleEndFact, ModuleFacts
from celerylint.kit.context import FileContext
from celerylint.kit.text_edits import line_starts, position
from celerylint.kit.values import Ref
from celerylint.project.config_types import DJANGO_SETTINGS_SOURCES
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid


def _django_apps(index: ProjectIndex) -> dict[str, str]:
    """Apps configured from Django settings -> the module that creates them."""
    found: dict[str, str] = {}
    for facts in index.modules.values():
        for call in facts.app_calls:
            if call.method != "config_from_object":
                continue
            app = index.resolve(call.receiver)
            if app not in index.apps:
                continue
            target = call.args[0] if call.args else dict(call.kwargs).get("obj")
            if isinstance(target, Ref):
                target = target.name
            if isinstance(target, str) and target in DJANGO_SETTINGS_SOURCES:
                found[app] = app.rsplit(".", 1)[0]
    return found


class ModuleEndCollector:
    """CEL103's own phase 1: where a package ``__init__`` module's text ends, so that the
    fix can append the app import to it (phase 2 has no file text)."""

    code = "CEL103"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._end: ModuleEndFact | None = None

    def leave_Module(self, node: cst.Module) -> None:
        if not self.ctx.is_package:
            return
        text = node.code
        line, column = position(line_starts(text), len(text))
        ends = text == "" or text.endswith(("\n", "\r"))
        self._end = ModuleEndFact(Span(line, column, line, column), ends, text == "")

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> ModuleEndFact | None:
        return self._end


class DjangoCeleryAppNotLoaded(ProjectRule):
    """
    ## What it does
    Reports a Django project whose Celery app, configured with
    `app.config_from_object("django.conf:settings", ...)`, is never imported when Django
    starts, while the project defines tasks with `@shared_task`. The finding sits at the
    top of the `__init__.py` of the package that holds the app module, where the import
    belongs.

    It stays quiet when the app module is loaded some other way Django may start it: by any
    package `__init__.py`, a settings, models, admin, apps or URL module (and what those
    import), an `AppConfig.ready()` import, or `wsgi.py`/`asgi.py`, and when a dynamic
    import on those paths could load it.

    ## Why is this bad?
    `@shared_task` binds to the *current* Celery app when the task is used. If the web
    process never imports the module that creates the app, the current app is Celery's
    default one: `.delay()` from a view then sends to `amqp://guest@localhost//` with
    default settings instead of your broker. Celery's *First steps with Django* has
    `proj/__init__.py` import the app "so that the `@shared_task` decorator will use it".

    ## Use instead
    ```python
    # proj/__init__.py
    from .celery import app as celery_app

    __all__ = ("celery_app",)
    ```

    ## Fix safety
    The fix appends `from .celery import app as celery_app` (and
    `__all__ = ("celery_app",)` when the package has no `__all__`) to the package's
    `__init__.py`, as *First steps with Django* shows. It is safe: the app module is what
    Django's start-up should load anyway, and `@shared_task` then binds to it.
    """

    code = "CEL103"
    collector = ModuleEndCollector
    name = "django-celery-app-not-loaded"
    message = "Nothing Django loads imports the Celery app `{app}`, so `@shared_task` tasks use Celery's default app; add `from .{module} import {name} as celery_app` to this package"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "# error: CEL103",
                "proj/celery.py": """
                    import os

                    from celery import Celery

                    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                    app.autodiscover_tasks()
                """,
                "proj/settings.py": """
                    INSTALLED_APPS = ["django.contrib.auth", "shop"]
                    CELERY_BROKER_URL = "redis://localhost:6379/0"
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/views.py": """
                    from shop.tasks import send_receipt


                    def resend(request, order_id):
                        send_receipt.delay(order_id)
                """,
            },
            fixed={
                "proj/__init__.py": """
                    # error: CEL103

                    from .celery import app as celery_app

                    __all__ = ("celery_app",)
                """,
            },
        ),
        Invalid(
            files={
                "config/__init__.py": '"""Project configuration."""  # error: CEL103',
                "config/celery_app.py": """
                    from celery import Celery
                    from django.conf import settings

                    celery = Celery("config")
                    celery.config_from_object(settings, namespace="CELERY")
                """,
                "users/__init__.py": "",
                "users/tasks.py": """
                    from celery import shared_task


                    @shared_task()
                    def count_users():
                        return 0
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": """
                    try:
                        from .celery import app as celery_app
                    except ImportError:  # Celery is optional in development
                        celery_app = None
                """,
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/apps.py": """
                    from django.apps import AppConfig


                    class ProjConfig(AppConfig):
                        name = "proj"

                        def ready(self):
                            from proj.celery import app  # noqa: F401
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from proj.celery import app


                    @app.task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/views.py": "from shop.tasks import send_receipt",
                "proj/urls.py": "from shop import views",
                "billing/__init__.py": "",
                "billing/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def charge(invoice_id):
                        return invoice_id
                """,
            }
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker", broker="redis://localhost:6379/0")
                    app.config_from_object("worker.celeryconfig")
                """,
                "worker/celeryconfig.py": 'broker_url = "redis://localhost:6379/0"',
                "worker/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def ping():
                        return "pong"
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        apps = _django_apps(index)
        if not apps or all(index.task_app(t) is not None for t in index.tasks):
            return
        roots = set(index.imports.django_startup_roots)
        roots.update(m for m in index.modules if m.rsplit(".", 1)[-1] in {"wsgi", "asgi"})
        loaded, dynamic = index.imports.load_closure(roots)
        if dynamic:
            return
        for app, module in sorted(apps.items()):
            package, _, stem = module.rpartition(".")
            facts = index.modules.get(package)
            if not package or facts is None or not facts.is_package or module in loaded:
                continue
            name = app.rsplit(".", 1)[1]
            yield Finding(
                facts.path,
                NO_SPAN,
                {"app": app, "module": stem, "name": name},
                fix=_load_app(facts, stem, name),
            )


def _load_app(facts: ModuleFacts, module: str, name: str) -> Fix | None:
    """Append the import of the app (and ``__all__``) to the package's ``__init__``."""
    end: ModuleEndFact | None = facts.rule_data(DjangoCeleryAppNotLoaded.code)
    if end is None or "celery_app" in facts.defines:
        return None
    alias = "" if name == "celery_app" else " as celery_app"
    lines = [f"from .{module} import {name}{alias}"]
    if "__all__" not in facts.defines:
        lines += ["", '__all__ = ("celery_app",)']
    text = "\n".join(lines) + "\n"
    if not end.empty:
        text = ("\n" if end.newline else "\n\n") + text
    return Fix("Import the Celery app in the package", FixSafety.SAFE, (Edit(text, end.span),))
