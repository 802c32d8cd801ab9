from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.config_checks import number, production_contexts, truth
from celerylint.project.config_types import ConfigValue
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics import celery_data

DEFAULT_MULTIPLIER = celery_data.SETTING_DEFAULTS.get("worker_prefetch_multiplier", 4)


class PrefetchVsAcksLate(ProjectRule):
    """
    ## What it does
    In production settings, reports `task_acks_late = True` while
    `worker_prefetch_multiplier` is unset (default 4) or above 1 (info), and
    `worker_prefetch_multiplier = 0`, which means no limit at all (warning).

    ## Why is this bad?
    With late acknowledgement each worker process still reserves several messages: long
    tasks then wait behind each other on one busy worker while others sit idle, and the
    reserved messages are redelivered together when it dies. The docs pair the two
    settings (Optimizing → *Reserve one task at a time*). With 0, a worker keeps taking
    messages; ETA tasks held in memory can exhaust RAM (celery/celery#9849).

    ## Use instead
    ```python
    CELERY_TASK_ACKS_LATE = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    ```

    ## Fix safety
    Setting the multiplier to 1 would be unsafe: it lowers throughput for many short
    tasks (the fix is not implemented yet).
    """

    code = "CEL505"
    name = "prefetch-vs-acks-late"
    message = (
        "`{name}` is on while `worker_prefetch_multiplier` is {multiplier}: each worker "
        "process reserves several messages it acknowledges late; set the multiplier to 1"
    )
    severity = Severity.INFO
    examples = (
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ACKS_LATE = True  # error: CEL505
                    """
                }
            )
        ),
        Invalid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_WORKER_PREFETCH_MULTIPLIER = 0  # error: CEL505
                    """
                }
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_TASK_ACKS_LATE = True
                        CELERY_WORKER_PREFETCH_MULTIPLIER = 1
                    """,
                    "test": """
                        CELERY_TASK_ACKS_LATE = True
                        CELERY_WORKER_PREFETCH_MULTIPLIER = 0
                    """,
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        reported: set[tuple[str, int, int]] = set()
        for values in production_contexts(config):
            for finding in self._context(values):
                key = (finding.path, finding.span.line, finding.span.column)
                if key not in reported:
                    reported.add(key)
                    yield finding

    def _context(self, values: list[ConfigValue]) -> Iterable[Finding]:
        multipliers = [v for v in values if v.setting == "worker_prefetch_multiplier"]
        for value in multipliers:
            if number(value.value) == 0 and value.span is not None:
                yield Finding(
                    value.path,
                    value.span,
                    message=f"`{value.name} = 0` lets each worker reserve messages without "
                    "limit; ETA tasks held in memory can exhaust it: use 1",
                    severity=Severity.WARNING,
                )
        known = [number(v.value) for v in multipliers]
        if any(m is None for m in known):
            return  # read from the environment without a default, or computed
        effective = known[-1] if known else DEFAULT_MULTIPLIER
        if effective is None or effective <= 1:
            return
        for value in values:
            if value.setting != "task_acks_late":
                continue
            on = truth(value)
            if on is None or not on.value or not on.certain or value.span is None:
                continue
            multiplier = f"unset (default {effective:g})" if not known else f"{effective:g}"
            yield Finding(value.path, value.span, {"name": value.name, "multiplier": multiplier})
