from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.routing_model import routing_model, unknown_task_name
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module

_PROJECT = {
    "proj/__init__.py": "",
    "proj/celery.py": """
        from celery import Celery

        app = Celery("proj")
    """,
    "mail/__init__.py": "",
    "mail/tasks.py": """
        from celery import shared_task


        @shared_task
        def send_welcome(user_id):
            return user_id


        @shared_task(name="mail.digest")
        def send_digest():
            return None
    """,
}


class UnknownTaskNameString(ProjectRule):
    """
    ## What it does
    Reports a task named by a string that is not the name of a task:
    `app.send_task("name")`, `celery.signature("name")` and `app.signature("name")` (also
    on `current_app`). Names are compared with the names Celery gives tasks (`name=`, else
    `module.function`) and its built-in tasks, and the message suggests the closest one.

    Names that point outside the project (no project package and no close task name)
    may be tasks of another service sharing the broker, and stay quiet; so does everything
    when a task name is computed at run time, and strings in tests.

    ## Why is this bad?
    A name string gets no check at all until a worker receives the message: `send_task`
    does not know the task, and Celery's `strict_typing` argument check does not run for
    it. The worker rejects the message as an unregistered task, and the caller waiting on
    the result waits forever.

    ## Use instead
    ```python
    app.send_task("mail.tasks.send_welcome", args=(user.pk,))
    # or, when the task is importable: send_welcome.delay(user.pk)
    ```

    ## Fix safety
    There is no automatic fix yet; the suggested name needs a human to confirm it.
    """

    code = "CEL405"
    name = "unknown-task-name-string"
    message = "`{task}` is not a task name, so the worker will reject the message{hint}"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                **_PROJECT,
                "mail/views.py": """
                    from celery import current_app, signature

                    from proj.celery import app


                    def welcome(request, user_id):
                        app.send_task("mail.tasks.send_welcom", args=(user_id,))  # error@19: CEL405
                        sig = signature("mail.tasks.send_digest")  # error@21: CEL405
                        current_app.send_task("mail.task.send_welcome", (user_id,))  # error@27: CEL405
                        return app.signature("mail.digest").delay()
                """,
            }
        ),
        Valid(
            files={
                **_PROJECT,
                "mail/views.py": """
                    from celery import signature

                    from proj.celery import app


                    def welcome(request, user_id, task_name):
                        app.send_task("mail.tasks.send_welcome", args=(user_id,))
                        app.send_task("celery.backend_cleanup")
                        # a task of another service sharing the broker
                        app.send_task("billing_service.tasks.charge", args=(user_id,))
                        app.send_task(task_name)
                        return signature("mail.digest")
                """,
                # a test that sends a name on purpose
                "mail/tests.py": """
                    from proj.celery import app


                    def test_unknown_task_is_rejected():
                        app.send_task("mail.tasks.missing")
                """,
            }
        ),
        # not Celery: a method that happens to be called send_task
        Valid(
            files={
                **_PROJECT,
                "mail/queue.py": """
                    class Outbox:
                        def send_task(self, name):
                            return name


                    def run(outbox: Outbox):
                        outbox.send_task("mail.tasks.nothing")
                        Outbox().send_task("mail.tasks.nothing")
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        model = routing_model(index)
        for facts in index.by_path.values():
            if not facts.task_name_refs or is_test_module(facts.module):
                continue
            for ref in facts.task_name_refs:
                if ref.periodic or ref.span is None or not model.names_a_task(ref):
                    continue
                hint = unknown_task_name(model, ref.name)
                if hint is not None:
                    yield Finding(facts.path, ref.span, {"task": ref.name, "hint": hint})
