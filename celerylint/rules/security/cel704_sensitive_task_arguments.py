from __future__ import annotations

import re
from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.call_shapes import SEND_METHODS, SIGNATURE_METHODS
from celerylint.semantics.django import is_test_module

SENSITIVE = re.compile(
    r"(^|_)(password|passwd|pwd|token|secret|api_?key|card(_?number)?|ssn|cvv|iban|credentials?)($|_)",
    re.IGNORECASE,
)
_REDACTING = frozenset({"argsrepr", "kwargsrepr"})
_DISPATCH = SEND_METHODS | SIGNATURE_METHODS

TASKS = """
    from celery import shared_task


    @shared_task
    def charge_card(order_id, card_number):
        return order_id


    @shared_task
    def reset_password(user_id, token=None):
        return user_id
"""


class SensitiveTaskArguments(ProjectRule):
    """
    ## What it does
    Reports calls of tasks that take a parameter named like a secret (`password`, `token`,
    `secret`, `api_key`, `card_number`, `ssn`, `cvv` ...) when the call does not set
    `argsrepr=`/`kwargsrepr=` (only `apply_async` can). Off by default.

    ## Why is this bad?
    Celery writes task arguments to the worker log and to monitoring events (Flower)
    as-is, and they sit readable in the broker (Tasks → *Hiding sensitive information in
    arguments*).

    ## Use instead
    ```python
    charge_card.apply_async((order.pk, card_number), argsrepr=repr((order.pk, "****")))
    ```
    or pass a reference (a token id) the worker can resolve.

    ## Fix safety
    There is no fix.
    """

    code = "CEL704"
    name = "sensitive-task-arguments"
    message = (
        "`{task}` takes `{param}`, which Celery writes to logs and monitoring events as-is; "
        "pass `argsrepr=`/`kwargsrepr=` to `apply_async`, or send a reference instead"
    )
    severity = Severity.INFO
    default_enabled = False
    examples = (
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": TASKS,
                "shop/views.py": """
                    from shop.tasks import charge_card, reset_password


                    def checkout(request, order):
                        charge_card.delay(order.pk, request.POST["card"])  # error: CEL704
                        reset_password.apply_async((order.user_id,), {"token": "t"})  # error: CEL704
                """,
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": TASKS,
                "shop/views.py": """
                    from shop.tasks import charge_card, reset_password


                    def checkout(request, order):
                        charge_card.apply_async(
                            (order.pk, request.POST["card"]), argsrepr=repr((order.pk, "****"))
                        )
                        reset_password.apply_async((order.user_id,), kwargsrepr="{'token': '***'}")
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        sensitive: dict[str, tuple[Task, str]] = {}
        for task in index.tasks:
            for param in task.fact.params:
                if SENSITIVE.search(param.name):
                    sensitive.setdefault(task.qualname, (task, param.name))
        if not sensitive:
            return
        for facts in index.modules.values():
            if is_test_module(facts.module):
                continue
            for call in facts.call_sites:
                if call.method not in _DISPATCH or call.receiver is None or call.span is None:
                    continue
                found = sensitive.get(index.resolve(call.receiver))
                if found is None:
                    continue
                if any(name in _REDACTING for name, _ in call.kwargs):
                    continue
                task, name = found
                yield Finding(facts.path, call.span, {"task": task.qualname, "param": name})
