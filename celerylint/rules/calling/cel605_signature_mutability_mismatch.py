from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Edit, Fix, FixSafety, Severity
from celerylint.factdata import SignatureFact
from celerylint.project.calls import checkable_task
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.semantics.arity import bind, caller_parameters, render_signature

_WHERE = {
    "chain": "in a chain",
    "link": "as a `link=` callback",
    "chord-body": "as a chord body",
    "chord-header": "in a chord header after another task",
    "group": "in a group after another task",
}


class SignatureMutabilityMismatch(ProjectRule):
    """
    ## What it does
    Checks the signatures that Celery hands a parent task's result to: the steps of a
    chain after the first (`chain(a.s(), b.s())`, `a.s() | b.s()`), `link=` callbacks and
    chord bodies (also a group piped into a task). It reports:

    - a **mutable** signature (`.s(...)`) whose task has no free positional parameter for
      the parent's result, which Celery prepends to its arguments;
    - an **immutable** signature (`.si(...)`) that leaves a required positional parameter
      unfilled: it ignores the parent's result, so it probably meant `.s(...)`.

    `link_error=` callbacks are left out (Celery calls them with the request and the
    exception), as are tasks with `*args`, starred call arguments and tasks wrapped by
    other decorators.

    ## Why is this bad?
    The chain fails in the worker with a `TypeError` once the parent has run: the work
    before it is done, the rest never happens. Canvas guide, *Partials* (arguments are
    prepended) and *Immutability*.

    ## Use instead
    ```python
    chain(import_csv.s(path), notify_admins.si())
    ```

    ## Fix safety
    Replacing `.s(` with `.si(` is safe when the task binds its arguments without the
    parent's result: the callback then runs exactly as written, ignoring the result it
    could not accept anyway.
    """

    code = "CEL605"
    name = "signature-mutability-mismatch"
    message = "`{signature}` {where} {problem}"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    fix_title = "Make the signature immutable (`.si(`)"
    examples = (
        Invalid(
            """
            from celery import chain, shared_task


            @shared_task
            def import_csv(path):
                return path


            @shared_task
            def notify_admins():
                return None


            def run_import(path):
                chain(import_csv.s(path), notify_admins.s()).delay()  # error@31: CEL605
                (import_csv.s(path) | notify_admins.s()).delay()  # error@27: CEL605
                import_csv.apply_async((path,), link=notify_admins.s())  # error@42: CEL605
            """,
            fixed="""
            from celery import chain, shared_task


            @shared_task
            def import_csv(path):
                return path


            @shared_task
            def notify_admins():
                return None


            def run_import(path):
                chain(import_csv.s(path), notify_admins.si()).delay()  # error@31: CEL605
                (import_csv.s(path) | notify_admins.si()).delay()  # error@27: CEL605
                import_csv.apply_async((path,), link=notify_admins.si())  # error@42: CEL605
            """,
        ),
        Invalid(
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": """
                    from celery import shared_task


                    @shared_task(bind=True)
                    def charge(self, invoice_id):
                        return invoice_id


                    @shared_task
                    def send_receipt(invoice_id, *, copy_to=None):
                        return invoice_id
                """,
                "billing/flows.py": """
                    from celery import chain, chord, group

                    from billing.tasks import charge, send_receipt


                    def charge_and_notify(invoice_id):
                        chain(charge.s(invoice_id), send_receipt.s(invoice_id)).delay()  # error@33: CEL605
                        chain(charge.si(invoice_id), send_receipt.si()).delay()  # error@34: CEL605


                    def charge_all(invoice_ids):
                        chord(group(charge.s(i) for i in invoice_ids), send_receipt.s(invoice_id=1))()  # error@52: CEL605
                """,
            },
            fixed={
                "billing/flows.py": """
                    from celery import chain, chord, group

                    from billing.tasks import charge, send_receipt


                    def charge_and_notify(invoice_id):
                        chain(charge.s(invoice_id), send_receipt.si(invoice_id)).delay()  # error@33: CEL605
                        chain(charge.si(invoice_id), send_receipt.si()).delay()  # error@34: CEL605


                    def charge_all(invoice_ids):
                        chord(group(charge.s(i) for i in invoice_ids), send_receipt.si(invoice_id=1))()  # error@52: CEL605
                """,
            },
        ),
        Valid(
            """
            from celery import chain, chord, shared_task


            @shared_task
            def import_csv(path):
                return path


            @shared_task
            def notify_admins(result=None):
                return result


            @shared_task
            def clean_up(*paths):
                return paths


            @shared_task
            def report(rows, recipient):
                return rows


            @shared_task
            def on_error(request, exc, traceback):
                return None


            def run_import(path, extra):
                chain(import_csv.s(path), notify_admins.s()).delay()
                chain(import_csv.s(path), clean_up.s(path)).delay()
                chain(import_csv.s(path), report.s("ops@example.com")).delay()
                chain(import_csv.s(path), report.si([], "ops@example.com")).delay()
                chain(import_csv.s(path), report.s(*extra)).delay()
                chord([import_csv.s(path)], notify_admins.s()).delay()
                import_csv.apply_async((path,), link_error=on_error.s())
                notify_admins.s().delay()  # not in a canvas: nothing is prepended
                # ``.set(immutable=True)`` makes the signature immutable, as ``.si()`` does
                chain(import_csv.s(path), notify_admins.s().set(immutable=True)).delay()
                chord([import_csv.s(path)], body=notify_admins.s().set(queue="low", immutable=True)).delay()
            """
        ),
        Invalid(
            """
            from celery import chain, shared_task


            @shared_task
            def import_csv(path):
                return path


            @shared_task
            def notify_admins():
                return None


            def run_import(path, flag):
                chain(import_csv.s(path), notify_admins.si().set(immutable=False)).delay()  # error@31: CEL605
                chain(import_csv.s(path), notify_admins.s().set(immutable=flag)).delay()  # not known
            """
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for facts in index.by_path.values():
            for sig in facts.signatures:
                if not sig.receives_parent or sig.span is None:
                    continue
                if sig.positional is None or sig.keywords is None:
                    continue
                found = self._problem(sig, index)
                if found is None:
                    continue
                signature, problem, fixable = found
                fix = None
                if fixable and sig.method_span is not None:
                    fix = Fix(self.fix_title or "", FixSafety.SAFE, (Edit("si", sig.method_span),))
                yield Finding(
                    facts.path,
                    sig.span,
                    {"signature": signature, "where": _WHERE.get(sig.role, ""), "problem": problem},
                    fix=fix,
                )

    @staticmethod
    def _problem(sig: SignatureFact, index: ProjectIndex) -> tuple[str, str, bool] | None:
        """(signature, what is wrong, whether `.si(` fixes it) or None."""
        task = checkable_task(index, sig.receiver, sig.task_name)
        if task is None or sig.positional is None or sig.keywords is None:
            return None
        params = caller_parameters(task.fact.params, task.option("bind"))
        if params is None:
            return None
        short = task.fact.function.rsplit(".", 1)[-1]
        shown = f"{short}{render_signature(params)}"
        if sig.immutable is False:
            alone = bind(params, sig.positional, sig.keywords, partial=True)
            with_parent = bind(params, sig.positional, sig.keywords, prepended=1, partial=True)
            if alone is None and with_parent is not None:
                return (
                    f"{short}.s()",
                    "gets the parent task's result as an extra first argument, which "
                    f"`{shown}` cannot take ({with_parent.describe()}); use `.si()` to "
                    "ignore the result",
                    bind(params, sig.positional, sig.keywords) is None,
                )
        elif sig.immutable is True:
            problem = bind(params, sig.positional, sig.keywords)
            positional = {p.name for p in params if p.kind in ("posonly", "normal")}
            if (
                problem is not None
                and problem.kind == "missing"
                and any(name in positional for name in problem.names)
            ):
                return (
                    f"{short}.si()",
                    f"ignores the parent task's result, and `{shown}` is "
                    f"{problem.describe()}; use `.s()` to receive the result",
                    False,
                )
        return None
