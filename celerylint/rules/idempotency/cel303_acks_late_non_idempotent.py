from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from celerylint.diagnostics import Severity
from celerylint.kit.cst_walk import visit_read_only
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.task_scope import TaskBody, is_name, task_body

_MAIL = {
    "django.core.mail.send_mail": "sends an email",
    "django.core.mail.send_mass_mail": "sends emails",
    "django.core.mail.mail_admins": "sends an email",
    "django.core.mail.mail_managers": "sends an email",
}
_EMAIL_CLASSES = frozenset(
    {"django.core.mail.EmailMessage", "django.core.mail.EmailMultiAlternatives"}
)
_POSTS = frozenset({"requests.post", "httpx.post"})
_F = frozenset({"django.db.models.F", "django.db.models.expressions.F"})
#: calls that make a task safe to run twice (or show the author thought about it)
_GUARD_METHODS = frozenset({"get_or_create", "update_or_create", "select_for_update"})
_CACHE_ADD = frozenset({"django.core.cache.cache.add"})


@dataclass
class _Body:
    task: TaskBody
    effects: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    guarded: bool = False
    retries: bool = False


def _retries(node: cst.CSTNode, self_name: str | None) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "retry"
        and is_name(node.func.value, self_name)
    )


class _BeforeRetry(cst.CSTVisitor):
    """Effects a ``self.retry()`` repeats: those that run before the first retry call. In a
    ``try`` body whose handler retries, the last effect is taken for the operation that
    failed (a failed effect did not happen); the ones before it did, and run again."""

    def __init__(self, effects: set[int], self_name: str | None) -> None:
        super().__init__()
        self.effects = effects
        self.self_name = self_name
        self.exposed: set[int] = set()
        self.seen_retry = False
        #: effects met in each enclosing ``try`` whose handler retries (None: it does not)
        self.tries: list[list[int] | None] = []

    def _check(self, node: cst.CSTNode) -> None:
        if id(node) not in self.effects or self.seen_retry:
            return
        retrying = [t for t in self.tries if t is not None]
        if retrying:
            retrying[-1].append(id(node))
        else:
            self.exposed.add(id(node))

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append([] if any(self._has_retry(h) for h in node.handlers) else None)

    def leave_Try(self, original_node: cst.Try) -> None:
        met = self.tries.pop()
        if met:
            self.exposed.update(met[:-1])

    def _has_retry(self, handler: cst.ExceptHandler) -> bool:
        found = _BeforeRetry(set(), self.self_name)
        visit_read_only(handler, found)
        return found.seen_retry

    def visit_Call(self, node: cst.Call) -> None:
        self._check(node)
        if _retries(node, self.self_name):
            self.seen_retry = True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self._check(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _Contains(cst.CSTVisitor):
    def __init__(self, target: cst.CSTNode) -> None:
        self.target = target
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.target:
            self.found = True
        return not self.found


def _final_effect(
    function: cst.FunctionDef, effects: list[tuple[cst.CSTNode, str]]
) -> cst.CSTNode | None:
    """The last effect, when it is in the last statement of the task body (``send_mail(...)``
    or ``return send_mail(...)`` at the end): nothing after it can fail and re-run it."""
    body = function.body
    if not effects or not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    last = body.body[-1]
    if not isinstance(last, cst.SimpleStatementLine) or len(last.body) != 1:
        return None
    node = effects[-1][0]
    found = _Contains(node)
    visit_read_only(last, found)
    return node if found.found else None


def _mentions_idempotency(node: cst.Call) -> bool:
    """An ``idempotency_key=`` argument or an ``Idempotency-Key`` header in the call."""
    for arg in node.args:
        if arg.keyword is not None and "idempot" in arg.keyword.value.lower():
            return True
        if isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                key = getattr(element, "key", None)
                if isinstance(key, cst.SimpleString) and "idempot" in key.value.lower():
                    return True
    return False


class AcksLateNonIdempotent(FileRule):
    """
    ## What it does
    Reports side effects that are not safe to repeat in a task that may run more than once
    for the same message: one with `acks_late=True`, with `autoretry_for`, or that calls
    `self.retry()` (options count wherever they are set: decorator, alias, `**OPTIONS`
    dict, base class). The effects: `Model.objects.create()`/`bulk_create()`, `F("n") + 1`
    counters, `send_mail()`/`EmailMessage(...).send()`, `requests.post()`/`httpx.post()`,
    and `stripe.<Object>.create()` without an idempotency key.

    The task stays quiet when its body shows a guard: `get_or_create()`,
    `update_or_create()`, `select_for_update()`, a conditional `.filter(...).update(...)`,
    a `cache.add()` lock, an idempotency key, or an early `return` under an `if` or in an
    `except` handler (a "done already?" check such as `except Order.DoesNotExist: return`).

    This is a heuristic, so its default severity is `info`, lower than the other rules: it
    points at code worth a second look rather than at a certain bug.

    ## Why is this bad?
    With `acks_late` the message is acknowledged after the task finishes, so a worker crash
    or a lost connection makes the broker deliver it again; retries re-run the whole body
    too. "Make sure your tasks are idempotent" (Tasks guide → `Task.acks_late`): otherwise
    the customer is charged twice, or gets two emails.

    ## Use instead
    ```python
    @shared_task(acks_late=True)
    def charge(order_id):
        order = Order.objects.get(pk=order_id)
        stripe.Charge.create(
            amount=order.total, customer=order.customer_id, idempotency_key=f"order-{order_id}"
        )
    ```

    ## Fix safety
    There is no fix.
    """

    code = "CEL303"
    name = "acks-late-non-idempotent"
    message = "Task `{task}` can run more than once per message (acks_late, autoretry or retry) and {effect}; guard it: get_or_create, a status check, an idempotency key"
    severity = Severity.INFO
    examples = (
        Invalid(
            """
            import stripe
            from celery import shared_task

            from shop.models import Order


            @shared_task(acks_late=True)
            def charge(order_id):
                order = Order.objects.get(pk=order_id)
                stripe.Charge.create(amount=order.total)  # error: CEL303
            """
        ),
        Invalid(
            files={
                "shop/__init__.py": "",
                "shop/options.py": """
                    from celery import shared_task

                    resilient_task = shared_task(autoretry_for=(ConnectionError,), max_retries=5)
                """,
                "shop/tasks.py": """
                    import requests
                    from django.core.mail import send_mail
                    from django.db.models import F

                    from shop.models import Order, Stats
                    from shop.options import resilient_task


                    @resilient_task
                    def record_order(order_id):
                        Order.objects.create(source=order_id)  # error: CEL303
                        Stats.objects.update(orders=F("orders") + 1)  # error@33: CEL303
                        requests.post("https://hooks.example.com", json={"id": order_id}, timeout=5)  # error: CEL303
                        send_mail("New order", str(order_id), "shop@example.com", ["ops@example.com"])  # last: re-run only if it failed
                """,
            }
        ),
        Invalid(
            """
            from celery import shared_task
            from django.core.mail import EmailMessage


            @shared_task(bind=True)
            def welcome(self, user_id):
                EmailMessage("Welcome", "Hi", to=[user_id]).send()  # error: CEL303
                if not delivered(user_id):
                    raise self.retry(countdown=60)
            """
        ),
        Invalid(
            """
            import requests
            from celery import shared_task

            from shop.models import Order


            @shared_task(bind=True, max_retries=3)
            def record_and_notify(self, order_id):
                try:
                    Order.objects.create(source=order_id)  # error: CEL303
                    requests.post("https://hooks.example.com", json={"id": order_id}, timeout=5)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc)
            """
        ),
        Valid(
            """
            import smtplib

            from celery import shared_task
            from django.core.mail import send_mail


            @shared_task(bind=True, autoretry_for=(smtplib.SMTPException,), max_retries=5)
            def send_email(self, *args, **kwargs):
                # autoretry re-runs it only when sending raised: nothing was sent twice
                send_mail(*args, **kwargs)
            """
        ),
        Valid(
            """
            import stripe
            from celery import shared_task

            from shop.models import Order


            @shared_task(acks_late=True)
            def charge(order_id):
                order = Order.objects.get(pk=order_id)
                stripe.Charge.create(amount=order.total, idempotency_key=f"order-{order_id}")


            @shared_task(acks_late=True)
            def record(order_id):
                Order.objects.get_or_create(source=order_id)


            @shared_task(acks_late=True)
            def ship(order_id):
                order = Order.objects.get(pk=order_id)
                if order.shipped:
                    return None
                Order.objects.create(parent=order_id)
                return order_id


            @shared_task(acks_late=True)
            def archive(order_id):
                try:
                    order = Order.objects.get(pk=order_id)
                except Order.DoesNotExist:
                    return None  # archived by an earlier delivery
                Order.objects.create(parent=order.pk, archived=True)
                order.delete()
                return order_id


            @shared_task(acks_late=True)
            def mark_paid(order_id):
                updated = Order.objects.filter(pk=order_id, paid=False).update(paid=True)
                Order.objects.create(source=order_id)
                return updated
            """
        ),
        Valid(
            """
            import requests
            from celery import shared_task
            from django.core.mail import send_mail

            from shop.models import Order


            @shared_task
            def notify(order_id):  # runs at most once: no acks_late, no retries
                send_mail("Order", str(order_id), "shop@example.com", ["ops@example.com"])
                Order.objects.create(source=order_id)


            @shared_task(acks_late=True)
            def report(order_id):
                return requests.get("https://api.example.com", timeout=5)
            """
        ),
    )

    def __init__(self, ctx: object, options: object) -> None:
        super().__init__(ctx, options)  # type: ignore[arg-type]
        self._bodies: dict[int, _Body] = {}

    def _body(self) -> _Body | None:
        fn = self.ctx.function
        return self._bodies.get(id(fn.node)) if fn is not None else None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = task_body(self.ctx)
        if body is not None and body.is_run:
            self._bodies[id(node)] = _Body(body)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        found = self._bodies.pop(id(node), None)
        if found is None or found.guarded or not found.effects:
            return
        task = found.task
        name = task.function if task.is_class else task.node.name.value
        exposed: set[int] = set()
        if found.retries:
            walker = _BeforeRetry({id(n) for n, _ in found.effects}, task.self_name)
            visit_read_only(node.body, walker)
            exposed = walker.exposed
        final = _final_effect(node, found.effects)
        # the same finding under either condition; phase 2 keeps it once if both hold
        for effect_node, effect in found.effects:
            # an autoretry re-runs the task only when it raised: an effect that ends the task
            # either happened (and the task succeeded) or failed, so only acks_late repeats it
            options = ("acks_late",) if effect_node is final else ("acks_late", "autoretry_for")
            conditions = [task.condition(any_truthy=options)]
            if id(effect_node) in exposed:
                conditions.append(task.bound_condition())
            for condition in conditions:
                self.report(effect_node, task=name, effect=effect, condition=condition)

    def visit_If(self, node: cst.If) -> None:
        self._early_return(node.body)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        # ``except Project.DoesNotExist: return``: gone already, nothing to do twice
        self._early_return(node.body)

    def _early_return(self, block: cst.BaseSuite) -> None:
        body = self._body()
        if body is None:
            return
        for stmt in block.body:
            small = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else (stmt,)
            if any(isinstance(s, cst.Return) for s in small):
                body.guarded = True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        body = self._body()
        if body is None or not isinstance(node.operator, cst.Add | cst.Subtract):
            return
        for side in (node.left, node.right):
            if isinstance(side, cst.Call) and self.ctx.resolve(side.func) in _F:
                body.effects.append((node, "updates a counter with `F()`"))
                return

    def visit_Call(self, node: cst.Call) -> None:
        body = self._body()
        if body is None:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in _GUARD_METHODS:
                body.guarded = True
                return
            if _retries(node, body.task.self_name):
                body.retries = True
                return
            if method == "update" and self._conditional_update(func.value):
                body.guarded = True
                return
            if method in {"create", "bulk_create"} and self._is_manager(func.value):
                body.effects.append((node, f"calls `{method}()`, adding rows"))
                return
            if method == "send" and isinstance(func.value, cst.Call):
                if self.ctx.resolve(func.value.func) in _EMAIL_CLASSES:
                    body.effects.append((node, "sends an email"))
                return
        ref = self.ctx.resolve(func)
        if ref is None:
            return
        if ref in _CACHE_ADD:
            body.guarded = True
        elif ref in _MAIL:
            body.effects.append((node, _MAIL[ref]))
        elif ref in _POSTS and not _mentions_idempotency(node):
            body.effects.append((node, f"calls `{ref}()`"))
        elif (
            ref.startswith("stripe.")
            and ref.endswith(".create")
            and not _mentions_idempotency(node)
        ):
            body.effects.append((node, f"calls `{ref}()` without an idempotency key"))

    @staticmethod
    def _is_manager(node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Attribute) and node.attr.value == "objects"

    @staticmethod
    def _conditional_update(node: cst.BaseExpression) -> bool:
        """``.filter(status=...).update(...)``: only rows still in the old state change."""
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in {"filter", "exclude"}
            and len(node.args) > 1
        )
