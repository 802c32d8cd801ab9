from __future__ import annotations

from collections.abc import Iterable, Iterator

from celerylint.diagnostics import Severity
from celerylint.kit.values import CallValue, DictValue, ListValue, Ref, Value
from celerylint.project.config_model import ProjectConfig
from celerylint.project.config_types import ConfigValue, SourceKind
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.config_names import (
    NEW_TO_OLD,
    SETTING_KEYS,
    SETTING_SINCE,
    available,
    is_config_name,
    is_extra_read,
    meaning,
    spelling,
    suggest,
)

#: documented in "Using Redis" as a top-level key, but neither celery nor kombu reads it
_TRANSPORT_OPTION_NAMES = frozenset({"visibility_timeout"})


def _refs(value: Value) -> Iterator[str]:
    if isinstance(value, Ref):
        yield value.name.rsplit(".", 1)[-1]
    elif isinstance(value, tuple):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, ListValue):
        for item in value.items:
            yield from _refs(item)
    elif isinstance(value, DictValue):
        for key, item in value.items:
            yield from _refs(key)
            yield from _refs(item)
    elif isinstance(value, CallValue):
        for item in value.args:
            yield from _refs(item)
        for _, item in value.kwargs:
            yield from _refs(item)


def referenced_names(index: ProjectIndex) -> frozenset[str]:
    """Names other configuration values refer to (``broker_url = REDIS_URL``): helper
    constants of a config module, not misspelt settings."""
    found: set[str] = set()
    for facts in index.modules.values():
        for assignment in facts.assignments:
            found.update(_refs(assignment.value))
        for write in facts.setting_writes:
            found.update(_refs(write.value))
            for alternative in write.alternatives:
                found.update(_refs(alternative))
    return frozenset(found)


