from __future__ import annotations

from collections.abc import Iterable, Iterator

from celerylint.diagnostics import Severity, Span
from celerylint.factdata import CallSiteFact, ModuleFacts
from celerylint.project.calls import beat_arguments, checkable_task
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import env_selected_project
from celerylint.semantics.arity import BindProblem, bind, caller_parameters, render_signature
from celerylint.semantics.call_shapes import (
    DELAY_METHODS,
    MUTABLE_SIGNATURE_METHODS,
    SEND_METHODS,
    SEND_TASK,
    SIGNATURE_METHODS,
)
from celerylint.semantics.calls import CALL_OPTIONS

#: signature methods: arguments may still be added (mutable) or are final (immutable)
_PARTIAL = MUTABLE_SIGNATURE_METHODS
_CHECKED = SEND_METHODS | SIGNATURE_METHODS | {SEND_TASK}


class CallArityMismatch(ProjectRule):
    """
    ## What it does
    Checks every call that sends a task against the task's signature, across the
    project: `.delay(...)`, `.apply_async(args, kwargs)`, `.s(...)`/`.si(...)`,
    `send_task("name", args=..., kwargs=...)` and the `args`/`kwargs` of beat schedule
    entries. It reports literal arguments that cannot bind: too many or too few
    positionals, unknown keywords, a parameter given twice. `self` does not count for
    `bind=True` tasks.

    Mutable signatures (`.s(...)`) are partial, so only arguments that can never fit are
    reported there (CEL605 checks them in chains). Calls with `*args`/`**kwargs`,
    non-literal `args`/`kwargs`, tasks taking `*args`/`**kwargs` for what is missing, and
    tasks wrapped by other decorators (which may change the signature) are left alone.
    Execution options passed to `delay` are CEL607's.

    ## Why is this bad?
    Celery checks arguments only on the producer, and only for tasks with
    `typing=True` (Tasks guide, *Argument checking*). `send_task`, beat entries,
    `typing=False` tasks and messages sent by other services fail in the worker with a
    `TypeError`, far from the code that sent them.

    ## Use instead
    ```python
    resize.delay(7, 320)
    resize.delay(7, 320, height=200)
    ```

    ## Fix safety
    There is no fix: which argument is wrong is for a human to decide.
    """

    code = "CEL606"
    name = "call-arity-mismatch"
    message = "{call} does not fit `{signature}`: {problem}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                "media/__init__.py": "",
                "media/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def resize(image_id, width, height=None):
                        return image_id


                    @shared_task(bind=True)
                    def publish(self, image_id, *, channel="web"):
                        return image_id
                """,
                "media/views.py": """
                    from media.tasks import publish, resize


                    def upload(request, image_id):
                        resize.delay(image_id)  # error: CEL606
                        resize.delay(image_id, 320, depth=8)  # error: CEL606
                        resize.apply_async((image_id, 320, 200, 100))  # error: CEL606
                        resize.apply_async((image_id,), {"width": 320, "image_id": 1})  # error: CEL606
                        resize.si(image_id, width=320, height=240, crop=True)  # error: CEL606
                        publish.delay(image_id, "app")  # error: CEL606
                        publish.apply_async(args=[image_id], kwargs={"channel": "app"})
                        resize.subtask((image_id, 320, 200, 100))  # error: CEL606
                        resize.subtask(args=(image_id,), kwargs={"width": 320})
                """,
                "media/jobs.py": """
                    from celery import current_app


                    def nightly():
                        current_app.send_task("media.tasks.resize", args=(1,))  # error: CEL606
                """,
                "proj/__init__.py": "",
                "proj/settings.py": """
                    from celery.schedules import crontab

                    CELERY_BEAT_SCHEDULE = {
                        "resize-daily": {
                            "task": "media.tasks.resize",  # error@17: CEL606
                            "schedule": crontab(hour=3),
                            "args": (1,),
                        },
                    }
                """,
            }
        ),
        Invalid(
            # the beat schedule of an env-selected config module (inherited by star import)
            files={
                **env_selected_project(
                    {
                        "base": """
                            from celery.schedules import crontab

                            broker_url = "redis://redis:6379/0"
                            beat_schedule = {
                                "nightly-reconcile": {
                                    "task": "ledger.tasks.reconcile",  # error@17: CEL606
                                    "schedule": crontab(minute=0, hour=2),
                                    "args": (),
                                },
                            }
                        """,
                        "production": "from ledger.config.base import *  # noqa: F403",
                    }
                ),
                "ledger/tasks.py": """
                    from ledger.worker import celery


                    @celery.task(bind=True)
                    def reconcile(self, account_id):
                        return account_id
                """,
            }
        ),
        Valid(
            files={
                "media/__init__.py": "",
                "media/tasks.py": """
                    import functools

                    from celery import shared_task


                    def traced(func):
                        @functools.wraps(func)
                        def wrapper(*args, **kwargs):
                            return func(*args, **kwargs)

                        return wrapper


                    @shared_task
                    def resize(image_id, width, height=None):
                        return image_id


                    @shared_task
                    def log_event(*args, **kwargs):
                        return args


                    @shared_task
                    @traced
                    def wrapped(image_id):
                        return image_id
                """,
                "media/views.py": """
                    from celery import chain

                    from media.tasks import log_event, resize, wrapped


                    def upload(request, image_id, sizes, options):
                        resize.delay(image_id, 320)
                        resize.delay(image_id, width=320, height=200)
                        resize.delay(*sizes)
                        resize.apply_async(sizes)
                        resize.apply_async((image_id, 320), options)
                        resize.s(320)  # partial: the image id comes from a parent
                        chain(resize.s(image_id, 320), log_event.s()).delay()
                        log_event.delay(1, 2, 3, user=request.user.pk)
                        wrapped.delay(1, 2, 3)  # the wrapper may change the signature
                        request.session.delay(1)  # not a task
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for facts in index.by_path.values():
            canvas = {sig.span for sig in facts.signatures if sig.receives_parent}
            for site in facts.call_sites:
                if site.method not in _CHECKED or site.span is None:
                    continue
                finding = self._call_site(facts, site, index, site.span in canvas)
                if finding is not None:
                    yield finding
        yield from self._beat(index)

    def _call_site(
        self, facts: ModuleFacts, site: CallSiteFact, index: ProjectIndex, gets_parent: bool
    ) -> Finding | None:
        """``gets_parent``: the call is a signature that a canvas hands a parent result to
        (an immutable one left short is CEL605's)."""
        assert site.span is not None
        name = None
        if site.method == "send_task":
            first = site.args[0] if site.args else None
            if not isinstance(first, str):
                return None
            name = first
            task = checkable_task(index, None, name) if _is_app(site, index) else None
        else:
            task = checkable_task(index, site.receiver)
        if task is None or site.positional is None:
            return None
        params = caller_parameters(task.fact.params, task.option("bind"))
        if params is None:
            return None
        keywords = site.keywords
        if keywords is not None and site.method in DELAY_METHODS:
            declared = {p.name for p in params}
            keywords = tuple(k for k in keywords if k in declared or k not in CALL_OPTIONS)
        if keywords is None:
            problem = bind(params, site.positional, (), partial=True)
        else:
            problem = bind(params, site.positional, keywords, partial=site.method in _PARTIAL)
        if problem is None or (gets_parent and problem.kind == "missing"):
            return None
        short = task.fact.function.rsplit(".", 1)[-1]
        call = f"`send_task({name!r})`" if name is not None else f"`{short}.{site.method}()`"
        return _finding(facts.path, site.span, call, task, params_text(task), problem)

    def _beat(self, index: ProjectIndex) -> Iterator[Finding]:
        for entry in beat_arguments(index):
            task = checkable_task(index, None, entry.task)
            if task is None:
                continue
            params = caller_parameters(task.fact.params, task.option("bind"))
            if params is None:
                continue
            problem = bind(params, entry.positional, entry.keywords)
            if problem is not None:
                call = f"Beat entry `{entry.key}`"
                yield _finding(entry.path, entry.span, call, task, params_text(task), problem)


def _is_app(site: CallSiteFact, index: ProjectIndex) -> bool:
    if site.receiver is None:
        return False
    ref = index.resolve(site.receiver)
    return ref in ("celery.current_app", "celery.app.current_app") or index.is_app(ref)


def params_text(task: Task) -> str:
    params = caller_parameters(task.fact.params, task.option("bind")) or ()
    return f"{task.fact.function.rsplit('.', 1)[-1]}{render_signature(params)}"


def _finding(
    path: str, span: Span, call: str, task: Task, signature: str, problem: BindProblem
) -> Finding:
    return Finding(
        path, span, {"call": call, "signature": signature, "problem": problem.describe()}
    )
