from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity, TaskCondition
from celerylint.kit.edits import NodeFix
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics import celery_data
from celerylint.semantics.except_handlers import handler_refs, handler_text, let_through, reraises
from celerylint.semantics.task_scope import is_name, task_body

#: what each of Celery's control-flow exceptions is caught by (itself and its bases)
_CAUGHT_BY: dict[str, frozenset[str]] = {
    exc: frozenset((exc, *bases)) for exc, bases in celery_data.TASK_CONTROL_EXCEPTIONS.items()
}
_RETRY = "celery.exceptions.Retry"


def _raises(
    statements: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
    inner: tuple[cst.Try, ...],
) -> Iterator[tuple[cst.Raise, tuple[cst.Try, ...]]]:
    """``raise`` statements run by these statements, with the nested ``try`` statements
    whose bodies they are in (innermost last). Nested functions and classes do not run."""
    for stmt in statements:
        if isinstance(stmt, cst.Raise):  # ``try: raise x`` on one line
            yield stmt, inner
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Raise):
                    yield small, inner
        elif isinstance(stmt, cst.Try):
            yield from _raises(stmt.body.body, (*inner, stmt))
            for handler in stmt.handlers:
                yield from _raises(handler.body.body, inner)
            for block in (stmt.orelse, stmt.finalbody):
                if block is not None:
                    yield from _raises(block.body.body, inner)
        elif isinstance(stmt, cst.If | cst.For | cst.While | cst.With):
            yield from _raises(stmt.body.body, inner)
            orelse = getattr(stmt, "orelse", None)
            while orelse is not None:
                yield from _raises(orelse.body.body, inner)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None


