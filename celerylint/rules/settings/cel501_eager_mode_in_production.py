from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.config_checks import truth, where
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project, env_selected_project
from celerylint.semantics.config_env import NO_BROKER


class EagerModeInProduction(ProjectRule):
    """
    ## What it does
    Reports eager mode (`task_always_eager`) turned on in configuration that production
    uses.

    That is a production settings module, a shared module (such as `settings/base.py`)
    that a production module inherits without overriding it, a single-file `settings.py`,
    a `celeryconfig`, `Celery(task_always_eager=True)` or `app.conf...` at import time.
    Every spelling counts (`CELERY_TASK_ALWAYS_EAGER`, `CELERY_ALWAYS_EAGER`,
    `task_always_eager`), as the config source's namespace reads it.

    Values read from the environment are judged by their default and reported as
    warnings; a value in one branch of `x if c else y` or under an `if` celerylint cannot
    read is reported as info. Test, local and development settings, `if DEBUG:`/`if
    TESTING:` blocks, `conftest.py`, tests and `@override_settings` are never production.

    ## Why is this bad?
    With eager mode, `delay()` runs the task inside the caller: web requests block on task
    work, and retries, time limits, routing and the result backend do nothing
    (Configuration → `task_always_eager`).

    ## Use instead
    ```python
    # settings/test.py
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    ```

    ## Fix safety
    There is no fix: where eager mode belongs is for a human to decide.
    """

    code = "CEL501"
    name = "eager-mode-in-production"
    message = (
        "`{name}` turns eager mode on in {where}{reason}; tasks run inside the caller, "
        "without the broker, retries or time limits"
    )
    severity = Severity.ERROR
    examples = (
        Valid(
            # eager mode in the env-selected module only the test suite picks
            files=env_selected_project(
                {
                    "base": 'broker_url = "redis://redis:6379/0"',
                    "production": "from ledger.config.base import *  # noqa: F403",
                    "testing": """
                        from ledger.config.base import *  # noqa: F403

                        task_always_eager = True
                        task_eager_propagates = True
                    """,
                },
            )
        ),
        Invalid(
            files=django_project(
                {
                    "base.py": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ALWAYS_EAGER = True  # error: CEL501
                    """,
                    "production.py": """
                        from .base import *  # noqa: F403

                        DEBUG = False
                    """,
                    "test.py": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_EAGER_PROPAGATES = True
                    """,
                }
            )
        ),
        Invalid(
            files={
                "site/__init__.py": "",
                "site/settings.py": """
                    import os

                    DEBUG = False
                    CELERY_ALWAYS_EAGER = os.environ.get("EAGER", True)  # error: CEL501
                """,
            }
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/settings.py": """
                    import os

                    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL")
                    CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL  # error: CEL501
                """,
            }
        ),
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker", broker="redis://r:6379/0")
                    app.conf.task_always_eager = True  # error: CEL501
                """,
            }
        ),
        Valid(
            files=django_project(
                {
                    "base.py": 'CELERY_BROKER_URL = "redis://redis:6379/0"',
                    "production.py": "from .base import *  # noqa: F403",
                    "local.py": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_ALWAYS_EAGER = True
                        CELERY_TASK_EAGER_PROPAGATES = True
                    """,
                    "test.py": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_ALWAYS_EAGER = True
                        CELERY_TASK_EAGER_PROPAGATES = True
                    """,
                },
                {
                    "conftest.py": """
                        from proj.celery import app

                        app.conf.task_always_eager = True
                        app.conf.task_eager_propagates = True
                    """,
                    "shop/__init__.py": "",
                    "shop/tests.py": """
                        from django.test import TestCase, override_settings


                        @override_settings(CELERY_TASK_ALWAYS_EAGER=True)
                        class CheckoutTests(TestCase):
                            def test_checkout(self):
                                pass
                    """,
                },
            )
        ),
        Valid(
            files={
                "site/__init__.py": "",
                "site/settings.py": """
                    import os
                    import sys

                    TESTING = "test" in sys.argv
                    DEBUG = os.environ.get("DEBUG") == "1"
                    CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_EAGER", False)
                    CELERY_TASK_EAGER_PROPAGATES = True
                    if TESTING:
                        CELERY_TASK_ALWAYS_EAGER = True
                    if DEBUG:
                        CELERY_TASK_ALWAYS_EAGER = True


                    class TestSettings:
                        CELERY_TASK_ALWAYS_EAGER = True
                        CELERY_TASK_EAGER_PROPAGATES = True
                """,
            }
        ),
        Valid(
            files=django_project(
                {
                    "base.py": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ALWAYS_EAGER = True
                    """,
                    "production.py": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_ALWAYS_EAGER = False
                    """,
                }
            )
        ),
        Valid(
            files=django_project(
                {
                    "production.py": """
                        from configparser import ConfigParser

                        config = ConfigParser()
                        config.read("/etc/shop.cfg")
                        HAS_CELERY = config.has_option("celery", "broker")
                        if HAS_CELERY:
                            CELERY_BROKER_URL = config.get("celery", "broker")
                        else:
                            CELERY_TASK_ALWAYS_EAGER = True  # no broker at all: run tasks inline
                        if not config.has_option("celery", "broker"):
                            CELERY_TASK_EAGER_PROPAGATES = True
                    """,
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        for value in config.values("task_always_eager"):
            if not value.reaches_production or value.span is None:
                continue
            if value.guard == NO_BROKER:
                continue  # ``else:`` of ``if HAS_CELERY:``: eager stands in for a missing broker
            on = truth(value)
            if on is None or not on.value:
                continue
            if not on.certain:
                severity, reason = Severity.INFO, " (depending on a condition)"
            elif value.env is not None:
                var = f"`{value.env.var}`" if value.env.var else "the variable"
                severity, reason = Severity.WARNING, f" (by default, when {var} is unset)"
            else:
                severity, reason = Severity.ERROR, ""
            yield Finding(
                value.path,
                value.span,
                {"name": value.name, "where": where(value), "reason": reason},
                severity=severity,
            )
