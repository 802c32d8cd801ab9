from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import NO_SPAN, Severity
from celerylint.project.django import ignored_atomic_requests
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid


class AtomicRequestsNotInDatabases(ProjectRule):
    """
    ## What it does
    Reports `ATOMIC_REQUESTS = True` written as a top-level setting in a Django settings
    module, unless the project reads `settings.ATOMIC_REQUESTS` itself (in the modules
    celerylint analyses: those that use Celery).

    ## Why is this bad?
    Django reads `ATOMIC_REQUESTS` only as a key of a database entry
    (`DATABASES["default"]["ATOMIC_REQUESTS"]`); a top-level setting of that name is
    ignored without a warning. The views are not wrapped in transactions, so code written
    for atomic requests (several writes that must succeed together) is not protected.

    ## Use instead
    ```python
    DATABASES = {"default": env.db()}
    DATABASES["default"]["ATOMIC_REQUESTS"] = True
    ```

    ## Fix safety
    There is no fix: turning on atomic requests changes every view's behaviour (and which
    databases should get it is the project's choice).
    """

    code = "CEL312"
    name = "atomic-requests-not-in-databases"
    message = 'Django ignores a top-level `ATOMIC_REQUESTS` setting, so views do not run in transactions; set it in the database entry: `DATABASES["default"]["ATOMIC_REQUESTS"] = True`'
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/settings.py": """
                    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
                    ATOMIC_REQUESTS = True  # error: CEL312
                    INSTALLED_APPS = ["shop"]
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/settings.py": """
                    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
                    DATABASES["default"]["ATOMIC_REQUESTS"] = True
                    INSTALLED_APPS = ["shop"]
                """,
                # not a settings module
                "shop/__init__.py": "",
                "shop/flags.py": """
                    ATOMIC_REQUESTS = True
                """,
            }
        ),
        # the project reads the setting itself
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/settings.py": """
                    ATOMIC_REQUESTS = False
                    EXPORT_ATOMIC_REQUESTS = True
                    INSTALLED_APPS = ["shop"]
                """,
                "proj/more_settings.py": """
                    ATOMIC_REQUESTS = True
                    INSTALLED_APPS = ["shop"]
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task
                    from django.conf import settings


                    @shared_task
                    def export():
                        if settings.ATOMIC_REQUESTS:
                            return None
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        for path, write in ignored_atomic_requests(index):
            yield Finding(path, write.span or NO_SPAN)
