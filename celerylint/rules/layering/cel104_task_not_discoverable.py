from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.kit.values import ListValue, Value
from celerylint.project.config_model import ProjectConfig
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module


def _module_names(value: Value) -> set[str] | None:
    """Module names in an ``imports``/``include``/``packages`` value, None if not literal."""
    if isinstance(value, str):
        return {value}
    items = value.items if isinstance(value, ListValue) else value
    if isinstance(items, tuple) and all(isinstance(v, str) for v in items):
        return {v for v in items if isinstance(v, str)}
    return None


def _worker_roots(index: ProjectIndex) -> tuple[set[str], list[str]] | None:
    """(what a worker of this project imports when it starts, over-approximated; the
    module names autodiscovery looks for). None when the project does not use
    autodiscovery or something cannot be read statically."""
    calls = [
        call
        for facts in index.modules.values()
        for call in facts.app_calls
        if call.method == "autodiscover_tasks" and index.is_app(call.receiver)
    ]
    if not calls:
        return None
    packages = {m for m, facts in index.modules.items() if facts.is_package}
    # Django's fixup runs django.setup() and the system checks before task modules load
    roots = set(index.imports.django_startup_roots) | set(index.app_modules)
    related_names: dict[str, None] = {}
    for call in calls:
        kwargs = dict(call.kwargs)
        listed = call.args[0] if call.args else kwargs.get("packages")
        related = call.args[1] if len(call.args) > 1 else kwargs.get("related_name", "tasks")
        related = index.value_of(related)
        if related is not None and not isinstance(related, str):
            return None
        related_names[f"`{related}`" if related else "package"] = None
        names = _module_names(index.value_of(listed)) if listed is not None else None
        if not names:  # INSTALLED_APPS, a callable, a computed list: every package may be one
            names = packages
        for package in names:
            roots.add(package)
            if related:
                roots.add(f"{package}.{related}")
                # ``find_related_module`` tries one level up for ``app.apps.Config`` entries
                parent = package.rpartition(".")[0]
                if parent:
                    roots.add(f"{parent}.{related}")
    config = ProjectConfig.of(index)
    if not config.complete:
        return None
    for setting in ("imports", "include"):
        for written in config.values(setting):
            for candidate in written.candidates:
                modules = _module_names(index.value_of(candidate))
                if modules is None:
                    return None
                roots |= modules
    return roots, list(related_names)


