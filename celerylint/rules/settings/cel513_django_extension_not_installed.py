from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Fix, FixSafety, Severity
from celerylint.kit.text_edits import line_insertion
from celerylint.kit.values import UNKNOWN, ListValue
from celerylint.project.config_types import ConfigValue
from celerylint.project.django import installed_apps
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project

#: setting -> (values that need a Django app, the app)
_NEEDS = {
    "result_backend": (frozenset({"django-db", "django-cache"}), "django_celery_results"),
    "beat_scheduler": (
        frozenset(
            {
                "django_celery_beat.schedulers:DatabaseScheduler",
                "django_celery_beat.schedulers.DatabaseScheduler",
            }
        ),
        "django_celery_beat",
    ),
}


def _install(value: ConfigValue, apps: list[ConfigValue], app: str) -> Fix | None:
    """``INSTALLED_APPS += ["app"]`` on the line after a module-level setting."""
    span = value.span
    if span is None or value.op != "=" or value.unit is None or value.conditional:
        return None
    if span.column != 1 or not apps:
        return None
    last = apps[-1]
    parts = [last.value] if last.value is not UNKNOWN else list(last.alternatives)
    if parts and all(isinstance(p, ListValue) and p.kind == "list" for p in parts):
        line = f'INSTALLED_APPS += ["{app}"]\n'
    elif parts and all(isinstance(p, tuple) for p in parts):
        line = f'INSTALLED_APPS += ("{app}",)\n'
    else:
        return None
    here = [a for a in apps if a.path == value.path]
    if here and any(a.span is None or a.span.line > span.line for a in here):
        return None  # assigned again below: the addition would be lost
    safety = FixSafety.SAFE if here else FixSafety.UNSAFE
    return Fix(f"Add `{app}` to `INSTALLED_APPS`", safety, (line_insertion(span, line),))


class DjangoExtensionNotInstalled(ProjectRule):
    """
    ## What it does
    Reports `result_backend = "django-db"`/`"django-cache"` without `django_celery_results`
    in `INSTALLED_APPS`, and `beat_scheduler =
    "django_celery_beat.schedulers:DatabaseScheduler"` without `django_celery_beat`, in
    the same settings (inheritance included). It stays silent when `INSTALLED_APPS` is
    built in a way it cannot follow.

    ## Why is this bad?
    The backend and scheduler store their data in the models of these apps: without the
    app the tables are never created and every result write or beat tick fails
    (First steps with Django → *django-celery-results*).

    ## Use instead
    ```python
    INSTALLED_APPS = ["django.contrib.auth", "django_celery_results", "shop"]
    CELERY_RESULT_BACKEND = "django-db"
    ```

    ## Fix safety
    The fix adds `INSTALLED_APPS += ["<app>"]` (a tuple when the apps are a tuple) on the
    line after the setting. It is safe when the same module assigned `INSTALLED_APPS`
    above; when the list comes from a star import it is unsafe (the import might come
    later in the file). The app's migrations still have to be run (`migrate`).
    """

    code = "CEL513"
    name = "django-extension-not-installed"
    message = (
        '`{name}` = "{value}" needs `{app}` in `INSTALLED_APPS` of {unit}; without it the '
        "tables it writes to do not exist"
    )
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files=django_project(
                {
                    "base": """
                        DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
                        INSTALLED_APPS = DJANGO_APPS + ["shop"]
                        CELERY_RESULT_BACKEND = "django-db"  # error: CEL513
                    """,
                    "production": """
                        from .base import *  # noqa: F403

                        CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"  # error: CEL513
                    """,
                }
            ),
            fixed={
                "proj/settings/base.py": """
                    DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
                    INSTALLED_APPS = DJANGO_APPS + ["shop"]
                    CELERY_RESULT_BACKEND = "django-db"  # error: CEL513
                    INSTALLED_APPS += ["django_celery_results"]
                """,
                "proj/settings/production.py": """
                    from .base import *  # noqa: F403

                    CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"  # error: CEL513
                    INSTALLED_APPS += ["django_celery_beat"]
                """,
            },
        ),
        Valid(
            files=django_project(
                {
                    "base": """
                        DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
                        THIRD_PARTY_APPS = ["django_celery_results"]
                        INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + ["shop"]
                        CELERY_RESULT_BACKEND = "django-db"
                    """,
                    "production": """
                        from .base import *  # noqa: F403

                        INSTALLED_APPS += ["django_celery_beat"]
                        CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
                    """,
                    "local": """
                        import os

                        from .base import *  # noqa: F403

                        INSTALLED_APPS = os.environ["DJANGO_APPS"].split(",")
                        CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
                    """,
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        reported: set[tuple[str, int]] = set()
        for name, unit in config.units.items():
            if unit.source is None:
                continue
            effective = config.effective_map(name)
            values = config.unit_values(name)
            for setting, (needs, app) in _NEEDS.items():
                for value in values.get(setting, []):
                    if not isinstance(value.value, str) or value.value not in needs:
                        continue
                    if value.span is None or (value.path, value.span.line) in reported:
                        continue
                    installed = installed_apps(effective.get("INSTALLED_APPS", []))
                    if installed is None or not effective.get("INSTALLED_APPS"):
                        continue
                    if any(a == app or a.startswith(app + ".") for a in installed):
                        continue
                    reported.add((value.path, value.span.line))
                    yield Finding(
                        value.path,
                        value.span,
                        {"name": value.name, "value": value.value, "app": app, "unit": f"`{name}`"},
                        fix=_install(value, effective.get("INSTALLED_APPS", []), app),
                    )
