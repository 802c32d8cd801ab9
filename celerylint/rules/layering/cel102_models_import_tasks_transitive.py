from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from celerylint.diagnostics import Severity
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.layering import _models_imports as layering
from celerylint.semantics.django import is_models_module


@dataclass(frozen=True)
class TransitiveOptions:
    transitive: Literal["off", "warn", "error"] = field(
        default="warn",
        metadata={
            "doc": 'how to report chains that do not loop back to the models module: "off" '
            '(not at all), "warn" or "error"; chains that form an import cycle are always errors'
        },
    )


class ModelsImportTasksTransitive(ProjectRule):
    """
    ## What it does
    Reports an import statement in a Django models module that loads a module defining
    Celery tasks at load time *through other modules*: `shop/models.py` imports
    `shop.services`, which imports `shop.tasks`. The message prints the shortest chain.
    Direct imports are CEL101's; a chain that runs through another models module is
    reported there, not again in every models module that imports it.

    The finding is an error when the chain forms an import cycle (the task module imports
    the models module back at load time), and a warning otherwise; the `transitive`
    option sets how acyclic chains are reported. Targets are the same as CEL101's: modules
    that define tasks according to the project index, except the one that creates the
    Celery app.

    ## Why is this bad?
    It fails the same way as CEL101: task modules import models, so loading them while the
    models module is still being imported risks `ImportError: cannot import name ...`
    at start-up. The second hop only hides it.

    ## Use instead
    ```python
    # billing/services.py
    def charge_later(invoice_id):
        from billing.tasks import charge

        charge.delay(invoice_id)
    ```
    Or keep the models module from importing the service module at load time.

    ## Fix safety
    There is no fix: which import to move is a design decision.
    """

    code = "CEL102"
    name = "models-import-tasks-transitive"
    message = "Models module reaches task module `{target}` at load time: {chain}"
    severity = Severity.WARNING
    options_class = TransitiveOptions
    examples = (
        Invalid(
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def charge(invoice_id):
                        return invoice_id
                """,
                "billing/services.py": """
                    from billing.tasks import charge


                    def charge_later(invoice_id):
                        charge.delay(invoice_id)
                """,
                "billing/models.py": """
                    from django.db import models

                    from billing.services import charge_later  # error: CEL102


                    class Invoice(models.Model):
                        def schedule_charge(self):
                            charge_later(self.pk)
                """,
            }
        ),
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
                "shop/services/__init__.py": "",
                "shop/services/receipts.py": "from shop.tasks import send_receipt",
                "shop/models.py": """
                    from django.db import models

                    from shop.services import receipts  # error: CEL102
                    from shop.tasks import send_receipt  # CEL101's, not reported twice


                    class Order(models.Model):
                        pass
                """,
            }
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task

                    import shop.models


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/helpers.py": "import shop.tasks",
                "shop/search.py": "import reports.tasks",
                "shop/models.py": """
                    from django.db import models

                    import shop.helpers  # error: CEL102
                    import shop.search
                """,
                "reports/__init__.py": "",
                "reports/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def build(report_id):
                        return report_id
                """,
            },
            options={"transitive": "off"},
        ),
        Valid(
            files={
                "api/__init__.py": "",
                "api/worker.py": """
                    from celery import Celery

                    celery_app = Celery("api")
                """,
                "api/sql_lab.py": """
                    from api.worker import celery_app


                    @celery_app.task
                    def run_query(query_id):
                        return query_id
                """,
                "api/daos.py": """
                    from api.sql_lab import run_query
                """,
                "api/settings.py": """
                    INSTALLED_APPS = ["api.documents"]  # the framework's own plugin list
                """,
                "api/commands/__init__.py": "",
                "api/commands/export/__init__.py": "",
                "api/commands/export/models.py": """
                    from api.daos import run_query  # exports charts ("models"): no ORM here


                    class ExportModelsCommand:
                        pass
                """,
                "api/documents/__init__.py": "",
                "api/documents/models/__init__.py": "",
                "api/documents/models/item.py": """
                    import api.daos


                    class BaseModel:  # a document schema, not an ORM model
                        pass


                    class ItemModel(BaseModel):
                        pass
                """,
            }
        ),
        Valid(
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def charge(invoice_id):
                        return invoice_id
                """,
                "billing/services.py": """
                    def charge_later(invoice_id):
                        from billing.tasks import charge

                        charge.delay(invoice_id)
                """,
                "billing/models.py": """
                    from django.db import models

                    from billing.services import charge_later


                    def schedule(invoice):
                        import billing.tasks

                        billing.tasks.charge.delay(invoice.pk)
                """,
            }
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def send_receipt(order_id):
                        return order_id
                """,
                "shop/models/__init__.py": "from .order import Order",
                "shop/models/order.py": """
                    from shop.services import receipts  # error: CEL102
                    from shop.sql import db


                    class Order(db.Model):  # a Flask-SQLAlchemy model: no Django needed
                        pass
                """,
                "shop/sql.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "shop/services/__init__.py": "",
                "shop/services/receipts.py": "from shop.tasks import send_receipt",
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
                "shop/dispatch.py": """
                    from proj.celery import app


                    def send_receipt_later(order_id):
                        app.send_task("shop.tasks.send_receipt", args=[order_id])
                """,
                "shop/models.py": "from shop.dispatch import send_receipt_later",
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        options: TransitiveOptions = self.options
        goal = layering.targets(index)
        hops = index.imports.next_hops_to(goal, through=lambda m: not is_models_module(m))
        for facts, first in layering.models_imports(index):
            statement = layering.statement_facts(facts, first)
            if first.span is None or layering.direct_task_import(index, facts, statement, goal):
                continue
            best: list[str] | None = None
            for fact in statement:
                for loaded in index.imports.modules_loaded_by(facts.module, fact.target, fact.name):
                    if loaded not in hops or is_models_module(loaded):
                        continue
                    chain = [facts.module, loaded]
                    while (step := hops[chain[-1]]) is not None:
                        chain.append(step)
                    if best is None or len(chain) < len(best):
                        best = chain
            if best is None:
                continue
            back = layering.cycle_back(index, best[-1], facts.module)
            if back is not None:
                severity = Severity.ERROR
                text = " -> ".join(best + back[1:]) + " (an import cycle)"
            elif options.transitive == "off":
                continue
            else:
                severity = Severity.ERROR if options.transitive == "error" else Severity.WARNING
                text = " -> ".join(best)
            yield Finding(
                facts.path, first.span, {"target": best[-1], "chain": text}, severity=severity
            )
