from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.factdata import TaskReturnFact
from celerylint.project.index import ProjectIndex
from celerylint.project.results import (
    production_backends,
    project_defines_json,
    result_serializer,
    stores_result,
    task_apps,
)
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.django import is_test_module

#: what to return instead, by kind of value
_INSTEAD = {
    "model instance": "its primary key, or a dict of the fields the caller needs",
    "pair": "the instance's primary key (and `created`), not the `(instance, created)` tuple",
    "list of model instances": "a list of primary keys",
    "queryset": "a list: `list(qs.values_list('pk', flat=True))` or `list(qs.values(...))`",
    "set": "a list (`sorted(...)` or `list(...)`)",
    "frozenset": "a list (`sorted(...)` or `list(...)`)",
    "HTTP response": "what the caller needs from it (`response.json()`, `response.status_code`)",
    "file object": "the file's path, or its content",
}
_ARTICLE = {"HTTP response": "an", "model instance": "a"}
_MODEL_KINDS = frozenset({"model instance", "pair", "list of model instances"})


def _what(kind: str) -> str:
    if kind == "pair":
        return "an `(instance, created)` tuple"
    return f"{_ARTICLE.get(kind, 'a')} {kind}"


class ResultNotSerializable(ProjectRule):
    """
    ## What it does
    Reports a task that returns a value the JSON result serializer cannot encode (a
    model instance, a queryset, a set, an HTTP response, a file object) when its result
    is stored.

    Recognised values: a Django model instance (`Model.objects.get(...)`,
    `.create(...)`, `get_object_or_404(...)`), a queryset (`Model.objects.filter(...)`,
    `.all()`, `.values()`), an `(instance, created)` pair from `get_or_create`, a `set`
    or `frozenset`, an HTTP response (`requests.get(...)`, `httpx.post(...)`,
    `urlopen(...)`) or a file object (`open(...)`). The value may be returned directly,
    through a local name, or inside a returned dict, list or tuple.

    It only reports when the project's production configuration shows that the result is
    stored and encoded as JSON: a result backend is set (not `disabled`), the task does
    not ignore its result (`ignore_result=True`, on the task, its base class, or through
    `task_ignore_result`), and `result_serializer` is `json` (the default). Values read
    from the environment, a task with its own `backend=`, a base class or app Task class
    the project does not show, a task under other decorators (which may change what it
    returns), a project that teaches kombu's JSON encoder new types
    (`kombu.utils.json.register_type`), and test modules are left alone; model values
    too when a project class defines `__json__()`, which kombu's encoder calls. `datetime`,
    `date`, `time`, `Decimal`, `UUID` and `bytes` are fine: kombu's JSON encoder handles
    them. Class-based tasks (the `run` method of a `Task` subclass) are not checked.

    ## Why is this bad?
    The worker runs the task to the end, then fails to encode the return value:
    `kombu.exceptions.EncodeError` (`Object of type QuerySet is not JSON serializable`).
    Celery records the task as FAILURE with that error (`app/trace.py`), so the caller
    sees a failure, error callbacks run and the chain stops, although the work was done.
    With pickle the row would "work", as a stale copy of the object.

    ## Use instead
    ```python
    @shared_task
    def import_orders(feed_url):
        ...
        return list(Order.objects.filter(imported=True).values_list("pk", flat=True))
    ```

    ## Fix safety
    There is no fix: what the caller needs from the value (a key, some fields, a list)
    is a design decision, and callers reading the result change with it.
    """

    code = "CEL610"
    name = "result-not-serializable"
    message = (
        "This task returns `{text}`, {what}{maker}, which the JSON result serializer "
        "cannot encode: the work is done, then the task is marked FAILURE with "
        "`EncodeError`; return {instead}"
    )
    severity = Severity.ERROR
    examples = (
        Invalid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    import requests
                    from celery import shared_task

                    from shop.models import Order


                    @shared_task
                    def import_orders(feed_url):
                        return Order.objects.filter(imported=True)  # error@12: CEL610


                    @shared_task
                    def create_order(customer_id):
                        order = Order.objects.create(customer_id=customer_id)
                        order.reserve_stock()
                        return order  # error@12: CEL610


                    @shared_task
                    def order_summary(order_id):
                        order, _ = Order.objects.get_or_create(pk=order_id)
                        return {"order": order, "total": str(order.total)}  # error@22: CEL610


                    @shared_task
                    def customers(order_ids):
                        seen = set()
                        for order in Order.objects.filter(pk__in=order_ids):
                            seen.add(order.customer_id)
                        return seen  # error@12: CEL610


                    @shared_task
                    def tags(order_id):
                        return {t.name for t in Order.objects.get(pk=order_id).tags.all()}  # error@12: CEL610


                    @shared_task
                    def ping_carrier(url):
                        return requests.get(url, timeout=10)  # error@12: CEL610
                """,
                "shop/models.py": """
                    from django.db import models


                    class Order(models.Model):
                        pass
                """,
            }
        ),
        Invalid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker", broker="amqp://rabbitmq", backend="rpc://")
                """,
                "worker/tasks.py": """
                    from worker.app import app


                    @app.task(ignore_result=False)
                    def unique_words(path):
                        with open(path) as handle:
                            words = frozenset(handle.read().split())
                        return words  # error@12: CEL610
                """,
            }
        ),
        Valid(
            files={
                "proj/__init__.py": "from .celery import app as celery_app",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_BROKER_URL = "redis://redis:6379/0"
                    CELERY_RESULT_BACKEND = "redis://redis:6379/1"
                """,
                "shop/__init__.py": "",
                "shop/tasks.py": """
                    import datetime
                    import decimal
                    import uuid

                    import requests
                    from celery import shared_task
                    from django.forms.models import model_to_dict

                    from shop.models import Order


                    @shared_task
                    def create_order(customer_id):
                        order = Order.objects.create(customer_id=customer_id)
                        return order.pk  # the primary key is a number


                    @shared_task
                    def imported(feed_url):
                        return list(Order.objects.filter(imported=True).values_list("pk", flat=True))


                    @shared_task
                    def as_dict(order_id):
                        return model_to_dict(Order.objects.get(pk=order_id))


                    @shared_task
                    def customers(order_ids):
                        seen = set(order_ids)
                        seen = sorted(seen)  # a list now
                        return seen


                    @shared_task
                    def counts():
                        return {"orders": Order.objects.filter(open=True).count()}


                    @shared_task
                    def stamp():
                        # kombu's JSON encoder handles these
                        return datetime.datetime.now(), decimal.Decimal("1.5"), uuid.uuid4(), b"ok"


                    @shared_task
                    def fetch(url):
                        return requests.get(url, timeout=10).json()


                    @shared_task(ignore_result=True)
                    def refresh(order_id):
                        return Order.objects.get(pk=order_id)  # never stored


                    @shared_task
                    def wrapped(order_id):
                        def helper():
                            return {order_id}  # the helper's return, not the task's

                        return sorted(helper())


                    def not_a_task(order_id):
                        return Order.objects.get(pk=order_id)
                """,
                "shop/models.py": """
                    from django.db import models


                    class Order(models.Model):
                        pass
                """,
            }
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    # no result backend: results are not stored
                    app = Celery("worker", broker="redis://redis:6379/0")
                """,
                "worker/tasks.py": """
                    from worker.app import app


                    @app.task
                    def unique_words(text):
                        return set(text.split())
                """,
            }
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery

                    app = Celery("worker", broker="redis://redis", backend="redis://redis/1")
                    app.conf.result_serializer = "yaml"
                    app.conf.result_accept_content = ["yaml"]
                """,
                "worker/tasks.py": """
                    from worker.app import app


                    @app.task
                    def unique_words(text):
                        return set(text.split())  # yaml encodes sets (and only JSON is judged)
                """,
            }
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    import os

                    from celery import Celery

                    app = Celery("worker", broker="redis://redis")
                    app.conf.result_backend = os.environ.get("RESULT_BACKEND")
                """,
                "worker/stats.py": """
                    from celery import Celery

                    stats = Celery("stats", broker="redis://redis", backend="redis://redis/2")
                    stats.conf.task_ignore_result = True


                    @stats.task
                    def unique_visitors(log):
                        return {line.split()[0] for line in log}  # results are not stored
                """,
                "worker/tasks.py": """
                    from worker.app import app


                    @app.task
                    def unique_words(text):
                        return set(text.split())  # the backend is not known here
                """,
            }
        ),
        Valid(
            files={
                "worker/__init__.py": "",
                "worker/app.py": """
                    from celery import Celery
                    from kombu.utils.json import register_type

                    app = Celery("worker", broker="redis://redis", backend="redis://redis/1")
                    register_type(set, "set", list, set)  # kombu now encodes sets
                """,
                "worker/tasks.py": """
                    from worker.app import app


                    @app.task
                    def unique_words(text):
                        return set(text.split())
                """,
            }
        ),
        Valid(
            files={
                "catalog/__init__.py": "",
                "catalog/celery.py": """
                    from celery import Celery

                    app = Celery(
                        "catalog",
                        broker="redis://redis",
                        backend="redis://redis/1",
                        include=["catalog.tasks"],
                    )
                """,
                "catalog/models.py": """
                    from django.db import models


                    class Product(models.Model):
                        def __json__(self):
                            return {"pk": self.pk}
                """,
                "catalog/decorators.py": """
                    import functools


                    def as_list(fn):
                        @functools.wraps(fn)
                        def wrapper(*args, **kwargs):
                            return list(fn(*args, **kwargs))

                        return wrapper
                """,
                "catalog/tasks.py": """
                    from audit.tasks import AuditedTask

                    from catalog.celery import app
                    from catalog.decorators import as_list
                    from catalog.models import Product


                    def set(*items):  # shadows the builtin
                        return list(items)


                    @app.task
                    def product(pk):
                        return Product.objects.get(pk=pk)  # kombu calls Product.__json__()


                    @app.task
                    def labels():
                        return set("new", "sale")  # the module's own set(): a list


                    @app.task(base=AuditedTask)
                    def audited(pk):
                        return {"pk", pk}  # a base class we cannot see may ignore results


                    @app.task
                    @as_list
                    def tags(pk):
                        return {"new", "sale"}  # the other decorator returns a list


                    @app.task
                    def cheapest():
                        products = Product.objects.filter(active=True)
                        products = products.values_list("pk", flat=True)
                        return list(products)
                """,
                "catalog/tests/__init__.py": "",
                "catalog/tests/test_tasks.py": """
                    from catalog.celery import app


                    @app.task
                    def fake_tags():
                        return {"new"}  # a test module
                """,
            }
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        if any(facts.json_customized for facts in index.by_path.values()):
            return
        verdicts: dict[frozenset[str] | None, bool] = {}
        for facts in index.by_path.values():
            if is_test_module(facts.module):
                continue
            for ret in facts.task_returns:
                if ret.span is None or not self._reported(ret, facts.path, index, verdicts):
                    continue
                maker = f" (from `{ret.maker}`)" if ret.maker else ""
                yield Finding(
                    facts.path,
                    ret.span,
                    {
                        "text": ret.text,
                        "what": _what(ret.kind),
                        "maker": maker,
                        "instead": _INSTEAD.get(ret.kind, "a list, a dict or a plain value"),
                    },
                )

    @staticmethod
    def _reported(
        ret: TaskReturnFact,
        path: str,
        index: ProjectIndex,
        verdicts: dict[frozenset[str] | None, bool],
    ) -> bool:
        task = index.task_for(path, ret.function)
        if task is None or task.fact.decorator_count > 1:
            return False  # another decorator may change what the task returns
        if stores_result(task, index) is not True:
            return False
        if ret.kind in _MODEL_KINDS and project_defines_json(index):
            return False  # the model may have a ``__json__()``, which kombu calls
        apps = task_apps(index, task)
        if apps not in verdicts:
            backends = production_backends(index, apps)
            verdicts[apps] = (
                bool(backends)
                and backends is not None
                and "disabled" not in backends
                and result_serializer(index, apps) == "json"
            )
        return verdicts[apps]
