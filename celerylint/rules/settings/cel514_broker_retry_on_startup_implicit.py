from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Fix, FixSafety, Severity
from celerylint.kit.text_edits import line_insertion
from celerylint.project.config_checks import truth
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.config_names import available, spelling


class BrokerRetryOnStartupImplicit(ProjectRule):
    """
    ## What it does
    Reports `broker_connection_retry = False` when `broker_connection_retry_on_startup` is
    not set anywhere, for projects on Celery 5.3 or later (where that setting exists).

    ## Why is this bad?
    Until Celery 6.0, `broker_connection_retry` also decides whether the worker retries
    the first connection at start-up; Celery 5.7 warns (`CPendingDeprecationWarning`) that
    from 6.0 only `broker_connection_retry_on_startup` does. Setting it explicitly keeps
    the start-up behaviour when upgrading.

    ## Use instead
    ```python
    CELERY_BROKER_CONNECTION_RETRY = False
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = False
    ```

    ## Fix safety
    The fix adds `broker_connection_retry_on_startup = False` (spelt as the source spells
    its settings) on the line after a module-level `broker_connection_retry = False`. It is
    safe: Celery 5 already uses that value at start-up, and Celery 6 will keep doing so.
    Settings under an `if`, in classes and `app.conf` writes are left alone.
    """

    code = "CEL514"
    name = "broker-retry-on-startup-implicit"
    message = (
        "`{name}` is off but `{startup}` is not set; from Celery 6.0 only that setting "
        "decides whether the worker retries the broker at start-up"
    )
    severity = Severity.INFO
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_BROKER_CONNECTION_RETRY = False  # error: CEL514
                    """
                }
            ),
            fixed={
                "proj/settings/production.py": """
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_BROKER_CONNECTION_RETRY = False  # error: CEL514
                    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = False
                """,
            },
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_BROKER_CONNECTION_RETRY = False
                        CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
                    """
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        if not available("broker_connection_retry_on_startup", config.celery_version.version):
            return
        if config.values("broker_connection_retry_on_startup"):
            return
        for value in config.values("broker_connection_retry"):
            on = truth(value)
            if on is None or on.value or not on.certain or value.span is None:
                continue
            namespace = value.source.namespace if value.name.isupper() else None
            startup = spelling("broker_connection_retry_on_startup", namespace)
            fix = None
            if (
                value.op == "="
                and value.unit is not None
                and not value.conditional
                and value.span.column == 1
            ):
                fix = Fix(
                    f"Add `{startup} = False`",
                    FixSafety.SAFE,
                    (line_insertion(value.span, f"{startup} = False\n"),),
                )
            yield Finding(value.path, value.span, {"name": value.name, "startup": startup}, fix=fix)
