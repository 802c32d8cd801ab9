from __future__ import annotations

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity, TaskCondition
from celerylint.kit.values import evaluate, string_value
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.call_shapes import PACKED_METHODS
from celerylint.semantics.calls import args_form
from celerylint.semantics.canvas import SIGNATURE_REFS

#: task methods taking the task's arguments as one ``args`` sequence
_PACKED_METHODS = PACKED_METHODS
#: literals that are certainly a single value
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)


def _args_argument(call: cst.Call, position: int) -> cst.Arg | None:
    """The ``args`` argument: positional ``position`` or ``args=``."""
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index == position:
                return arg
            index += 1
        elif arg.keyword.value == "args":
            return arg
    return None


def _unwrap(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=(), rpar=())


class ArgsNotATuple(FileRule):
    """
    ## What it does
    Reports task arguments given as something other than a list or tuple:
    `apply_async((x))` (parentheses without a comma make no tuple),
    `apply_async(args=42)` or `args="abc"`, `signature("name", args="abc")`, and
    `"args": (16)` in a beat schedule entry.

    ## Why is this bad?
    Celery needs a sequence: a number fails with `TypeError: task args must be a list or
    tuple` when the message is sent (or, for a beat entry, each time it is due), and a
    string is spread into one argument per character. Periodic Tasks guide, *Entries*:
    "If you want to use a single item tuple for args, don't forget that the constructor is
    a comma".

    ## Use instead
    ```python
    send_receipt.apply_async((order.pk,), countdown=10)
    ```

    ## Fix safety
    Adding the comma is safe for a number and for parentheses around a literal. It is
    unsafe for a string written without parentheses (the task may really take one
    argument per character) and for parentheses around a name or an attribute, which might
    hold a tuple already.
    """

    code = "CEL608"
    name = "args-not-a-tuple"
    message = "{what} `{text}` is not a tuple or list; {consequence}"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    fix_title = "Make it a one-element tuple"
    examples = (
        Invalid(
            """
            from celery import shared_task, signature


            @shared_task
            def send_receipt(order_id):
                return order_id


            def paid(order):
                send_receipt.apply_async((order.pk), countdown=10)  # error@30: CEL608
                send_receipt.apply_async(args=(42))  # error@30: CEL608
                send_receipt.apply_async("abc")  # error@30: CEL608
                signature("shop.tasks.send_receipt", args=7).delay()  # error@42: CEL608
            """,
            fixed="""
            from celery import shared_task, signature


            @shared_task
            def send_receipt(order_id):
                return order_id


            def paid(order):
                send_receipt.apply_async((order.pk,), countdown=10)  # error@30: CEL608
                send_receipt.apply_async(args=(42,))  # error@30: CEL608
                send_receipt.apply_async(("abc",))  # error@30: CEL608
                signature("shop.tasks.send_receipt", args=(7,)).delay()  # error@42: CEL608
            """,
        ),
        Invalid(
            """
            from celery.schedules import crontab

            CELERY_BEAT_SCHEDULE = {
                "purge-sessions": {
                    "task": "accounts.tasks.purge_sessions",
                    "schedule": crontab(minute=0, hour=4),
                    "args": (30),  # error@9: CEL608
                },
            }
            """,
            fixed="""
            from celery.schedules import crontab

            CELERY_BEAT_SCHEDULE = {
                "purge-sessions": {
                    "task": "accounts.tasks.purge_sessions",
                    "schedule": crontab(minute=0, hour=4),
                    "args": (30,),  # error@9: CEL608
                },
            }
            """,
        ),
        Valid(
            """
            from multiprocessing.pool import ThreadPool

            from celery import shared_task
            from celery.schedules import crontab


            @shared_task
            def send_receipt(order_id, copy=False):
                return order_id


            def paid(order, ids):
                send_receipt.apply_async((order.pk,), countdown=10)
                send_receipt.apply_async([order.pk])
                send_receipt.apply_async(ids)
                send_receipt.apply_async(args=(order.pk, True))
                send_receipt.apply_async(kwargs={"order_id": 1})
                ThreadPool(2).apply_async(print, ("x"))  # not a Celery task


            SCHEDULE = {"every-hour": {"task": "x.y", "schedule": crontab(minute=0), "args": (1,)}}
            CONFIG = {"args": (16)}  # not a beat entry
            """
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _PACKED_METHODS:
            ref = self.ctx.resolve(func.value)
            if ref is None:
                return
            self._check(
                _args_argument(node, 0),
                f"`{func.attr.value}()`'s `args`",
                TaskCondition("", task_ref=ref),
            )
        elif (
            isinstance(func, cst.Name | cst.Attribute) and self.ctx.resolve(func) in SIGNATURE_REFS
        ):
            self._check(_args_argument(node, 1), "`signature()`'s `args`", None)

    def visit_Dict(self, node: cst.Dict) -> None:
        keys: dict[str, cst.DictElement] = {}
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = string_value(element.key)
                if isinstance(key, str):
                    keys[key] = element
        if "task" not in keys or "schedule" not in keys or "args" not in keys:
            return
        self._check(keys["args"], "The beat entry's `args`", None)

    def _check(
        self,
        arg: cst.Arg | cst.DictElement | None,
        what: str,
        condition: TaskCondition | None,
    ) -> None:
        if arg is None:
            return
        value = arg.value
        form = args_form(value, evaluate(value, self.ctx.resolve))
        if form not in ("paren", "scalar", "string"):
            return
        if isinstance(value, cst.Dict | cst.Set):
            return  # a mapping or set passed as args: too unusual to guess at
        inner = _unwrap(value)
        tuple_node = cst.Tuple([cst.Element(inner)])
        literal = isinstance(inner, _LITERALS)
        if form == "paren":
            consequence = (
                "parentheses without a comma make no tuple, add one: `(x,)`"
                if literal
                else "parentheses without a comma make no tuple: add one if this is the "
                "only argument"
            )
            safety = FixSafety.SAFE if literal else FixSafety.UNSAFE
        elif form == "string":
            consequence = "Celery spreads a string into one argument per character"
            safety = FixSafety.UNSAFE
        else:
            consequence = "Celery raises `TypeError: task args must be a list or tuple`"
            safety = FixSafety.SAFE
        fix = self.fix({arg: arg.with_changes(value=tuple_node)}, self.fix_title or "", safety)
        text = cst.Module([]).code_for_node(value)
        if len(text) > 40 or "\n" in text:
            text = text.split("\n", 1)[0][:37] + "..."
        self.report(
            arg, condition=condition, fix=fix, what=what, text=text, consequence=consequence
        )
