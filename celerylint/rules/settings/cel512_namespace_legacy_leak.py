from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.config_types import SourceKind
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.config_names import Style, spelling


class NamespaceLegacyLeak(ProjectRule):
    """
    ## What it does
    Reports Django settings without the `CELERY_` prefix that Celery reads anyway, as old
    setting names, although the settings are read with `namespace="CELERY"`.

    These are `BROKER_URL`, `BROKER_*`, `S3_*`, `GCS_*`,
    `CASSANDRA_*`, `AZUREBLOCKBLOB_*`, `CONTROL_*`, `COSMOSDBSQL_*`, `DATABASE_*` names
    such as `DATABASE_TABLE_SCHEMAS`, `ENABLE_UTC`, `RESULT_ACCEPT_CONTENT`. It is a
    warning for `BROKER_URL` when `CELERY_BROKER_URL` is not set, as it then decides the
    broker.

    ## Why is this bad?
    The namespace does not shield these names: Celery looks a setting up as
    `CELERY_<NAME>`, then as its old name. A setting meant for another library (django-
    storages' `S3_*`, a `BROKER_URL` for another service) silently configures Celery too.
    A setting that *is* meant for Celery works only through the old-name fallback, which
    Celery deprecates for removal in 6.0 (`Settings.maybe_warn_deprecated_settings`).

    ## Use instead
    ```python
    EVENTS_BROKER_URL = "amqp://rabbit//"
    CELERY_BROKER_URL = "redis://redis:6379/0"
    ```

    ## Fix safety
    There is no fix: whether Celery should see the value is for a human to decide.
    """

    code = "CEL512"
    name = "namespace-legacy-leak"
    message = (
        "`{name}` has no `{prefix}` prefix, but Celery still reads it as the old name of "
        "`{setting}`{effect}; if it is meant for Celery, use `{new}` (old names are "
        "deprecated for removal in Celery 6), else rename it"
    )
    severity = Severity.INFO
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        BROKER_URL = "amqp://events-rabbit//"  # error: CEL512
                        S3_BUCKET = "shop-media"  # error: CEL512
                        CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                    """
                }
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        AWS_STORAGE_BUCKET_NAME = "shop-media"
                        EVENTS_BROKER_URL = "amqp://events-rabbit//"
                    """
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        for value in config.all_values:
            source = value.source
            if (
                source.kind != SourceKind.DJANGO
                or not source.namespace
                or not source.namespace_known
                or value.style is not Style.LEGACY
                or value.setting is None
                or value.span is None
            ):
                continue
            prefix = source.namespace.rstrip("_") + "_"
            if value.name.startswith(prefix) or value.name.startswith("CELERY"):
                continue  # old CELERY_* names are CEL804's
            severity = None
            effect = ""
            if value.setting == "broker_url" and value.unit is not None:
                units = value.production_in or (value.unit,)
                if all(
                    all(
                        v.style is Style.LEGACY for v in config.unit_values(u).get("broker_url", [])
                    )
                    for u in units
                ):
                    severity = Severity.WARNING
                    effect = f" and decides the broker, as `{prefix}BROKER_URL` is not set"
            yield Finding(
                value.path,
                value.span,
                {
                    "name": value.name,
                    "prefix": prefix,
                    "setting": value.setting,
                    "effect": effect,
                    "new": spelling(value.setting, source.namespace),
                },
                severity=severity,
            )
