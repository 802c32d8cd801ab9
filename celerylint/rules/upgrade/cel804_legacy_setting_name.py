from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from celerylint.diagnostics import FixSafety, Severity
from celerylint.project.config_checks import mixed_style_keys
from celerylint.project.config_types import SourceKind
from celerylint.project.index import ProjectIndex
from celerylint.project.setting_renames import rename_fix
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
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

    ## Use instead
    ```python
    CELERY_TASK_DEFAULT_QUEUE = "default"
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    ```

    ## Fix safety
    The fix renames the name where it is written (an assignment, `app.conf.NAME = ...`, a
    keyword of `app.conf.update()`/`Celery()`, a key of an `update({...})` dict) by Celery's
    own old-to-new map, in the source's style: what `celery upgrade settings [--django]`
    does. It is safe when nothing reads the old name: it becomes unsafe when the module uses
    it elsewhere, when code reads `settings.OLD_NAME`, imports it, or a module that
    star-imports the settings uses it, or when the new name is also written (the rename
    could change which value wins).
    """

    code = "CEL804"
    name = "legacy-setting-name"
    message = "`{name}` is the old name of `{setting}`, which Celery 6 no longer reads: {advice}"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
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
            },
            fixed={
                "worker/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"  # error: CEL804
                    worker_concurrency = 8  # error: CEL804
                """,
            },
        ),
        Invalid(
            files=django_project(
                {
                    "base": """
                        CELERY_ALWAYS_EAGER = False  # error: CEL804
                        CELERY_IGNORE_RESULT = True  # error: CEL804
                    """,
                    "test": """
                        from .base import *  # noqa: F403

                        CELERY_ALWAYS_EAGER = True  # error: CEL804
                    """,
                }
            ),
            fixed={
                "proj/settings/base.py": """
                    CELERY_TASK_ALWAYS_EAGER = False  # error: CEL804
                    CELERY_TASK_IGNORE_RESULT = True  # error: CEL804
                """,
                "proj/settings/test.py": """
                    from .base import *  # noqa: F403

                    CELERY_TASK_ALWAYS_EAGER = True  # error: CEL804
                """,
            },
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
        written = {value.name for value in config.all_values}
        written_here = {(value.path, value.name) for value in config.all_values}
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
            new = spelling(value.setting, namespace)
            fix = rename_fix(index, value.path, value.span, value.name, new)
            if fix is not None and fix.safety is FixSafety.SAFE and new in written:
                fix = dataclasses.replace(fix, safety=FixSafety.UNSAFE)
            advice = f"use `{new}`"
            if (value.path, new) in written_here:
                advice = f"`{new}` is set too, so delete this duplicate"
            yield Finding(
                value.path,
                value.span,
                {"name": value.name, "setting": value.setting, "advice": advice},
                fix=fix,
            )
