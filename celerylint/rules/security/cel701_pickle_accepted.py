from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.config_types import ConfigValue, literal_strings
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project, env_selected_project
from celerylint.semantics.config_env import Kind
from celerylint.semantics.django import is_test_module

PICKLE = frozenset({"pickle", "application/x-python-serialize"})
ACCEPT = frozenset({"accept_content", "result_accept_content"})
SERIALIZERS = frozenset({"task_serializer", "result_serializer", "event_serializer"})
_NOT_PRODUCTION = frozenset({Kind.TEST, Kind.DEVELOPMENT})


def _pickle_in(value: ConfigValue) -> bool:
    return any(s.lower() in PICKLE for c in value.candidates for s in literal_strings(c))


class PickleAccepted(ProjectRule):
    """
    ## What it does
    Reports configuration that accepts or sends pickle-serialized messages.

    That is `pickle` (or `application/x-python-serialize`) in `accept_content` or
    `result_accept_content` (error), and as `task_serializer`, `result_serializer`,
    `event_serializer`, a task's `serializer=` option or `apply_async(serializer=...)`
    (warning: the producer sends pickle, which workers must then accept). Every spelling
    and source counts; test and development settings are left alone. Configurations that
    enable message signing (`security_key`, `task_serializer = "auth"`) are reported as
    info.

    ## Why is this bad?
    Unpickling runs arbitrary code: anyone who can put a message on the broker (or write
    to the result backend) can execute code in every worker (Security → *Serializers*).
    JSON is the default for a reason; `yaml` is safe too (kombu uses `safe_load`).

    ## Use instead
    ```python
    CELERY_ACCEPT_CONTENT = ["json"]
    ```

    ## Fix safety
    There is no fix: the message format changes for every producer and consumer.
    """

    code = "CEL701"
    name = "pickle-accepted"
    message = (
        "{what}; unpickling a message runs arbitrary code, so broker access becomes code execution"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            # the config module is chosen by LEDGER_CELERY_CONFIG; its default is a candidate
            files=env_selected_project(
                {
                    "base": """
                        broker_url = "redis://redis:6379/0"
                        accept_content = ["json"]
                    """,
                    "production": """
                        from ledger.config.base import *  # noqa: F403

                        accept_content = ["json", "pickle"]  # error: CEL701
                    """,
                }
            )
        ),
        Valid(
            # only pytest selects ``testing`` (pyproject ``env =``): no production finding
            files=env_selected_project(
                {
                    "base": """
                        broker_url = "redis://redis:6379/0"
                        accept_content = ["json"]
                    """,
                    "production": "from ledger.config.base import *  # noqa: F403",
                    "testing": """
                        from ledger.config.base import *  # noqa: F403

                        accept_content = ["json", "pickle"]
                    """,
                },
                {
                    "pyproject.toml": """
                        [tool.pytest.ini_options]
                        env = ["LEDGER_CELERY_CONFIG=ledger.config.testing"]
                    """,
                },
            )
        ),
        Valid(
            # the module is chosen by a value that cannot be known: no guess
            files={
                "jobs/__init__.py": "",
                "jobs/worker.py": """
                    import sys

                    from celery import Celery

                    app = Celery("jobs")
                    app.config_from_object(sys.argv[1])
                """,
                "jobs/config/__init__.py": "",
                "jobs/config/production.py": """
                    broker_url = "redis://redis:6379/0"
                    accept_content = ["json", "pickle"]
                """,
            }
        ),
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                        CELERY_ACCEPT_CONTENT = ["pickle", "json"]  # error: CEL701
                        CELERY_RESULT_SERIALIZER = "pickle"  # error: CEL701
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": """
                        from celery import shared_task


                        @shared_task(serializer="pickle")  # error@14: CEL701
                        def render_invoice(invoice):
                            return invoice
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_ACCEPT_CONTENT = ["json", "yaml"]
                        CELERY_TASK_SERIALIZER = "json"
                    """,
                    "test": 'CELERY_ACCEPT_CONTENT = ["json", "pickle"]',
                }
            )
        ),
        # no result backend: no result is ever serialized
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_RESULT_SERIALIZER = "pickle"
                    """,
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        signed = bool(config.values("security_key")) or any(
            v.value == "auth" for v in config.values("task_serializer")
        )
        no_backend = (
            config.has_sources
            and config.complete
            and not config.values("result_backend")
            and not config.files.env_assignments("CELERY_RESULT_BACKEND")
        )
        for value in config.all_values:
            if value.setting not in ACCEPT | SERIALIZERS or value.span is None:
                continue
            if value.setting == "result_serializer" and no_backend:
                continue  # no result backend stores anything: the serializer is moot
            if value.kind in _NOT_PRODUCTION or not _pickle_in(value):
                continue
            accepted = value.setting in ACCEPT
            what = (
                f"`{value.name}` accepts pickle"
                if accepted
                else f"`{value.name}` sends messages as pickle"
            )
            severity = Severity.ERROR if accepted else Severity.WARNING
            if signed:
                severity = Severity.INFO
            yield Finding(value.path, value.span, {"what": what}, severity=severity)
        yield from self._task_options(index, signed)

    @staticmethod
    def _task_options(index: ProjectIndex, signed: bool) -> Iterable[Finding]:
        severity = Severity.INFO if signed else Severity.WARNING
        for task in index.tasks:
            if is_test_module(task.module):
                continue
            for option in task.fact.options:
                if (
                    option.name == "serializer"
                    and option.span is not None
                    and isinstance(option.value, str)
                    and option.value.lower() in PICKLE
                ):
                    yield Finding(
                        task.path,
                        option.span,
                        {"what": f"Task `{task.qualname}` sends its messages as pickle"},
                        severity=severity,
                    )
        for facts in index.modules.values():
            if is_test_module(facts.module):
                continue
            for call in facts.call_sites:
                if call.method != "apply_async" or call.span is None:
                    continue
                serializer = dict(call.kwargs).get("serializer")
                if isinstance(serializer, str) and serializer.lower() in PICKLE:
                    yield Finding(
                        facts.path,
                        call.span,
                        {"what": '`apply_async(serializer="pickle")` sends this message as pickle'},
                        severity=severity,
                    )
