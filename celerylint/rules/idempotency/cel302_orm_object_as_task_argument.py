from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import Severity, TaskCondition
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.call_shapes import DIRECT_METHODS, PACKED_METHODS
from celerylint.semantics.django import manager_chain
from celerylint.semantics.sqlalchemy_orm import OrmQuery, orm_query
from celerylint.semantics.task_scope import enclosing_class

_SHORTCUTS = {
    "django.shortcuts.get_object_or_404": "model instance",
    "django.shortcuts.get_list_or_404": "list of model instances",
}
_MODEL_BASES = frozenset({"django.db.models.Model", "django.db.models.base.Model"})


#: what a name is bound to: the kind of ORM object, and the SQLAlchemy query that made it
Origin = tuple[str, OrmQuery | None]


class OrmObjectAsTaskArgument(FileRule):
    """
    ## What it does
    Reports a Django model instance or queryset passed to a task (`.delay()`, `.apply_async()`
    arguments, `.s()`, `.si()`, `.signature()`): the result of `Model.objects.get()` /
    `.create()` / `.first()`, `get_object_or_404()`, a queryset (`.filter()`, `.all()`...), a
    variable assigned from one of those or looping over a queryset, `request.user`, and
    `self` inside a model method. Only calls on a task the project defines are reported.

    SQLAlchemy and Flask-SQLAlchemy instances count too: `db.get_or_404(Model, id)`,
    `db.first_or_404(...)`, `Model.query.get(...)` / `.first()` / `.one()` /
    `.get_or_404()` (also after `filter_by()`), `session.get(Model, id)`,
    `db.session.get(...)`, `session.scalars(select(Model)...).one()` / `.first()`,
    `session.execute(select(Model)...).scalar_one()`. The receiver must be known as a
    SQLAlchemy object (a `SQLAlchemy()` instance, a `Session()`, a `sessionmaker()` session, a
    parameter annotated `Session`) and `Model` a `db.Model` subclass; `get()` on anything
    else (`requests.Session().get(url)`) is left alone.

    ## Why is this bad?
    With the JSON serializer (the default since Celery 4) the call fails with `EncodeError`:
    a model instance is not JSON. With pickle it "works", but the worker gets a copy of the
    row as it was when the message was sent, which may be stale by the time the task runs
    (Tasks guide → *Performance and strategies → State*). Pass the primary key and load the
    row in the task.

    ## Use instead
    ```python
    expand_abbreviations.delay(article.pk)  # the task does Article.objects.get(pk=...)
    ```

    ## Fix safety
    There is no fix: the task has to change too.
    """

    code = "CEL302"
    name = "orm-object-as-task-argument"
    message = "`{arg}` is a {orm} {what} passed to `{call}()`; send {instead} and load the rows in the task"
    severity = Severity.WARNING
    examples = (
        Invalid(
            files={
                "blog/__init__.py": "",
                "blog/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def expand_abbreviations(article_id):
                        return article_id
                """,
                "blog/views.py": """
                    from django.shortcuts import get_object_or_404

                    from blog.models import Article
                    from blog.tasks import expand_abbreviations


                    def publish(request, article_id):
                        article = Article.objects.get(pk=article_id)
                        expand_abbreviations.delay(article)  # error@32: CEL302
                        expand_abbreviations.delay(get_object_or_404(Article, pk=1))  # error@32: CEL302
                        expand_abbreviations.apply_async(args=(request.user,))  # error@44: CEL302
                        expand_abbreviations.apply_async(kwargs={"article_id": article})  # error@60: CEL302
                        expand_abbreviations.delay(request.user)  # error@32: CEL302
                        for draft in Article.objects.filter(draft=True):
                            expand_abbreviations.s(draft).delay()  # error@32: CEL302
                        expand_abbreviations.delay(article_id=Article.objects.all())  # error@43: CEL302
                        expand_abbreviations.signature((article,))  # error@37: CEL302
                        expand_abbreviations.subtask(kwargs={"article_id": article})  # error@56: CEL302
                        expand_abbreviations.signature((article.pk,), countdown=5)
                """,
                "blog/models.py": """
                    from django.db import models


                    class Article(models.Model):
                        def publish(self):
                            from blog.tasks import expand_abbreviations

                            expand_abbreviations.delay(self)  # error@36: CEL302
                """,
            }
        ),
        Valid(
            files={
                "blog/__init__.py": "",
                "blog/tasks.py": """
                    from celery import shared_task


                    @shared_task
                    def expand_abbreviations(article_id):
                        return article_id
                """,
                "blog/views.py": """
                    from blog.models import Article
                    from blog.tasks import expand_abbreviations


                    def publish(request, article_id, notifier):
                        article = Article.objects.get(pk=article_id)
                        expand_abbreviations.delay(article.pk)
                        expand_abbreviations.delay(request.user.pk)
                        ids = list(Article.objects.filter(draft=True).values_list("pk", flat=True))
                        expand_abbreviations.delay(ids)
                        notifier.delay(article)  # not a task the project defines
                        article = article.pk
                        expand_abbreviations.delay(article)
                        count = Article.objects.filter(draft=True).count()
                        expand_abbreviations.delay(count)
                """,
                "blog/models.py": """
                    from django.db import models


                    class Article(models.Model):
                        def publish(self):
                            from blog.tasks import expand_abbreviations

                            expand_abbreviations.delay(self.pk)


                    class Publisher:
                        def publish(self):
                            from blog.tasks import expand_abbreviations

                            expand_abbreviations.delay(self)  # not a model
                """,
            }
        ),
        # SQLAlchemy / Flask-SQLAlchemy queries that return a model instance
        Invalid(
            files={
                "ledger/__init__.py": "",
                "ledger/extensions.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "ledger/database.py": """
                    from sqlalchemy import create_engine
                    from sqlalchemy.orm import sessionmaker

                    engine = create_engine("postgresql://db/ledger")
                    SessionLocal = sessionmaker(bind=engine)
                """,
                "ledger/models.py": """
                    from ledger.extensions import db


                    class Base(db.Model):
                        __abstract__ = True


                    class Invoice(Base):
                        id = db.Column(db.Integer, primary_key=True)
                """,
                "ledger/tasks.py": """
                    from celery import Celery

                    app = Celery("ledger")


                    @app.task
                    def sync(invoice_id):
                        return invoice_id
                """,
                "ledger/views.py": """
                    from sqlalchemy import select
                    from sqlalchemy.orm import Session

                    from ledger.database import SessionLocal
                    from ledger.extensions import db
                    from ledger.models import Invoice
                    from ledger.tasks import sync


                    def pay(invoice_id, session: Session):
                        invoice = db.get_or_404(Invoice, invoice_id)
                        sync.delay(invoice)  # error@16: CEL302
                        sync.delay(db.first_or_404(select(Invoice)))  # error@16: CEL302
                        sync.delay(Invoice.query.get(invoice_id))  # error@16: CEL302
                        sync.delay(Invoice.query.filter_by(id=invoice_id).first())  # error@16: CEL302
                        sync.delay(Invoice.query.get_or_404(invoice_id))  # error@16: CEL302
                        sync.delay(db.session.get(Invoice, invoice_id))  # error@16: CEL302
                        found = session.get(Invoice, invoice_id)
                        sync.apply_async(args=(found,))  # error@28: CEL302
                        local = SessionLocal()
                        one = local.scalars(select(Invoice).where(Invoice.id == invoice_id)).one()
                        sync.apply_async(kwargs={"invoice_id": one})  # error@44: CEL302
                        sync.delay(session.execute(select(Invoice)).scalar_one())  # error@16: CEL302
                """,
            }
        ),
        # near misses: the id passed; ``get()`` on an HTTP session; ids of ``.all()``;
        # a count; ``.query`` of a class that is no Flask-SQLAlchemy model
        Valid(
            files={
                "ledger/__init__.py": "",
                "ledger/extensions.py": """
                    from flask_sqlalchemy import SQLAlchemy

                    db = SQLAlchemy()
                """,
                "ledger/models.py": """
                    from ledger.extensions import db


                    class Invoice(db.Model):
                        id = db.Column(db.Integer, primary_key=True)


                    class Search:
                        query = None
                """,
                "ledger/tasks.py": """
                    from celery import Celery

                    app = Celery("ledger")


                    @app.task
                    def sync(invoice_id):
                        return invoice_id
                """,
                "ledger/views.py": """
                    import requests
                    from sqlalchemy import func, select

                    from ledger.extensions import db
                    from ledger.models import Invoice, Search
                    from ledger.tasks import sync


                    def pay(invoice_id, client, cache):
                        invoice = db.get_or_404(Invoice, invoice_id)
                        sync.delay(invoice.id)
                        page = requests.Session().get("https://bank.example.com", timeout=5)
                        sync.delay(page)
                        sync.delay(client.get(Invoice, invoice_id))  # a parameter: unknown
                        sync.delay(cache.get_or_404(invoice_id))
                        rows = db.session.scalars(select(Invoice)).all()
                        sync.delay([row.id for row in rows])
                        sync.delay(db.session.execute(select(func.count())).scalar_one())
                        sync.delay(db.session.execute(select(Invoice.id)).scalar_one())
                        sync.delay(Search.query.get(invoice_id))
                """,
            }
        ),
    )

    def __init__(self, ctx: object, options: object) -> None:
        super().__init__(ctx, options)  # type: ignore[arg-type]
        #: per function: names bound to an ORM object (by the latest assignment seen)
        self._origins: dict[int, dict[str, Origin]] = {}

    def _names(self) -> dict[str, Origin] | None:
        fn = self.ctx.function
        if fn is None:
            return None
        return self._origins.setdefault(id(fn.node), {})

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._origins.pop(id(node), None)

    def visit_Assign(self, node: cst.Assign) -> None:
        names = self._names()
        if names is None:
            return
        what = self._orm(node.value, direct_only=True)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if what is None:
                    names.pop(target.target.value, None)
                else:
                    names[target.target.value] = what

    def visit_For(self, node: cst.For) -> None:
        names = self._names()
        if names is None or not isinstance(node.target, cst.Name):
            return
        found = self._orm(node.iter, direct_only=True)
        if found is not None and found[0] == "queryset":
            names[node.target.value] = ("model instance", None)
        else:
            names.pop(node.target.value, None)

    def _orm(self, node: cst.BaseExpression, direct_only: bool = False) -> Origin | None:
        """What kind of ORM object ``node`` evaluates to, if it is one (with the SQLAlchemy
        receiver the index must confirm, for a SQLAlchemy query)."""
        found = manager_chain(node)
        if found is not None:
            return found, None
        if isinstance(node, cst.Call):
            ref = self.ctx.resolve(node.func)
            if ref in _SHORTCUTS:
                return _SHORTCUTS[ref], None
            query = orm_query(node, self.ctx)
            return ("model instance", query) if query is not None else None
        if direct_only:
            return None
        if isinstance(node, cst.Name):
            names = self._names() or {}
            if node.value in names:
                return names[node.value]
            if node.value == "self" and self._in_model_method():
                return "model instance", None
            return None
        if (
            isinstance(node, cst.Attribute)
            and node.attr.value == "user"
            and isinstance(node.value, cst.Name)
            and node.value.value == "request"
            and self._is_parameter("request")
        ):
            return "model instance", None
        return None

    def _is_parameter(self, name: str) -> bool:
        fn = self.ctx.function
        return (
            fn is not None
            and fn.frame.bindings.get(name) == ""
            and any(
                p.name.value == name
                for p in (*fn.node.params.posonly_params, *fn.node.params.params)
            )
        )

    def _in_model_method(self) -> bool:
        cls = enclosing_class(self.ctx)
        if cls is None:
            return False
        bases = {self.ctx.resolve(arg.value) for arg in cls.bases if arg.keyword is None}
        return bool(bases & _MODEL_BASES)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in DIRECT_METHODS and method not in PACKED_METHODS:
            return
        task_ref = self.ctx.resolve(func.value)
        if task_ref is None:
            return
        values: list[cst.BaseExpression] = []
        for position, arg in enumerate(node.args):
            if arg.star:
                continue
            if method in DIRECT_METHODS:
                values.append(arg.value)
                continue
            # ``apply_async(args, kwargs, ...)``, ``signature(args, kwargs)``: the task's
            # arguments are in the first two
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword in {"args", "kwargs"} or (keyword is None and position < 2):
                values.extend(self._elements(arg.value))
        call = cst.Module([]).code_for_node(func)
        for value in values:
            found = self._orm(value)
            if found is not None:
                what, query = found
                self.report(
                    value,
                    arg=cst.Module([]).code_for_node(value),
                    what=what,
                    orm="SQLAlchemy" if query is not None else "Django",
                    call=call,
                    instead="a list of primary keys" if what == "queryset" else "its primary key",
                    condition=TaskCondition(
                        "",
                        task_ref=task_ref,
                        orm_path=query.path if query is not None else "",
                        orm_kinds=query.kinds if query is not None else (),
                    ),
                )

    @staticmethod
    def _elements(node: cst.BaseExpression) -> list[cst.BaseExpression]:
        if isinstance(node, cst.Tuple | cst.List):
            return [e.value for e in node.elements if isinstance(e, cst.Element)]
        if isinstance(node, cst.Dict):
            return [e.value for e in node.elements if isinstance(e, cst.DictElement)]
        return []
