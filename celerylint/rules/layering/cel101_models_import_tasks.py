from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import FixSafety, Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.layering import _models_imports as layering
from celerylint.rules.layering._import_moves import ImportMoveCollector, movable
from celerylint.rules.layering._orm_examples import ORM_EXAMPLES


class ModelsImportTasks(ProjectRule):
    """
    ## What it does
    Reports an import statement in a Django models module (`<app>/models.py` or a module
    of an `<app>/models/` package) that loads a module defining Celery tasks, or imports a
    task, when the models module loads: `from shop.tasks import send_receipt`,
    `from .tasks import x`, `from . import tasks`, `import shop.tasks`, or
    `from proj.search import reindex` where `proj/search/__init__.py` defines the task.

    A task module is one that defines a Celery task according to the project index, not a
    file that happens to be called `tasks.py`: a `tasks` module holding only the Celery app
    and constants, an `invoke` tasks file or a Django app named `tasks` are not. The module
    that creates the Celery app is not a target either (models may import the app to call
    `app.send_task()`). Imports inside functions and under `if TYPE_CHECKING:` are fine,
    and test modules under a `models/` folder are not models modules.

    Outside Django (Flask, plain SQLAlchemy) a `models` module or `models/` package counts
    only when it defines ORM models: classes deriving from `db.Model` (Flask-SQLAlchemy,
    `db` maybe imported from another module), from a SQLAlchemy `DeclarativeBase` subclass
    or from a `declarative_base()` result (also defined in another module).

    The finding is an error when the task module imports the models module back at load
    time (a circular import), and a warning otherwise.

    ## Why is this bad?
    Task modules import models, so a models module that imports tasks at load time makes a
    circular import: depending on which module Django or the worker loads first, start-up
    fails with `ImportError: cannot import name ...`. Even without a cycle today, the data
    layer now depends on the asynchronous layer, and the next model import added to the
    task module closes the loop.

    ## Use instead
    ```python
    # shop/models.py
    class Order(models.Model):
        def mark_paid(self):
            from shop.tasks import send_receipt

            send_receipt.delay(self.pk)
    ```
    Or dispatch the task from a service or signal module wired up in `AppConfig.ready()`.

    ## Fix safety
    The fix moves the import statement into each function that uses what it imports (after
    the docstring, followed by a blank line). It is offered only when every use is inside a
    function body (not in a class body, a decorator, a default value or an annotation, which
    run at load time), nothing rebinds the names, no other module imports them from the
    models module, and its comments have one function to move to: a comment after the
    statement and the comment lines right above it move with the import (copied into
    several functions they would be duplicated). A comment above it with a blank line in
    between, or in the file's header, is not about the import alone: then there is no fix.
    It is safe: the import runs when the function is called, after Django has loaded both
    modules.
    """

    code = "CEL101"
    collector = ImportMoveCollector
    name = "models-import-tasks"
    message = "Models module {what} at load time{cycle}; import it inside the function that uses it"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task

                    from shop.models import Order


                    @shared_task
                    def send_receipt(order_id):
                        return Order.objects.get(pk=order_id).email
                """,
                "shop/models.py": """
                    from django.db import models

                    from shop.tasks import send_receipt  # error: CEL101


                    class Order(models.Model):
                        def mark_paid(self):
                            send_receipt.delay(self.pk)
                """,
            },
            fixed={
                "shop/models.py": """
                    from django.db import models


                    class Order(models.Model):
                        def mark_paid(self):
                            from shop.tasks import send_receipt  # error: CEL101

                            send_receipt.delay(self.pk)
                """,
            },
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id


                    @shared_task
                    def reindex(order_id):
                        return order_id
                """,
                "shop/models.py": """
                    from django.db import models

                    import shop.tasks  # error: CEL101
                    from . import tasks  # error: CEL101
                    from .tasks import reindex  # error: CEL101
                    from shop import tasks as shop_tasks  # error: CEL101
                """,
            }
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from proj.celery import app


                    @app.task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/models/__init__.py": "from .order import Order",
                "shop/models/order.py": """
                    from django.db import models

                    from ..tasks import send_receipt  # error: CEL101


                    class Order(models.Model):
                        pass
                """,
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                """,
            }
        ),
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/search/__init__.py": """
                    from celery import shared_task


                    @shared_task
                    def reindex(pk):
                        return pk
                """,
                "proj/catalog/__init__.py": "",
                "proj/catalog/models.py": """
                    from django.db import models

                    from proj.search import reindex  # error: CEL101
                """,
            }
        ),
        # Flask-SQLAlchemy / SQLAlchemy models (no Django)
        *ORM_EXAMPLES,
        # not Django, and no ORM model in the ``models`` module (a schema of plain classes)
        Valid(
            files={
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def build(report_id):
                        return report_id
                """,
                "reports/base.py": """
                    class Schema:
                        pass
                """,
                "reports/schemas/__init__.py": "",
                "reports/schemas/models.py": """
                    from reports.base import Schema
                    from reports.tasks import build


                    class Summary(Schema):
                        pass
                """,
                "reports/models.py": """
                    from dataclasses import dataclass

                    from .tasks import build


                    @dataclass
                    class Report:
                        report_id: int
                """,
            }
        ),
        # a models package: __init__ re-exports its submodules, and one model module takes
        # its base class from a sibling that also defines a task; that is the models layer
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/models/__init__.py": """
                    from .base import LoggedModel
                    from .order import Order
                """,
                "shop/models/base.py": """
                    from celery import shared_task
                    from django.db import models


                    class LoggedModel(models.Model):
                        class Meta:
                            abstract = True


                    @shared_task
                    def purge_logs(days):
                        return days
                """,
                "shop/models/order.py": """
                    from shop.models.base import LoggedModel


                    class Order(LoggedModel):
                        pass
                """,
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/models.py": """
                    from typing import TYPE_CHECKING

                    from django.db import models

                    if TYPE_CHECKING:
                        from shop.tasks import send_receipt


                    class Order(models.Model):
                        def mark_paid(self):
                            from shop.tasks import send_receipt

                            send_receipt.delay(self.pk)
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "",
                "proj/tasks/__init__.py": "",
                "proj/tasks/models.py": """
                    from django.db import models


                    class Task(models.Model):
                        title = models.CharField(max_length=100)
                """,
                "proj/todo/__init__.py": "",
                "proj/todo/models.py": """
                    from django.db import models

                    from proj.tasks.models import Task


                    class Item(models.Model):
                        task = models.ForeignKey(Task, on_delete=models.CASCADE)
                """,
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import Celery

                    app = Celery("shop")
                    RECEIPT_QUEUE = "receipts"
                """,
                "shop/models.py": """
                    from shop.tasks import RECEIPT_QUEUE, app
                """,
                "tasks.py": """
                    from invoke import task


                    @task
                    def deploy(c):
                        c.run("fab deploy")
                """,
                "billing/__init__.py": "",
                "billing/models.py": "import tasks",
            }
        ),
        Valid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/models/__init__.py": "",
                "shop/models/tests/__init__.py": "",
                "shop/models/tests/test_order.py": """
                    from shop.tasks import send_receipt


                    def test_send_receipt():
                        assert send_receipt(1) == 1
                """,
                "shop/models/test_invoice.py": "from shop.tasks import send_receipt",
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")


                    @app.task(bind=True, ignore_result=True)
                    def debug_task(self):
                        print(f"Request: {self.request!r}")
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/models.py": """
                    from proj.celery import app


                    def send_receipt_later(order_id):
                        app.send_task("shop.tasks.send_receipt", args=[order_id])
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        goal = layering.targets(index)
        for facts, first in layering.models_imports(index):
            statement = layering.statement_facts(facts, first)
            found = layering.direct_task_import(index, facts, statement, goal)
            if found is None or first.span is None:
                continue
            if found.task is not None:
                what = f"imports task `{found.task.fact.function}` from `{found.module}`"
            else:
                what = f"imports task module `{found.module}`"
            back = layering.cycle_back(index, found.module, facts.module)
            cycle = ""
            if back is not None:
                cycle = f", a circular import ({' -> '.join(back)})"
            move = movable(index, facts, first.span)
            yield Finding(
                facts.path,
                first.span,
                {"what": what, "cycle": cycle},
                severity=Severity.ERROR if back is not None else Severity.WARNING,
                fix=move.fix if move is not None else None,
            )