class RetrySwallowedByBroadExcept(FileRule):
    """
    ## What it does
    Reports `raise self.retry(...)`, `raise Reject(...)` and `raise Ignore(...)` inside a
    `try` body whose handlers catch them (`except:`, `except Exception`,
    `except BaseException`, `except CeleryError`...) without re-raising, with no earlier
    handler that lets them through (`except Retry: raise`).

    ## Why is this bad?
    Celery's control-flow exceptions are ordinary exceptions: `Retry`, `Reject` and
    `Ignore` derive from `TaskPredicate → CeleryError → Exception`. A broad handler eats
    them, so the task returns normally and is marked SUCCESS. For `self.retry()` the retry
    message has already been sent, so the work runs again anyway; for `Reject`/`Ignore` the
    message is acknowledged as a success instead.

    ## Use instead
    ```python
    @shared_task(bind=True)
    def sync_user(self, user_id):
        try:
            if not push(user_id):
                raise self.retry(countdown=30)
        except Retry:
            raise
        except Exception:
            log.exception("sync failed")
    ```

    ## Fix safety
    The fix inserts `except Retry: raise` (or `Reject`/`Ignore`) before the broad handler,
    and imports the exception from `celery.exceptions` when the module does not have it
    yet. It is safe: the handler below never had a reason to see Celery's control flow.
    """

    code = "CEL203"
    name = "retry-swallowed-by-broad-except"
    message = "`{raised}` is caught by `{handler}` below and not re-raised, so Celery never sees it; add `except {kind}: raise` first"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    examples = (
        Invalid(
            """
            import logging

            from celery import shared_task

            log = logging.getLogger(__name__)


            @shared_task(bind=True)
            def sync_user(self, user_id):
                try:
                    if not push(user_id):
                        raise self.retry(countdown=30)  # error: CEL203
                except Exception:
                    log.exception("sync failed")
            """,
            fixed="""
            import logging

            from celery import shared_task
            from celery.exceptions import Retry

            log = logging.getLogger(__name__)


            @shared_task(bind=True)
            def sync_user(self, user_id):
                try:
                    if not push(user_id):
                        raise self.retry(countdown=30)  # error: CEL203
                except Retry:
                    raise
                except Exception:
                    log.exception("sync failed")
            """,
        ),
        Invalid(
            """
            from celery import shared_task
            from celery.exceptions import Reject


            @shared_task(acks_late=True)
            def import_rows(path):
                try:
                    for row in read(path):
                        if not row:
                            raise Reject("empty row", requeue=False)  # error: CEL203
                        store(row)
                except:
                    return None
            """,
            fixed="""
            from celery import shared_task
            from celery.exceptions import Reject


            @shared_task(acks_late=True)
            def import_rows(path):
                try:
                    for row in read(path):
                        if not row:
                            raise Reject("empty row", requeue=False)  # error: CEL203
                        store(row)
                except Reject:
                    raise
                except:
                    return None
            """,
        ),
        Invalid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def sync_user(self, user_id):
                try:
                    try:
                        push(user_id)
                    except TimeoutError as exc:
                        raise self.retry(exc=exc)  # error: CEL203
                except BaseException as exc:
                    report(exc)
            """
        ),
        Valid(
            """
            from celery import shared_task
            from celery.exceptions import Retry


            @shared_task(bind=True)
            def sync_user(self, user_id):
                try:
                    if not push(user_id):
                        raise self.retry(countdown=30)
                except Retry:
                    raise
                except Exception:
                    log.exception("sync failed")
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task(bind=True)
            def sync_user(self, user_id):
                try:
                    push(user_id)
                except TimeoutError as exc:
                    raise self.retry(exc=exc)
                except Exception as exc:
                    log.exception("sync failed")
                    raise exc
            """
        ),
        Valid(
            """
            from celery import shared_task
            from requests import RequestException


            @shared_task(bind=True)
            def sync_user(self, user_id):
                try:
                    if not push(user_id):
                        raise self.retry(countdown=30)
                except RequestException:
                    log.exception("network")
                except Exception:
                    raise
            """
        ),
        Valid(
            """
            from celery import shared_task


            @shared_task
            def sync_user(job, user_id):
                try:
                    raise job.retry()  # not a bound task: `job` is an argument
                except Exception:
                    pass


            @shared_task(bind=True)
            def check(self, errors):
                try:
                    raise self.retry()
                except errors:  # unknown: stay quiet
                    pass
            """
        ),
    )

    def visit_Try(self, node: cst.Try) -> None:
        for raise_node, inner in _raises(node.body.body, ()):
            found = self._raised(raise_node)
            if found is None:
                continue
            exc, text, condition = found
            if any(self._verdict(t, exc) != "passes" for t in inner):
                continue  # a nested try handles it (and is reported on its own)
            verdict = self._verdict(node, exc)
            if verdict.startswith("swallowed:"):
                kind = exc.rsplit(".", 1)[-1]
                self.report(
                    raise_node,
                    raised=f"raise {text}",
                    handler=verdict.split(":", 1)[1],
                    kind=kind,
                    condition=condition,
                    fix=self._let_through(node, exc),
                )

    def _let_through(self, node: cst.Try, exc: str) -> NodeFix | None:
        """``except <exc>: raise`` before the first handler that would catch ``exc``."""
        replacements = let_through(self.ctx, node, exc, _CAUGHT_BY[exc])
        if replacements is None:
            return None
        local = next(
            (k for k, v in self.ctx.resolver.frames[0].bindings.items() if v == exc),
            exc.rsplit(".", 1)[-1],
        )
        return self.fix(replacements, f"Add `except {local}: raise` before the broad handler")

    def _raised(self, node: cst.Raise) -> tuple[str, str, TaskCondition | None] | None:
        """(exception class, how it reads, condition) for a Celery control-flow raise."""
        exc = node.exc
        if exc is None:
            return None
        callee = exc.func if isinstance(exc, cst.Call) else exc
        if isinstance(callee, cst.Attribute) and callee.attr.value == "retry":
            body = task_body(self.ctx)
            if body is not None and is_name(callee.value, body.self_name):
                return _RETRY, f"{body.self_name}.retry(...)", body.bound_condition()
            return None
        ref = self.ctx.resolve(callee)
        if ref in _CAUGHT_BY:
            name = ref.rsplit(".", 1)[-1]
            return ref, f"{name}(...)" if isinstance(exc, cst.Call) else name, None
        return None

    def _verdict(self, node: cst.Try, exc: str) -> str:
        """What the handlers of ``node`` do with ``exc``: "passes", "caught" (re-raised or
        handled on purpose), "unknown", or "swallowed:<handler>" for a broad handler."""
        caught_by = _CAUGHT_BY[exc]
        for handler in node.handlers:
            refs = handler_refs(handler, self.ctx)
            text = handler_text(handler)
            if None in refs:
                return "unknown"
            matched = [r for r in refs if r in caught_by]
            if not matched:
                continue
            if reraises(handler):
                return "caught"
            if exc in matched:  # ``except Retry: pass`` is deliberate
                return "caught"
            return f"swallowed:{text}"
        return "passes"
