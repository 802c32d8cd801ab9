from __future__ import annotations

from collections.abc import Callable, Iterable

from celerylint.diagnostics import Severity, Span
from celerylint.kit.values import UNKNOWN, Value
from celerylint.project.config_checks import number, truth
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._broker_limits import Limit, broker_limit
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.django import is_test_module

_Report = Callable[[str | None, str, Span | None, str, float], Iterable[Finding]]


def _delay(kwargs: tuple[tuple[str, Value], ...], eta: float | None) -> tuple[str, float] | None:
    """("countdown" | "eta", seconds) of a call's literal delay. As in
    ``AMQP.as_task_v2``, a truthy ``countdown`` wins over ``eta``."""
    given = dict(kwargs)
    countdown = given.get("countdown")
    if countdown in (None, 0):
        return ("eta", eta) if eta is not None else None
    seconds = number(countdown)
    return ("countdown", seconds) if seconds is not None else None


_REMINDER = """
    from celery import shared_task


    @shared_task
    def send_reminder(user_id):
        return user_id
"""


class VisibilityTimeoutTooShort(ProjectRule):
    """
    ## What it does
    Reports countdowns and retry delays that outlast the broker's visibility timeout, so
    the message is delivered again while it waits.

    With a Redis or SQS broker, it reports delays at least as long as the visibility
    timeout (`broker_transport_options["visibility_timeout"]`, else kombu's default:
    3600 s for Redis, 1800 s for SQS): `apply_async(countdown=...)`,
    `self.retry(countdown=...)`, an `eta` written `now() + timedelta(...)` with literal
    arguments (`timezone.now()`, `datetime.now()`, `datetime.utcnow()`), a task's
    `default_retry_delay` or `retry_backoff_max` (with `autoretry_for`), and, with
    `acks_late`, a `time_limit`. With RabbitMQ, it reports the same delays when they reach
    its consumer timeout (`consumer_timeout`: 30 minutes by default since RabbitMQ 3.8.17;
    it was introduced in 3.8.15 with 15 minutes), unless quorum queues may be in use
    (`task_default_queue_type`, `x-queue-type` in `task_queues`): then Celery 5.5+ delays
    messages with RabbitMQ's native delayed delivery and the worker does not hold them.
    The broker comes from the production `broker_url` (environment defaults included);
    with an unknown broker or transport options, or an `eta` computed from a variable,
    celerylint stays silent.

    ## Why is this bad?
    The worker holds ETA/countdown messages unacknowledged until they are due. Redis and
    SQS hand an unacknowledged message to another worker when the visibility timeout runs
    out, so the task runs again, and again (Using Redis → *Caveats*); RabbitMQ closes the
    channel (`PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out`),
    and the message is delivered again when the worker reconnects.

    ## Use instead
    ```python
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 3600}
    ```
    or schedule long delays with a database-backed scheduler.

    ## Fix safety
    There is no fix.
    """

    code = "CEL506"
    name = "visibility-timeout-too-short"
    message = "{what} of {delay:g} s is not below {limit}; {consequence}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files=django_project(
                {"production": 'CELERY_BROKER_URL = "redis://redis:6379/0"'},
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": """
                        from celery import shared_task


                        @shared_task(bind=True, default_retry_delay=4 * 3600)  # error@25: CEL506
                        def send_reminder(self, user_id):
                            try:
                                return user_id
                            except ConnectionError as exc:
                                raise self.retry(exc=exc, countdown=7200)  # error@15: CEL506
                    """,
                    "shop/views.py": """
                        from shop.tasks import send_reminder


                        def remind_later(request, user_id):
                            send_reminder.apply_async((user_id,), countdown=2 * 3600)  # error: CEL506
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": """
                        from celery import shared_task


                        @shared_task
                        def send_reminder(user_id):
                            return user_id
                    """,
                    "shop/views.py": """
                        from shop.tasks import send_reminder


                        def remind_later(request, user_id):
                            send_reminder.apply_async((user_id,), countdown=2 * 3600)
                            send_reminder.apply_async((user_id,), countdown=600)
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {"production": "import os\nCELERY_BROKER_URL = os.environ['BROKER_URL']"},
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": """
                        from celery import shared_task


                        @shared_task
                        def send_reminder(user_id):
                            return user_id


                        def later(user_id):
                            send_reminder.apply_async((user_id,), countdown=2 * 3600)
                    """,
                },
            )
        ),
        # an eta of now() + a literal timedelta, on Redis and on RabbitMQ
        Invalid(
            files=django_project(
                {"production": 'CELERY_BROKER_URL = "redis://redis:6379/0"'},
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": _REMINDER,
                    "shop/views.py": """
                        from datetime import datetime, timedelta

                        from django.utils import timezone

                        from shop.tasks import send_reminder


                        def remind_later(request, user_id):
                            send_reminder.apply_async(  # error: CEL506
                                (user_id,), eta=timezone.now() + timedelta(hours=2)
                            )
                            send_reminder.apply_async(  # error: CEL506
                                (user_id,), eta=datetime.utcnow() + timedelta(0, 4000)
                            )
                            send_reminder.apply_async(
                                (user_id,), eta=timezone.now() + timedelta(minutes=30)
                            )
                    """,
                },
            )
        ),
        Invalid(
            files=django_project(
                {"production": 'CELERY_BROKER_URL = "amqp://rabbitmq:5672//"'},
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": _REMINDER,
                    "shop/views.py": """
                        from datetime import timedelta

                        from django.utils import timezone

                        from shop.tasks import send_reminder


                        def remind_later(request, user_id):
                            send_reminder.apply_async((user_id,), countdown=45 * 60)  # error: CEL506
                            send_reminder.apply_async(  # error: CEL506
                                (user_id,), eta=timezone.now() + timedelta(hours=1)
                            )
                            # below the 30-minute consumer timeout of RabbitMQ 3.8.17+
                            send_reminder.apply_async((user_id,), countdown=20 * 60)
                    """,
                },
            )
        ),
        # etas celerylint cannot compute, and quorum queues (native delayed delivery)
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "redis://redis:6379/0"
                        CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 3600}
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": _REMINDER,
                    "shop/views.py": """
                        from datetime import timedelta

                        from django.utils import timezone

                        from shop.tasks import send_reminder


                        def remind_later(request, user_id, start, hours):
                            send_reminder.apply_async((user_id,), eta=timezone.now() + timedelta(hours=6))
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {"production": 'CELERY_BROKER_URL = "redis://redis:6379/0"'},
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": _REMINDER,
                    "shop/views.py": """
                        from datetime import timedelta

                        from django.utils import timezone

                        from shop.tasks import send_reminder


                        def remind_later(request, user_id, start, hours):
                            send_reminder.apply_async((user_id,), eta=start + timedelta(hours=6))
                            send_reminder.apply_async((user_id,), eta=timezone.now() + timedelta(hours=hours))
                            send_reminder.apply_async((user_id,), eta=start)
                            send_reminder.apply_async(
                                (user_id,), countdown=60, eta=timezone.now() + timedelta(hours=6)
                            )
                    """,
                },
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        CELERY_BROKER_URL = "amqp://rabbitmq:5672//"
                        CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
                    """
                },
                {
                    "shop/__init__.py": "",
                    "shop/tasks.py": _REMINDER,
                    "shop/views.py": """
                        from shop.tasks import send_reminder


                        def remind_later(request, user_id):
                            send_reminder.apply_async((user_id,), countdown=2 * 3600)
                    """,
                },
            )
        ),
        Invalid(
            files={
                "reports/__init__.py": "",
                "reports/worker.py": """
                    from celery import Celery

                    app = Celery("reports", broker="redis://redis:6379/1")
                    app.conf.broker_transport_options = {"visibility_timeout": 12 * 3600}


                    @app.task
                    def build(report_id):
                        return report_id
                """,
                "mailer/__init__.py": "",
                "mailer/worker.py": """
                    from celery import Celery

                    app = Celery("mailer", broker="redis://redis:6379/2")


                    @app.task
                    def send(message_id):
                        return message_id
                """,
                "mailer/views.py": """
                    from mailer.worker import send
                    from reports.worker import build


                    def later(request, pk):
                        build.apply_async((pk,), countdown=4 * 3600)  # its own app waits 12 h
                        send.apply_async((pk,), countdown=4 * 3600)  # error: CEL506
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        config = index.config
        limits: dict[str | None, Limit | None] = {}

        def limit_for(app: str | None) -> Limit | None:
            if app not in limits:
                limits[app] = broker_limit(config, app)
            return limits[app]

        def finding(
            app: str | None, path: str, span: Span | None, what: str, delay: float
        ) -> Iterable[Finding]:
            limit = limit_for(app)
            if limit is None or span is None or delay < limit.seconds:
                return
            consequence = (
                "the broker hands the waiting message to another worker, so the task runs again"
                if limit.redelivers
                else "RabbitMQ closes the channel while the worker holds the message"
            )
            yield Finding(
                path,
                span,
                {"what": what, "delay": delay, "limit": limit.text, "consequence": consequence},
            )

        tasks = {t.qualname: t for t in index.tasks}

        def app_of(task: Task | None) -> str | None:
            return index.task_app(task) if task is not None else None

        for facts in index.modules.values():
            if is_test_module(facts.module):
                continue
            for call in facts.call_sites:
                if call.method != "apply_async":
                    continue
                found = _delay(call.kwargs, call.eta_delay)
                if found is None:
                    continue
                task = tasks.get(index.resolve(call.receiver)) if call.receiver else None
                what = "A countdown" if found[0] == "countdown" else "An eta"
                yield from finding(app_of(task), facts.path, call.span, what, found[1])
            for retry in facts.retries:
                found = _delay(retry.kwargs, retry.eta_delay)
                if found is None:
                    continue
                task = index.task_for(facts.path, retry.function)
                what = "A retry countdown" if found[0] == "countdown" else "A retry eta"
                yield from finding(app_of(task), facts.path, retry.span, what, found[1])
        for task in tasks.values():
            if not task.fact.module_level or is_test_module(task.module):
                continue
            app = app_of(task)
            acks_late_global = any(
                (t := truth(v)) is not None and t.value
                for v in config.values_for("task_acks_late", app)
            )
            yield from self._task_options(task, app, acks_late_global, finding)
        for value in config.production_values("task_time_limit"):
            apps = value.source.apps
            app = apps[0] if len(apps) == 1 else None
            limit = limit_for(app)
            seconds = number(value.value)
            acks_late = any(
                (t := truth(v)) is not None and t.value
                for v in config.values_for("task_acks_late", app)
            )
            if limit is not None and limit.redelivers and acks_late and seconds is not None:
                yield from finding(
                    app, value.path, value.span, f"With acks_late, `{value.name}`", seconds
                )

    @staticmethod
    def _task_options(
        task: Task, app: str | None, acks_late_global: bool, finding: _Report
    ) -> Iterable[Finding]:
        spans = {o.name: o.span for o in task.fact.options}
        delay = number(task.options.get("default_retry_delay", UNKNOWN))
        if delay is not None:
            yield from finding(
                app, task.path, spans.get("default_retry_delay"), "`default_retry_delay`", delay
            )
        backoff_max = number(task.options.get("retry_backoff_max", UNKNOWN))
        if (
            backoff_max is not None
            and task.options.get("autoretry_for") is not None
            and task.options.get("retry_backoff") not in (None, False, 0)
        ):
            yield from finding(
                app, task.path, spans.get("retry_backoff_max"), "`retry_backoff_max`", backoff_max
            )
        acks_late = task.options.get("acks_late", UNKNOWN)
        time_limit = number(task.options.get("time_limit", UNKNOWN))
        if time_limit is not None and (
            acks_late is True or (acks_late is UNKNOWN and acks_late_global)
        ):
            yield from finding(
                app, task.path, spans.get("time_limit"), "With acks_late, `time_limit`", time_limit
            )
