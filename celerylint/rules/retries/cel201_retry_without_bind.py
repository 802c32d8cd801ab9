from __future__ import annotations

import dataclasses

import libcst as cst

from celerylint.diagnostics import Diagnostic, Fix, FixSafety, Severity
from celerylint.kit.edits import NodeFix
from celerylint.kit.values import evaluate
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.rules.retries._app_factory_examples import APP_FACTORY_NEAR_MISSES
from celerylint.rules.retries._bind import bound_decorator, may_pass_self, unbound_self
from celerylint.semantics.task_scope import enclosing_class, first_parameter, task_body


class RetryWithoutBind(FileRule):
    """
    ## What it does
    Reports a task function whose first parameter is named `self` while the task is not
    bound (no `bind=True` from the decorator, an alias of it, or a `**OPTIONS` dict), and
    `bind=True` on a task function that takes no positional parameter.

    Only `self` counts: a first parameter with another name is an ordinary argument unless
    the task is bound (with `bind=True`, any name is fine, `task.retry()` included).

    Also reports `self.retry()`, `self.request` or `self.update_state()` in a task function
    that has no `self` at all: no parameter of that name, no assignment to it, no `self` of
    an enclosing function (a task defined in a method) and no module-level `self`.

    ## Why is this bad?
    Without `bind=True` Celery calls the function with the caller's arguments only, so
    `sync.delay(42)` binds `self=42` and the real first argument goes missing: the task
    fails with `TypeError`, or `self.retry()` is called on an `int`. With `bind=True` and no
    parameter to receive it, every call fails with `TypeError` (Tasks guide → *Bound tasks*).
    A `self.retry()` with no `self` in scope raises `NameError` the first time the task
    needs a retry: usually in production, on the error path that tests rarely take.

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=5)
    def sync_user(self, user_id): ...
    ```

    ## Fix safety
    The fix adds `bind=True` to the task decorator (or turns `bind=False` into
    `bind=True`). It is safe when no call site in the project passes a value for `self`
    today: every `.delay()`/`.apply_async()`/`send_task()` call and beat entry of the task
    is then written for the bound signature (and fails without the fix). When some call
    binds a value to `self`, or its arguments are not literal, or the task is used in a
    signature (`.s()`) whose arguments a canvas may complete, the fix is unsafe: those
    callers' arguments shift by one. Calls from outside the project cannot be seen.
    Decorator aliases and `**options` are left alone.
    """

    code = "CEL201"
    name = "retry-without-bind"
    message = "Task `{task}` takes `self` but is not bound; add `bind=True`, or the caller's first argument becomes `self`"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            """
            from celery import shared_task


            @shared_task(max_retries=5)
            def sync_user(self, user_id):  # error@15: CEL201
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)


            def resync(user):
                sync_user.delay(user.pk)  # written for the bound task: the fix is safe
            """,
            fixed="""
            from celery import shared_task


            @shared_task(bind=True, max_retries=5)
            def sync_user(self, user_id):  # error@15: CEL201
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)


            def resync(user):
                sync_user.delay(user.pk)  # written for the bound task: the fix is safe
            """,
        ),
        # aliases of the app's decorator made in another module: ``task = app.task`` is
        # unbound, ``functools.partial(app.task, bind=True)`` is bound
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/worker.py": """
                    import functools

                    from celery import Celery

                    app = Celery("proj")
                    task = app.task
                    bound_task = functools.partial(app.task, bind=True)
                """,
                "proj/tasks.py": """
                    from proj.worker import bound_task, task


                    @task
                    def charge(self, invoice_id):  # error@12: CEL201
                        return invoice_id


                    @task(max_retries=3)
                    def refund(invoice_id):
                        raise self.retry(countdown=5)  # error@11: CEL201


                    @bound_task(max_retries=3)
                    def reconcile(self, day):
                        raise self.retry(countdown=5)
                """,
            }
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True)  # error@14: CEL201
            def heartbeat():
                return "ok"
            """
        ),
        Invalid(
            """
            from proj.celery import app


            @app.task
            def refresh(self, feed_id):  # error@13: CEL201
                return self.request.id


            def refresh_all(feeds):
                for feed in feeds:
                    refresh.delay(None, feed.pk)  # passes a value for `self`: unsafe fix
            """,
            fixed="""
            from proj.celery import app


            @app.task(bind=True)
            def refresh(self, feed_id):  # error@13: CEL201
                return self.request.id


            def refresh_all(feeds):
                for feed in feeds:
                    refresh.delay(None, feed.pk)  # passes a value for `self`: unsafe fix
            """,
            path="proj/tasks.py",
            files={
                "proj/__init__.py": "",
                "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n",
            },
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(max_retries=5)
            def sync_user(user_id):
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)  # error@15: CEL201


            @shared_task(bind=True)
            def report(task, month):
                self.update_state(state="PROGRESS")  # error@5: CEL201
                return month
            """
        ),
        # an app built by a factory function (the Flask pattern) is an app all the same
        Invalid(
            """
            from celery import Celery

            from proj.web import flask_app


            def make_celery(app):
                celery = Celery(app.import_name, broker=app.config["BROKER_URL"])
                celery.conf.update(app.config)

                class ContextTask(celery.Task):
                    def __call__(self, *args, **kwargs):
                        with app.app_context():
                            return self.run(*args, **kwargs)

                celery.Task = ContextTask
                return celery


            celery = make_celery(flask_app)


            @celery.task(max_retries=3)
            def send_digest(user_id):
                try:
                    return mail(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)  # error@15: CEL201
            """,
            path="proj/worker.py",
            files={
                "proj/__init__.py": "",
                "proj/web.py": "from flask import Flask\n\nflask_app = Flask(__name__)\n",
            },
        ),
        # a factory that returns the app it makes directly; a look-alike factory that
        # returns something else makes no app, so its ``.task`` is not Celery's
        Invalid(
            """
            from celery import Celery

            from proj.jobs import Scheduler


            def make_celery(name):
                return Celery(name, broker="redis://localhost:6379/0")


            def make_scheduler(name):
                return Scheduler(name)


            celery = make_celery("proj")
            scheduler = make_scheduler("proj")


            @celery.task(max_retries=3)
            def send_digest(self, user_id):  # error@17: CEL201
                return user_id


            @scheduler.task(max_retries=3)
            def sweep(self, user_id):
                return user_id
            """,
            path="proj/worker.py",
            files={"proj/__init__.py": ""},
        ),
        # ``self`` exists: a closure variable of the method that defines the task, a class
        # based task, a name the task assigns
        Valid(
            """
            from celery import Task, shared_task


            class Sync:
                def __init__(self, app):
                    self.app = app

                def register(self):
                    @self.app.task
                    def sync_user(user_id):
                        raise self.retry_later(user_id)

                    @shared_task
                    def resync(user_id):
                        raise self.retry()

                    return sync_user, resync


            class Report(Task):
                def run(self, month):
                    raise self.retry()


            @shared_task
            def poll(job_id):
                self = load_job(job_id)
                return self.request


            @shared_task
            def ping(job):
                return job.retry()
            """
        ),
        Valid(
            """
            from celery import shared_task

            from proj.jobs import Job

            self = Job()  # a module-level ``self``: odd, but defined


            @shared_task
            def poll(job_id):
                return self.request(job_id)
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True, max_retries=5)
            def sync_user(task, user_id):
                try:
                    return push(user_id)
                except TimeoutError as exc:
                    raise task.retry(exc=exc)
            """
        ),
        Valid(
            """
            from celery import shared_task

            RETRYING = {"bind": True, "max_retries": 5}


            @shared_task(**RETRYING)
            def sync_user(self, user_id):
                raise self.retry()
            """
        ),
        Valid(
            """
            from celery import shared_task

            bound_task = shared_task(bind=True)


            @bound_task
            def sync_user(self, user_id):
                return self.request.id
            """
        ),
        Valid(
            """
            from celery import shared_task

            from proj.options import options


            @shared_task(**options())
            def sync_user(self, user_id):
                return self.request.id
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def renew(job):
                job.retry()  # a model's own retry(), not a task's


            @shared_task(bind=True)
            def collect(*args):
                return args
            """
        ),
        Valid(
            """
            import functools


            def logged(func):
                @functools.wraps(func)
                def wrapper(self, *args):
                    return func(self, *args)

                return wrapper


            class Report:
                @logged
                def render(self, fmt):
                    return fmt
            """
        ),
        # near misses of an app factory (``facts/app_factories.py``)
        *APP_FACTORY_NEAR_MISSES,
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = task_body(self.ctx)
        if body is None or body.is_class or enclosing_class(self.ctx) is not None:
            return
        first = first_parameter(node)
        use = unbound_self(self.ctx, node)
        if use is not None:
            self.report(
                use,
                message=(
                    f"`self.{use.attr.value}` in task `{node.name.value}`, which has no `self`: "
                    "a `NameError` when it runs; add `bind=True` and take `self` as the "
                    "first parameter"
                ),
                condition=body.condition(),
            )
        if first is not None and first.name.value == "self":
            self.report(
                first,
                task=node.name.value,
                condition=body.condition(("bind", False)),
                fix=self._add_bind(),
            )
            return
        scope = self.ctx.function
        call = scope.task.call if scope is not None and scope.task is not None else None
        if first is not None or call is None or isinstance(node.params.star_arg, cst.Param):
            return
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "bind":
                if evaluate(arg.value, self.ctx.resolve) is True:
                    self.report(
                        arg,
                        message=(
                            f"`bind=True` on `{node.name.value}`, which takes no parameter; "
                            "Celery passes the task as the first argument and the call fails"
                        ),
                        condition=body.condition(("bind", True)),
                    )
                return

    def _add_bind(self) -> NodeFix | None:
        """``bind=True`` in the task decorator itself (not through an alias or a spread).
        Unsafe until ``review_fix`` has seen the project's call sites."""
        scope = self.ctx.function
        task = scope.task if scope is not None else None
        new = bound_decorator(task) if task is not None else None
        if task is None or new is None:
            return None
        return self.fix({task.node: new}, "Add `bind=True`", FixSafety.UNSAFE)

    @classmethod
    def review_fix(cls, diagnostic: Diagnostic, index: ProjectIndex) -> Fix | None:
        """Safe when no call site in the project passes a value for ``self``."""
        fix = diagnostic.fix
        condition = diagnostic.condition
        if fix is None or condition is None or fix.safety is FixSafety.SAFE:
            return fix
        task = index.task_for(diagnostic.path, condition.function)
        if task is None or may_pass_self(index, task):
            return fix
        return dataclasses.replace(fix, safety=FixSafety.SAFE)
