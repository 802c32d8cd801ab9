from __future__ import annotations

from collections.abc import Iterator

from celerylint.diagnostics import Severity
from celerylint.kit.values import DictValue
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import OptionSite
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.retries._options import holder_text, span_of


class UnboundedRetries(ProjectRule):
    """
    ## What it does
    Reports `max_retries=None` on a task: in its decorator, a decorator alias or wrapper, a
    literal `**OPTIONS` dict spread into one of those, a `celery.Task` subclass attribute, or
    `retry_kwargs={"max_retries": None}`.

    `self.retry(max_retries=None)` is not reported: there `None` means "use the task's
    limit", not "retry forever". Nor is a task whose every `self.retry(...)` call passes
    its own bound (`max_retries=5`) and that has no `autoretry_for`: those calls decide.

    ## Why is this bad?
    `None` means the task retries forever (Tasks guide → *Automatic retry for known
    exceptions*). A poison message, or a dependency that never recovers, then circulates for
    good, using worker slots and broker capacity, and nothing ever reports the failure.

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=8, autoretry_for=(ConnectionError,), retry_backoff=True)
    def sync_user(self, user_id): ...
    ```

    ## Fix safety
    There is no fix: the right bound depends on the task.
    """

    code = "CEL204"
    name = "unbounded-retries"
    message = "`max_retries=None` in {holder} retries forever; set a bound so poison messages end up failed"
    severity = Severity.WARNING
    examples = (
        # an app imported from a project module, in every import form
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                """,
                "proj/a.py": """
                    from proj.celery import app


                    @app.task(max_retries=None)  # error@11: CEL204
                    def a1():
                        pass
                """,
                "proj/b.py": """
                    import proj.celery


                    @proj.celery.app.task(max_retries=None)  # error@23: CEL204
                    def b1():
                        pass
                """,
                "proj/c.py": """
                    from proj import celery as c


                    @c.app.task(max_retries=None)  # error@13: CEL204
                    def c1():
                        pass
                """,
                "proj/d.py": """
                    import proj.celery as pc


                    @pc.app.task(bind=True, max_retries=None)  # error@25: CEL204
                    def d1(self):
                        pass
                """,
            }
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=None)  # error@25: CEL204
            def poll_export(self, export_id):
                raise self.retry(countdown=60)
            """
        ),
        Invalid(
            """
            from celery import shared_task

            keep_trying = shared_task(
                autoretry_for=(ConnectionError,),
                retry_kwargs={"max_retries": None},  # error: CEL204
            )


            @keep_trying
            def push(event_id):
                return event_id
            """
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/options.py": """
                    FOREVER = {"max_retries": None, "default_retry_delay": 30}  # error: CEL204
                """,
                "proj/tasks.py": """
                    from celery import Task, shared_task

                    from proj.options import FOREVER


                    @shared_task(bind=True, **FOREVER)
                    def poll(self):
                        raise self.retry()


                    class PollingTask(Task):
                        max_retries = None  # error: CEL204
                """,
            }
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=8)
            def poll_export(self, export_id):
                raise self.retry(countdown=60, max_retries=None)
            """
        ),
        # every retry call sets its own bound, and nothing retries automatically
        Valid(
            """
            from celery import shared_task

            MAX_TRIES = 10


            @shared_task(bind=True, max_retries=None)
            def send_email(self, message_id):
                try:
                    return deliver(message_id)
                except OSError:
                    if self.request.retries < 3:
                        raise self.retry(countdown=5, max_retries=MAX_TRIES - 1)
                    raise self.retry(countdown=60, max_retries=MAX_TRIES)
            """
        ),
        Valid(
            """
            from some_lib import Registry

            registry = Registry()


            @registry.task(max_retries=None)
            def not_celery():
                return None


            OPTIONS = {"max_retries": None}  # never used by a task
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterator[Finding]:
        seen = set()
        for site in index.option_sites:
            if site.kind == "decorator" and _bounded_per_call(index, site):
                continue
            for option in site.options:
                value = index.literal(option.value)
                if option.name == "max_retries":
                    unbounded = value is None
                elif option.name == "retry_kwargs" and isinstance(value, DictValue):
                    unbounded = any(k == "max_retries" and v is None for k, v in value.items)
                else:
                    continue
                key = (site.path, span_of(option, site))
                if unbounded and key not in seen:
                    seen.add(key)
                    yield Finding(
                        site.path, key[1], {"holder": holder_text(site.kind, site.holder)}
                    )


def _bounded_per_call(index: ProjectIndex, site: OptionSite) -> bool:
    """True when the site's task retries only through ``self.retry(max_retries=N)`` calls
    that each set a bound, and has no ``autoretry_for``."""
    if not site.tasks or any(o.name == "autoretry_for" for o in site.options):
        return False
    for task in site.tasks:
        facts = index.by_path.get(task.path)
        calls = [
            r
            for r in (facts.retries if facts else ())
            if index.task_for(task.path, r.function) is task
        ]
        if not calls:
            return False
        for call in calls:
            bound = dict(call.kwargs).get("max_retries")
            if bound is None or index.literal(bound) is None:
                return False
    return True