class UnknownSetting(ProjectRule):
    """
    ## What it does
    Reports setting names Celery never reads, with a "did you mean" when one is close.

    What Celery reads depends on how the source is read:
    - Django settings read with `namespace="CELERY"`: a `CELERY_*` name that is neither
      `CELERY_` + a setting name nor an old setting name (`CELERY_TASK_MAX_RETRIES`,
      `CELERY_TASK_ACK_LATE`), and lowercase setting names (Django drops them);
    - a config module, class, `app.conf.update()` or `Celery(**kw)` read without a namespace:
      names that look like settings but are none, including the Django spellings
      (`CELERY_TASK_ALWAYS_EAGER`, `CELERY_BROKER_URL`), which only a namespace reads;
    - settings newer than the Celery version the project targets (`celery-version`, else
      its declared dependency, else the installed celery).

    Names the project reads itself (`settings.CELERY_FOO`, `getattr(settings, "CELERY_FOO")`,
    `app.conf.CELERY_FOO`), names other settings refer to, and the few names Celery reads
    outside `celery/app/defaults.py` are not reported. A close match is suggested.

    ## Why is this bad?
    Celery never validates setting names: a misspelt or unsupported setting is ignored
    without a message, so the behaviour it was meant to change never happens.

    ## Use instead
    ```python
    CELERY_TASK_ACKS_LATE = True
    # max_retries is a task option: @shared_task(max_retries=3)
    ```

    ## Fix safety
    Renaming to the suggestion would be unsafe: it switches on a setting that had no
    effect until now (the fix is not implemented yet).
    """

    code = "CEL508"
    name = "unknown-setting"
    message = "`{name}` is not a setting Celery reads{why}, so it has no effect{hint}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ACK_LATE = True  # error: CEL508
                        CELERY_TASK_MAX_RETRIES = 3  # error: CEL508
                        broker_url = "redis://redis:6379/0"  # error: CEL508
                    """
                }
            )
        ),
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/celeryconfig.py": """
                    broker_url = "redis://redis:6379/0"
                    CELERY_TASK_ALWAYS_EAGER = False  # error: CEL508
                    task_ignore_results = True  # error: CEL508
                """,
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker")
                    app.config_from_object("worker.celeryconfig")
                """,
            }
        ),
        Invalid(
            files={
                "pyproject.toml": """
                    [project]
                    name = "shop"
                    dependencies = ["celery>=5.4,<6"]
                """,
                **django_project(
                    {
                        "production": """
                            CELERY_BROKER_URL = "redis://redis:6379/0"
                            CELERY_WORKER_ETA_TASK_LIMIT = 1000  # error: CEL508
                        """
                    }
                ),
            }
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        import os

                        REDIS_URL = "redis://redis:6379/0"
                        CELERY_BROKER_URL = REDIS_URL
                        CELERY_TASK_ACKS_LATE = True
                        CELERY_WORKER_PREFETCH_MULTIPLIER = 1
                        CELERY_RESTRICT_WRITER_METHOD = "shop.db.writer"
                        CELERY_DB_REUSE_MAX = 10
                        CELERY_WORKER_ETA_TASK_LIMIT = 1000
                        SECRET_KEY = "not-a-celery-setting"
                        redis_host = os.getenv("REDIS_HOST", "localhost")
                        CELERY_RESULT_BACKEND = f"redis://{redis_host}:6379/1"
                        CELERY_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
                        CELERY_EMAIL_TASK_CONFIG = {"rate_limit": "50/m"}
                        CELERY_REDBEAT_REDIS_URL = "redis://redis:6379/2"
                        CELERY_MONGODB_SCHEDULER_DB = "beat"
                        CELERY_SINGLETON_LOCK_EXPIRY = 60
                        CELERY_CACHE_BACKEND = "default"
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/db.py": """
                        from django.conf import settings


                        def writer():
                            return getattr(settings, "CELERY_RESTRICT_WRITER_METHOD")
                    """,
                },
            )
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/celeryconfig.py": """
                    REDIS_HOST = "redis"
                    broker_url = "redis://" + REDIS_HOST + ":6379/0"
                    worker_logfile = "/var/log/celery/worker.log"
                """,
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker", broker_pool_limit=10)
                    app.config_from_object("worker.celeryconfig")
                    app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1)
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        referenced: frozenset[str] | None = None
        target = config.celery_version
        for value in config.all_values:
            if value.span is None:
                continue
            if value.setting is not None:
                if not available(value.setting, target.version):
                    since = ".".join(str(p) for p in SETTING_SINCE[value.setting])
                    yield Finding(
                        value.path,
                        value.span,
                        {
                            "name": value.name,
                            "why": f" before Celery {since}",
                            "hint": f" on Celery {target.text}, which the project targets "
                            f"({target.origin})",
                        },
                    )
                continue
            if not self._candidate(value):
                continue
            if value.name in config.project_reads or is_extra_read(
                value.name, value.source.namespace
            ):
                continue
            if referenced is None:
                referenced = referenced_names(index)
            if value.name in referenced:
                continue
            why, hint = self._explain(value, config)
            if hint is None:
                continue
            yield Finding(value.path, value.span, {"name": value.name, "why": why, "hint": hint})

    @staticmethod
    def _candidate(value: ConfigValue) -> bool:
        name = value.name
        if value.source.kind == SourceKind.DJANGO:
            return name.startswith("CELERY") if name.isupper() else name in SETTING_KEYS
        if value.op in {"item", "update", "append", "extend", "+="}:
            return False
        return name.startswith("CELERY") or is_config_name(name)

    @staticmethod
    def _explain(value: ConfigValue, config: ProjectConfig) -> tuple[str, str | None]:
        """(why it is not read, the hint); hint None: do not report."""
        name = value.name
        source = value.source
        namespace = source.namespace if source.namespace_known else "CELERY"
        if source.kind == SourceKind.DJANGO and not name.isupper():
            if value.env_driven or isinstance(value.written, CallValue):
                return "", None  # a helper read from the environment (``redis_host = ...``)
            return (
                " (Django loads only UPPERCASE settings)",
                f": use `{spelling(name, namespace or 'CELERY')}`",
            )
        if name.lower() in _TRANSPORT_OPTION_NAMES or name.upper() == "CELERY_VISIBILITY_TIMEOUT":
            return (
                "",
                ': put it in `broker_transport_options` ({"visibility_timeout": ...})',
            )
        if source.namespace is None and source.namespace_known:
            namespaced = meaning(name, "CELERY")
            if namespaced is not None:
                setting = namespaced.setting
                if source.kind == SourceKind.DJANGO:
                    old = NEW_TO_OLD.get(setting)
                    better = (
                        f'`{old}` or `namespace="CELERY"`'
                        if old
                        else ('`namespace="CELERY"` in `config_from_object()`')
                    )
                    return " without a namespace", f": use {better}"
                return " without a namespace (it is the Django spelling)", f": use `{setting}`"
        close = suggest(name, namespace if source.kind == SourceKind.DJANGO else source.namespace)
        if close is not None:
            return "", f" (did you mean `{close}`?)"
        if source.kind == SourceKind.DJANGO or name.startswith("CELERY"):
            return "", ""
        if name.islower() and is_config_name(name):
            return "", ""
        return "", None