class TaskNotDiscoverable(ProjectRule):
    """
    ## What it does
    Reports a task defined in a module that no worker imports: the project relies on
    `app.autodiscover_tasks()`, which only imports `<package>.tasks` (or the
    `related_name=` given), and the module is neither such a module, nor listed in the
    `imports`/`include` settings or `Celery(include=[...])`, nor imported at load time by
    anything the worker loads. The finding sits on the task function's name.

    What the worker loads is over-approximated so that the rule stays quiet when unsure:
    the app module, every package's `tasks` module when the package list is not a literal
    (Django's `INSTALLED_APPS`), and everything Django imports at start-up (packages,
    settings, models, admin, apps and URL modules, `AppConfig.ready()` imports). Any
    dynamic import on those paths, a computed `related_name`, a computed `imports` value or
    a config source that cannot be followed turns the rule off for the project. Tasks in
    test modules, in top-level modules (a script, or what `celery -A` names) and tasks
    defined inside functions are left alone.

    ## Why is this bad?
    A worker only knows the tasks it has imported. Messages for any other task are logged
    as `Received unregistered task of type ...` and dropped, while the web process sends
    them happily (mozilla/addons-server#9947 hit this with tasks in `cron.py`).

    ## Use instead
    Move the task to `reports/tasks.py`, import `reports.cron` from `reports/tasks.py`, or
    list it in the `imports` setting:
    ```python
    CELERY_IMPORTS = ["reports.cron"]
    ```

    ## Fix safety
    There is no fix: where the task should live is a design decision.
    """

    code = "CEL104"
    name = "task-not-discoverable"
    message = "Task `{task}` is in `{module}`, which the worker never imports (autodiscovery loads {related} modules); its messages will be dropped as unregistered"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                    app.autodiscover_tasks()
                """,
                "proj/settings.py": 'INSTALLED_APPS = ["reports"]',
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def build_report(report_id):
                        return report_id
                """,
                "reports/cron.py": """
                    from celery import shared_task


                    @shared_task
                    def purge_old_reports():  # error@5: CEL104
                        return None
                """,
            }
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/worker.py": """
                    from celery import Celery

                    app = Celery("proj", broker="redis://localhost:6379/0")
                    app.autodiscover_tasks(["proj.shop", "proj.billing"], related_name="jobs")
                """,
                "proj/shop/__init__.py": "",
                "proj/shop/jobs.py": """
                    from proj.worker import app


                    @app.task
                    def sync_stock():
                        return None
                """,
                "proj/shop/tasks.py": """
                    from proj.worker import app


                    @app.task  # a `tasks` module, but the app looks for `jobs`
                    def send_receipt(order_id):  # error@5: CEL104
                        return order_id
                """,
                "proj/billing/__init__.py": "",
                "proj/search/__init__.py": "",
                "proj/search/jobs.py": """
                    from proj.worker import app


                    @app.task
                    def reindex():  # error@5: CEL104
                        return None
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                    app.autodiscover_tasks()
                """,
                "proj/settings.py": """
                    INSTALLED_APPS = ["reports"]
                    CELERY_IMPORTS = ["reports.jobs.cron"]
                """,
                "reports/__init__.py": "",
                # ``reports/jobs/`` has no ``__init__.py``: a namespace portion (PEP 420)
                # inside a package, imported as ``reports.jobs.cron``
                "reports/jobs/cron.py": """
                    from celery import shared_task


                    @shared_task
                    def purge_old_reports():
                        return None
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj", include=["reports.exports"])
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                    app.autodiscover_tasks(lambda: ["reports", "shop"])
                """,
                "proj/settings.py": """
                    INSTALLED_APPS = ["reports", "shop"]
                    CELERY_IMPORTS = ("reports.cron",)
                """,
                "reports/__init__.py": "",
                "reports/apps.py": """
                    from django.apps import AppConfig


                    class ReportsConfig(AppConfig):
                        name = "reports"

                        def ready(self):
                            from reports import signals  # noqa: F401
                """,
                "reports/signals.py": """
                    from celery import shared_task


                    @shared_task
                    def refresh_cache():
                        return None
                """,
                "reports/cron.py": """
                    from celery import shared_task


                    @shared_task
                    def purge_old_reports():
                        return None
                """,
                "reports/exports.py": """
                    from celery import shared_task


                    @shared_task
                    def export_csv():
                        return None
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": "from shop.jobs import sync_stock  # noqa: F401",
                "shop/jobs.py": """
                    from celery import shared_task


                    @shared_task
                    def sync_stock():
                        return None
                """,
                "shop/tests/__init__.py": "",
                "shop/tests/test_jobs.py": """
                    from celery import shared_task


                    @shared_task
                    def fake_job():
                        return None
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                    app.autodiscover_tasks()
                """,
                "reports/__init__.py": "",
                "reports/apps.py": """
                    import importlib

                    from django.apps import AppConfig


                    class ReportsConfig(AppConfig):
                        name = "reports"

                        def ready(self):
                            importlib.import_module(f"{self.name}.cron")
                """,
                "reports/cron.py": """
                    from celery import shared_task


                    @shared_task
                    def purge_old_reports():
                        return None
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/worker.py": """
                    from celery import Celery

                    app = Celery("proj", broker="redis://localhost:6379/0")
                    app.conf.imports = ["proj.maintenance"]
                    app.autodiscover_tasks(["proj.shop"])
                """,
                "proj/maintenance.py": """
                    from proj.worker import app


                    @app.task
                    def vacuum():
                        return None
                """,
                "proj/shop/__init__.py": "",
                "custom_tasks.py": """
                    from proj.worker import app


                    @app.task
                    def nightly_cleanup():
                        return None
                """,
                "scripts/__init__.py": "",
                "scripts/oneoff.py": """
                    from proj.worker import app


                    def make_task():
                        @app.task
                        def backfill():
                            return None

                        return backfill
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                    app.autodiscover_tasks()
                """,
                "proj/settings.py": """
                    INSTALLED_APPS = ["shop", "payments"]
                    ROOT_URLCONF = "proj.urls"
                    PAYMENT_BACKEND = "payments.stripe.StripeBackend"
                """,
                "proj/urls.py": """
                    from django.urls import path

                    from shop import views

                    urlpatterns = [path("checkout/", views.checkout)]
                """,
                "shop/__init__.py": "",
                "shop/views.py": """
                    from django.conf import settings
                    from django.http import JsonResponse
                    from django.utils.module_loading import import_string

                    backend = import_string(settings.PAYMENT_BACKEND)()


                    def checkout(request):
                        return JsonResponse({"paid": backend.charge(request.POST["amount"])})
                """,
                "payments/__init__.py": "",
                "payments/stripe.py": """
                    from celery import shared_task


                    @shared_task
                    def refund(charge_id):
                        return charge_id


                    class StripeBackend:
                        def charge(self, amount):
                            return amount
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        found = _worker_roots(index)
        if found is None:
            return
        roots, related = found
        loaded, dynamic = index.imports.load_closure(roots)
        if dynamic:
            return
        described = " and ".join(related)
        for task in index.tasks:
            if task.module in loaded or not task.fact.module_level or task.fact.span is None:
                continue
            if is_test_module(task.module) or "." not in task.module:
                continue  # a top-level module is a script or a worker's ``-A`` target
            yield Finding(
                task.path,
                task.fact.span,
                {"task": task.fact.function, "module": task.module, "related": described},
            )
