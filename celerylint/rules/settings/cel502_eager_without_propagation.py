from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Fix, FixSafety, Severity
from celerylint.kit.text_edits import line_insertion
from celerylint.project.config_checks import truth
from celerylint.project.config_types import ConfigValue
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.config_env import Kind
from celerylint.semantics.config_names import spelling

_TEST_KINDS = frozenset({Kind.TEST, Kind.DEVELOPMENT})


def _on(values: Iterable[ConfigValue]) -> bool:
    return any((t := truth(v)) is not None and t.value for v in values)


class EagerWithoutPropagation(ProjectRule):
    """
    ## What it does
    Reports test (and local development) configuration that turns `task_always_eager` on
    without `task_eager_propagates`: in settings modules and classes classified as test or
    development, under `if TESTING:`/`if DEBUG:`, and in `app.conf` writes in test modules
    and `conftest.py`.

    ## Why is this bad?
    An exception raised inside an eager task is stored on the `EagerResult` (state
    `FAILURE`) instead of being raised at the call site, so a test that calls a broken
    task still passes (Configuration → `task_eager_propagates`).

    ## Use instead
    ```python
    # settings/test.py
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    ```

    ## Fix safety
    The fix adds `CELERY_TASK_EAGER_PROPAGATES = True` (spelt as the source spells its
    settings) on the line after a module-level eager setting. It is safe in test settings:
    only tests that were passing over a failing task start to fail. In development
    settings it is unsafe (errors that were swallowed now surface in local runs). Settings
    under an `if`, in classes and `app.conf` writes are left alone.
    """

    code = "CEL502"
    name = "eager-without-propagation"
    message = (
        "Eager mode is on in {where} but `{propagates}` is not, so exceptions raised in "
        "tasks are stored on the result instead of failing the test"
    )
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files=django_project(
                {
                    "base.py": 'CELERY_BROKER_URL = "redis://redis:6379/0"',
                    "production.py": "from .base import *  # noqa: F403",
                    "test.py": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_ALWAYS_EAGER = True  # error: CEL502
                    """,
                }
            ),
            fixed={
                "proj/settings/test.py": """
                    from .base import *  # noqa: F403

                    CELERY_TASK_ALWAYS_EAGER = True  # error: CEL502
                    CELERY_TASK_EAGER_PROPAGATES = True
                """,
            },
        ),
        Invalid(
            files={
                "site/__init__.py": "",
                "site/settings.py": """
                    import sys

                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    if "pytest" in sys.modules:
                        CELERY_TASK_ALWAYS_EAGER = True  # error: CEL502
                """,
                "app/__init__.py": "",
                "app/worker.py": """
                    from celery import Celery

                    app = Celery("app")
                """,
                "app/tests/__init__.py": "",
                "app/tests/conftest.py": """
                    from app.worker import app

                    app.conf.update(task_always_eager=True)  # error@17: CEL502
                """,
            }
        ),
        Valid(
            files=django_project(
                {
                    "base": 'CELERY_BROKER_URL = "redis://redis:6379/0"',
                    "production": "from .base import *  # noqa: F403",
                    "test": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_EAGER_PROPAGATES = True
                    """,
                },
                {
                    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = proj.settings.test\n",
                    "conftest.py": """
                        import pytest

                        from proj.celery import app


                        @pytest.fixture(autouse=True)
                        def inline_tasks():
                            app.conf.task_always_eager = True
                            yield
                            app.conf.task_always_eager = False
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {
                    "base.py": 'CELERY_BROKER_URL = "redis://redis:6379/0"',
                    "production.py": "from .base import *  # noqa: F403",
                    "test.py": """
                        from .base import *  # noqa: F403

                        CELERY_TASK_ALWAYS_EAGER = True
                        CELERY_TASK_EAGER_PROPAGATES = True
                    """,
                    "test_ci.py": """
                        from .test import *  # noqa: F403

                        CELERY_BROKER_URL = "memory://"
                    """,
                }
            )
        ),
        Valid(
            files={
                "site/__init__.py": "",
                "site/settings.py": """
                    import sys

                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_TASK_EAGER_PROPAGATES = True
                    CELERY_TASK_ALWAYS_EAGER = "test" in sys.argv
                    if "test" in sys.argv:
                        CELERY_TASK_ALWAYS_EAGER = True
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        reported: set[tuple[str, int, int]] = set()
        for name in config.units:
            values = config.unit_values(name)
            # eager values meant for tests; one inherited from a shared module is CEL501's
            eager = [v for v in values.get("task_always_eager", []) if v.kind in _TEST_KINDS]
            if _on(eager) and not _on(values.get("task_eager_propagates", [])):
                for value in eager:
                    yield from self._report(value, f"`{name}`", reported)
        # ``app.conf`` writes in tests and conftest files, per module and function
        groups: dict[tuple[str, str | None], list[ConfigValue]] = {}
        for value in config.app_values():
            if value.kind is Kind.TEST and value.setting is not None:
                groups.setdefault((value.path, value.function), []).append(value)
        for (path, _), writes in groups.items():
            eager = [v for v in writes if v.setting == "task_always_eager"]
            propagates = [v for v in writes if v.setting == "task_eager_propagates"]
            # the test settings the app reads may turn propagation on already
            app = eager[0].source.name if eager else None
            propagates += [
                v
                for v in config.values_for("task_eager_propagates", app, production=False)
                if v.kind is Kind.TEST and v.unit is not None
            ]
            if _on(eager) and not _on(propagates):
                for value in eager:
                    yield from self._report(value, f"`{path}`", reported)

    def _report(
        self, value: ConfigValue, where: str, reported: set[tuple[str, int, int]]
    ) -> Iterable[Finding]:
        on = truth(value)
        if value.span is None or on is None or not on.value:
            return
        key = (value.path, value.span.line, value.span.column)
        if key in reported:
            return
        reported.add(key)
        namespace = value.source.namespace if value.source.namespace_known else "CELERY"
        if value.unit is None or not value.name.isupper():
            namespace = None
        propagates = spelling("task_eager_propagates", namespace)
        fix = None
        # a module-level statement starts at column 1: the next line is ours to add
        top_level = value.op == "=" and value.unit is not None and value.span.column == 1
        if top_level and not value.conditional:
            fix = Fix(
                f"Add `{propagates} = True`",
                FixSafety.SAFE if value.kind is Kind.TEST else FixSafety.UNSAFE,
                (line_insertion(value.span, f"{propagates} = True\n"),),
            )
        yield Finding(value.path, value.span, {"where": where, "propagates": propagates}, fix=fix)
