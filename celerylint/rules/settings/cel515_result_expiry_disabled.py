from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.kit.values import UNKNOWN
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.brokers import PERSISTENT_BACKENDS, backend_scheme


class ResultExpiryDisabled(ProjectRule):
    """
    ## What it does
    Reports `result_expires = None` or `0` in production settings when the result backend
    keeps results until something deletes them: a database (`django-db`, `db+...`),
    MongoDB, Cassandra, Elasticsearch or CouchDB.

    ## Why is this bad?
    `result_expires` is what makes the `celery.backend_cleanup` task (run by beat) delete
    old results; without it the results table grows forever (Configuration →
    `result_expires`).

    ## Use instead
    ```python
    CELERY_RESULT_BACKEND = "django-db"
    CELERY_RESULT_EXPIRES = 7 * 24 * 3600
    ```

    ## Fix safety
    There is no fix: how long to keep results is a product decision.
    """

    code = "CEL515"
    name = "result-expiry-disabled"
    message = (
        "`{name}` = {value} disables result expiry with the `{backend}` backend, so stored "
        "results are never deleted"
    )
    severity = Severity.INFO
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_RESULT_BACKEND = "django-db"
                        CELERY_RESULT_EXPIRES = None  # error: CEL515
                    """
                }
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                        CELERY_RESULT_EXPIRES = None
                    """,
                    "staging": """
                        CELERY_RESULT_BACKEND = "db+postgresql://db/results"
                        CELERY_RESULT_EXPIRES = 86400
                    """,
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        app_values = [v for v in config.app_values() if v.reaches_production]
        groups = [config.unit_values(unit) for unit in config.production_units]
        if app_values:
            groups.append({})
        reported: set[tuple[str, int]] = set()
        for group in groups:
            values = [*app_values]
            for found in group.values():
                values.extend(found)
            backends = {
                backend_scheme(v.value)
                for v in values
                if v.setting == "result_backend" and isinstance(v.value, str)
            }
            persistent = sorted(backends & PERSISTENT_BACKENDS)
            if not persistent:
                continue
            for value in values:
                if value.setting != "result_expires" or value.span is None:
                    continue
                if value.value is UNKNOWN or value.value not in (None, 0):
                    continue
                if value.env is not None or isinstance(value.value, bool):
                    continue
                if (value.path, value.span.line) in reported:
                    continue
                reported.add((value.path, value.span.line))
                yield Finding(
                    value.path,
                    value.span,
                    {"name": value.name, "value": repr(value.value), "backend": persistent[0]},
                )
