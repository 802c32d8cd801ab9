from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Edit, Fix, FixSafety, Severity
from celerylint.project.config_types import ConfigValue
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics import celery_data
from celerylint.semantics.config_names import available, spelling

#: setting -> (deprecated in, removed in, replacement text), from celery's Option metadata
DEPRECATED: dict[str, tuple[str | None, str | None, str | None]] = dict(
    celery_data.DEPRECATED_SETTINGS
)


def _replacements(alt: str | None) -> list[str]:
    """``"task_acks_on_failure and task_acks_on_timeout"`` -> both setting names."""
    if not alt:
        return []
    return [word for word in alt.replace(",", " ").split() if "_" in word]


def _split(value: ConfigValue, names: list[str]) -> Fix | None:
    """The statement ``OLD = <literal>`` replaced by one line per replacement setting; what
    follows it on its last line (a comment, another statement after ``;``) stays there."""
    span = value.span
    literal = value.written
    if span is None or not names or value.op != "=" or value.unit is None:
        return None
    if value.conditional or span.column != 1:
        return None
    if not (literal is None or isinstance(literal, bool | int | float | str)):
        return None
    text = "\n".join(f"{name} = {literal!r}" for name in names)
    message = f"Use {' and '.join(f'`{n}`' for n in names)}"
    return Fix(message, FixSafety.SAFE, (Edit(text, span),))


class DeprecatedSetting5x(ProjectRule):
    """
    ## What it does
    Reports settings that Celery marks as deprecated, and names their replacement.

    The list comes from Celery's own option table (`celery/app/defaults.py`:
    `deprecate_by`, `remove_by`, `alt`), such as
    `task_acks_on_failure_or_timeout` (deprecated in 6.0, removed in 7.0, replaced by
    `task_acks_on_failure` and `task_acks_on_timeout`), in any spelling. It stays silent
    when the Celery version the project targets does not have the replacement yet.

    ## Why is this bad?
    The setting stops working in the release named by `remove_by`; switching while both
    work is the cheap moment.

    ## Use instead
    ```python
    CELERY_TASK_ACKS_ON_FAILURE = False
    CELERY_TASK_ACKS_ON_TIMEOUT = False
    ```

    ## Fix safety
    The fix replaces a module-level `task_acks_on_failure_or_timeout = <value>` line with
    the two settings that split it, both with the same literal value (spelt as the source
    spells its settings; a comment after it stays, on the last of the two lines). It is safe: Celery 5.7 derives both
    from the old setting in the same way. Settings under an `if`, in classes and `app.conf`
    writes are left alone.
    """

    code = "CEL807"
    name = "deprecated-setting-5x"
    message = "`{name}` is on its way out{when}: use {alternative}"
    severity = Severity.INFO
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ACKS_LATE = True
                        CELERY_WORKER_PREFETCH_MULTIPLIER = 1
                        CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False  # error: CEL807
                    """
                }
            ),
            fixed={
                "proj/settings/production.py": """
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_TASK_ACKS_LATE = True
                    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
                    CELERY_TASK_ACKS_ON_FAILURE = False
                    CELERY_TASK_ACKS_ON_TIMEOUT = False  # error: CEL807
                """,
            },
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ACKS_LATE = True
                        CELERY_WORKER_PREFETCH_MULTIPLIER = 1
                        CELERY_TASK_ACKS_ON_FAILURE = False
                        CELERY_TASK_ACKS_ON_TIMEOUT = False
                    """
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        target = config.celery_version.version
        for setting, (deprecate_by, remove_by, alt) in DEPRECATED.items():
            replacements = _replacements(alt)
            if not all(available(r, target) for r in replacements):
                continue
            for value in config.values(setting):
                if value.span is None:
                    continue
                namespace = value.source.namespace if value.name.isupper() else None
                if value.name.isupper() and not value.source.namespace_known:
                    namespace = "CELERY"
                alternative = (
                    " and ".join(f"`{spelling(r, namespace)}`" for r in replacements)
                    or "its replacement"
                )
                when = ""
                if deprecate_by or remove_by:
                    parts = []
                    if deprecate_by:
                        parts.append(f"deprecated in Celery {deprecate_by}")
                    if remove_by:
                        parts.append(f"removed in {remove_by}")
                    when = f" ({', '.join(parts)})"
                names = [spelling(r, namespace) for r in replacements]
                yield Finding(
                    value.path,
                    value.span,
                    {"name": value.name, "when": when, "alternative": alternative},
                    fix=_split(value, names),
                )
