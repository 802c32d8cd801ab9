from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import FixSafety, Severity
from celerylint.project.config_checks import mixed_style_keys
from celerylint.project.index import ProjectIndex
from celerylint.project.setting_renames import rename_fix
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid


class MixedSettingStyles(ProjectRule):
    """
    ## What it does
    Reports the keys that make Celery refuse to start because a configuration read
    without a namespace mixes old (`CELERYD_CONCURRENCY`) and new (`worker_concurrency`)
    setting names.

    The configuration is a module or class given to `config_from_object()` without
    `namespace=`, including what it star-imports or inherits, or the `app.conf.update()`
    /`app.conf.x = ...` writes of an app that has no config object. It reproduces
    `celery.app.utils.detect_settings`: the style most keys use wins, and a key whose other
    spelling is also present is exempt. `Celery(**kwargs)` keywords are exempt too, as in
    Celery.

    Django settings read with `namespace="CELERY"` never raise this error; old names
    there are reported by CEL804.

    ## Why is this bad?
    Celery raises `ImproperlyConfigured: Cannot mix new and old setting keys` when the
    configuration is first read, so workers and producers fail at start-up.

    ## Use instead
    ```python
    broker_url = "redis://redis:6379/0"
    worker_concurrency = 8
    ```

    ## Fix safety
    When most keys are new, the fix renames the old key to its new name (the same rename
    as `celery upgrade settings`). It is safe unless something else reads the old name
    (then it is unsafe, as for CEL804). When most keys are old there is no fix: renaming
    the new ones back would only postpone the upgrade.
    """

    code = "CEL507"
    name = "mixed-setting-styles"
    message = (
        "`{name}` uses the {style} naming style in a config that mostly uses the {majority} "
        'one; Celery refuses to start ("Cannot mix new and old setting keys"): rename it '
        "to `{rename}`"
    )
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"
                    result_backend = "redis://redis:6379/1"
                    CELERYD_CONCURRENCY = 8  # error: CEL507
                """,
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker")
                    app.config_from_object("worker.celeryconfig")
                """,
            },
            fixed={
                "worker/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"
                    result_backend = "redis://redis:6379/1"
                    worker_concurrency = 8  # error: CEL507
                """,
            },
        ),
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker")
                    app.conf.update(
                        BROKER_URL="redis://redis:6379/0",
                        CELERY_RESULT_BACKEND="redis://redis:6379/1",
                        task_serializer="json",  # error: CEL507
                    )
                """,
            }
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"
                    worker_concurrency = 8
                """,
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker", worker_prefetch_multiplier=1)
                    app.config_from_object("worker.celeryconfig")
                    app.conf.update(task_acks_late=True)
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
                "proj/settings.py": """
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_TASK_SERIALIZER = "json"
                    CELERY_TASK_ACKS_LATE = True
                    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for mixed in mixed_style_keys(index.config):
            value = mixed.value
            if value.span is None:
                continue
            fix = None
            if mixed.majority == "new":
                fix = rename_fix(index, value.path, value.span, value.name, mixed.rename)
            yield Finding(
                value.path,
                value.span,
                {
                    "name": value.name,
                    "style": "old" if mixed.majority == "new" else "new",
                    "majority": "new" if mixed.majority == "new" else "old",
                    "rename": mixed.rename,
                },
                fix=fix,
            )
