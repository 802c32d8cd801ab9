from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.facts.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.config_checks import mixed_style_keys
from celerylint.semantics.config_model import SourceKind
from celerylint.semantics.config_names import Style, spelling


class LegacySettingName(ProjectRule):
    """
    ## What it does
    Reports old (pre-4.0) setting names, which Celery 6 no longer reads.

    For example `CELERYD_CONCURRENCY`, `CELERYBEAT_SCHEDULE`, `CELERY_ALWAYS_EAGER`,
    `BROKER_URL`... in config modules and classes, `app.conf` and `Celery(**kw)`, and the
    `CELERY_*` old names in Django settings read with `namespace="CELERY"`
    (`CELERY_QUEUES`, `CELERY_DEFAULT_QUEUE`, `CELERY_IGNORE_RESULT`), where Celery accepts
    them without the start-up error and without a warning. The new name respects the source's namespace
    (`CELERY_TASK_DEFAULT_QUEUE` in Django settings, `task_default_queue` elsewhere).

    Keys that make Celery refuse to start are CEL507's; Django names without the `CELERY_`
    prefix (`BROKER_URL`) are CEL512's.

    ## Why is this bad?
    Celery keeps the old names only "until Celery 6.0" (Configuration → *New lowercase
    settings*); the worker's deprecation warning is suppressed for Django projects, so the
    upgrade breaks these settings silently.

    ## Example
    ```python
    CELERY_DEFAULT_QUEUE = "default"
    CELERYD_PREFETCH_MULTIPLIER = 1
    ```

    ## Use instead
    ```python
    CELERY_TASK_DEFAULT_QUEUE = "default"
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    ```

    ## Fix safety
    Renaming by Celery's own old-to-new map is safe (what `celery upgrade settings` does);
    the fix is not implemented yet.
    """

    code = "CEL804"
    name = "legacy-setting-name"
    message = "`{name}` is the old name of `{setting}`, which Celery 6 no longer reads: use `{new}`"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_DEFAULT_QUEUE = "default"  # error: CEL804
                        CELERYD_PREFETCH_MULTIPLIER = 1  # error: CEL804
                        CELERY_IMPORTS = ["shop.tasks"]
                    """
                }
            )
        ),
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/celeryconfig.py": """
                    BROKER_URL = "redis://redis:6379/0"  # error: CEL804
                    CELERYD_CONCURRENCY = 8  # error: CEL804
                """,
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker")
                    app.config_from_object("worker.celeryconfig")
                """,
            }
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_DEFAULT_QUEUE = "default"
                        CELERY_RESULT_BACKEND = "django-db"
                        CELERY_ACCEPT_CONTENT = ["json"]
                        CELERY_TIMEZONE = "UTC"
                    """
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        mixed = {(m.value.path, m.value.span) for m in mixed_style_keys(config)}
        for value in config.all_values:
            if value.style is not Style.LEGACY or value.setting is None or value.span is None:
                continue
            if (value.path, value.span) in mixed:
                continue
            source = value.source
            namespace = source.namespace if source.namespace_known else "CELERY"
            if source.kind == SourceKind.DJANGO and namespace:
                if not value.name.startswith("CELERY"):
                    continue  # CEL512
            elif source.kind == SourceKind.APP:
                namespace = source.namespace
            else:
                namespace = source.namespace
            yield Finding(
                value.path,
                value.span,
                {
                    "name": value.name,
                    "setting": value.setting,
                    "new": spelling(value.setting, namespace),
                },
            )
