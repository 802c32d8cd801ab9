from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.django import is_test_module

VIEWS = """
    from celery.result import AsyncResult

    from shop.tasks import build_invoice


    def invoice_total(order_id):
        result = build_invoice.delay(order_id)
        return result.get(timeout=10)  # error@12: CEL510


    def invoice_state(task_id):
        return AsyncResult(task_id).state  # error@12: CEL510
"""
TASKS = """
    from celery import shared_task


    @shared_task
    def build_invoice(order_id):
        return order_id
"""


class ResultsWithoutBackend(ProjectRule):
    """
    ## What it does
    Reports code that reads task results when no result backend is configured.

    Reading results means `.get()`, `.wait()`, `.ready()`, `.state`, `.result` ... on what
    `task.delay()`/`apply_async()` return, `AsyncResult(...)` and `chord(...)`. A backend
    is configured by `result_backend` in any settings module, config object or `app.conf`,
    by `Celery(backend=...)`, or by `CELERY_RESULT_BACKEND` in `.env`, compose, Procfile or
    other deployment files. A task of one app (`@app.task`) is judged by that app's
    configuration; `AsyncResult`, chords and `@shared_task` tasks by all of it.

    The rule only runs when celerylint can see the configuration (the broker is set in
    it); tests are left alone (eager results need no backend).

    ## Why is this bad?
    Without a backend Celery uses `DisabledBackend`: reading a result raises
    `NotImplementedError: No result backend is configured` (or fails as in
    celery/celery#7340), and chords cannot work.

    ## Use instead
    ```python
    CELERY_BROKER_URL = "redis://redis:6379/0"
    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
    ```

    ## Fix safety
    There is no fix: the backend is a deployment decision.
    """

    code = "CEL510"
    name = "results-without-backend"
    message = (
        "{what} needs a result backend, but none is configured (`result_backend`); "
        "Celery's DisabledBackend raises when a result is read"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            files=django_project(
                {"production": 'CELERY_BROKER_URL = "redis://redis:6379/0"'},
                {"shop/__init__.py": "", "shop/tasks.py": TASKS, "shop/billing.py": VIEWS},
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": TASKS,
                    "shop/billing.py": VIEWS.replace("  # error@12: CEL510", ""),
                },
            )
        ),
        Valid(
            files={
                **django_project(
                    {"production": 'CELERY_BROKER_URL = "redis://redis:6379/0"'},
                    {
                        "shop/__init__.py": "",
                        "shop/tasks.py": TASKS,
                        "shop/billing.py": VIEWS.replace("  # error@12: CEL510", ""),
                    },
                ),
                ".env": "CELERY_RESULT_BACKEND=redis://redis:6379/1\n",
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": TASKS,
                "shop/billing.py": VIEWS.replace("  # error@12: CEL510", ""),
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        if not config.has_sources or not config.complete:
            return
        if config.files.env_assignments("CELERY_RESULT_BACKEND"):
            return
        tasks = {t.qualname: t for t in index.tasks}
        missing: dict[str | None, bool] = {}

        def without_backend(app: str | None) -> bool:
            """The app's configuration is visible (its broker is set) and has no backend."""
            if app not in missing:
                missing[app] = bool(config.values_for("broker_url", app, False)) and not (
                    config.values_for("result_backend", app, False)
                )
            return missing[app]

        for facts in index.modules.values():
            if is_test_module(facts.module):
                continue
            for use in facts.result_uses:
                if use.span is None:
                    continue
                app: str | None = None
                if use.receiver is not None:
                    task = tasks.get(index.resolve(use.receiver))
                    if task is None:
                        continue
                    app = index.task_app(task)
                if not without_backend(app):
                    continue
                if use.kind == "AsyncResult":
                    what = "`AsyncResult(...)`"
                elif use.kind == "chord":
                    what = "A chord"
                elif use.kind in {"state", "status", "result", "info", "traceback", "date_done"}:
                    what = f"Reading `.{use.kind}` of a task result"
                else:
                    what = f"`.{use.kind}()` on a task result"
                yield Finding(facts.path, use.span, {"what": what})
