from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
from celerylint.kit.cst_walk import visit_read_only
from celerylint.rules.base import FileRule, Invalid, Valid
from celerylint.semantics.except_handlers import (
    BARE_EXCEPT,
    handler_refs,
    handler_text,
    let_through,
    raises,
)
from celerylint.semantics.task_scope import task_body

#: ``celery.exceptions`` re-exports billiard's class
SOFT_LIMIT_REFS = frozenset(
    {"celery.exceptions.SoftTimeLimitExceeded", "billiard.exceptions.SoftTimeLimitExceeded"}
)
_SOFT_LIMIT = "celery.exceptions.SoftTimeLimitExceeded"
#: what catches ``SoftTimeLimitExceeded`` (``class SoftTimeLimitExceeded(Exception)``)
_BROAD = frozenset({"builtins.Exception", BARE_EXCEPT})


Statements = Sequence[cst.BaseStatement | cst.BaseSmallStatement]
#: calls that only report (a handler that logs and the task goes on)
_REPORTING_CALLS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"}
)


class _WorkFinder(cst.CSTVisitor):
    """Is there a call that does work (not logging) in this code?"""

    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        name = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else func.value
            if isinstance(func, cst.Name)
            else None
        )
        if name not in _REPORTING_CALLS:
            self.found = True
        return not self.found

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _does_work(statements: Statements) -> bool:
    finder = _WorkFinder()
    for stmt in statements:
        visit_read_only(stmt, finder)
        if finder.found:
            return True
    return False


def _body(block: cst.BaseSuite) -> Statements:
    return block.body


def _task_tries(
    statements: Statements, in_loop: bool, after: tuple[Statements, ...]
) -> Iterator[tuple[cst.Try, bool, tuple[Statements, ...]]]:
    """The ``try`` statements of the task's own code (in its blocks and in other ``try``
    bodies; not in nested functions or classes), each with whether it runs in a loop and
    the statements that run after it (innermost block first)."""
    for i, stmt in enumerate(statements):
        following = (statements[i + 1 :], *after)
        if isinstance(stmt, cst.Try):
            yield stmt, in_loop, following
            inner = following if stmt.orelse is None else (_body(stmt.orelse.body), *following)
            yield from _task_tries(_body(stmt.body), in_loop, inner)
        elif isinstance(stmt, cst.If):
            yield from _task_tries(_body(stmt.body), in_loop, following)
            orelse: cst.If | cst.Else | None = stmt.orelse
            while orelse is not None:
                yield from _task_tries(_body(orelse.body), in_loop, following)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, cst.For | cst.While):
            yield from _task_tries(_body(stmt.body), True, following)
        elif isinstance(stmt, cst.With):
            yield from _task_tries(_body(stmt.body), in_loop, following)


def _ends_with(handler: cst.ExceptHandler, kind: type[cst.CSTNode]) -> bool:
    body = _body(handler.body)
    last: cst.CSTNode | None = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        last = last.body[-1]
    return isinstance(last, kind)


def _goes_on(handler: cst.ExceptHandler, in_loop: bool, after: tuple[Statements, ...]) -> bool:
    """Does the task go on working after ``handler`` swallowed the soft limit: the next
    loop iteration, or code after the ``try`` that does more than log?"""
    if _ends_with(handler, cst.Return):
        return False
    if in_loop and not _ends_with(handler, cst.Break):
        return True
    return any(_does_work(block) for block in after)


class SoftTimeLimitSwallowed(FileRule):
    """
    ## What it does
    Reports, in a task with a soft time limit (its `soft_time_limit=` option, a base
    class's attribute, or the production `task_soft_time_limit` /
    `CELERY_TASK_SOFT_TIME_LIMIT` of its app), an `except Exception:`, `except
    BaseException:` or bare `except:` handler of the task's own code (a `try` in its body
    or in its loops, `with`, `if` and `try` blocks) that raises nothing, with no earlier
    `except SoftTimeLimitExceeded:` handler, when the task goes on working after it: the
    `try` is in a loop, or code that does more than log follows it.

    A handler after which the task ends (it returns, or only logging follows) is left
    alone: the soft limit still stops the task, only as a SUCCESS.

    ## Why is this bad?
    When the soft limit expires, Celery raises `SoftTimeLimitExceeded` inside the task so
    that it can clean up and stop. The class derives from `Exception`, so a broad handler
    catches it like any error, and the task carries on (the next loop iteration, the code
    after the `try`) as if nothing happened, until the hard `time_limit` kills the worker
    process: the task is lost mid-work, with no chance to clean up, and the pool restarts a
    process. Locks and leases sized to the soft limit expire while it still runs.

    ## Use instead
    ```python
    @shared_task(soft_time_limit=60, time_limit=90)
    def sync_accounts(ids):
        for account_id in ids:
            try:
                sync(account_id)
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                log.exception("sync failed for %s", account_id)
    ```

    ## Fix safety
    The fix inserts `except SoftTimeLimitExceeded: raise` before the broad handler,
    importing the class from `celery.exceptions` when needed. It is unsafe: the handler's
    own code (logging, marking a job as failed) no longer runs when the soft limit expires,
    and the task now fails instead of returning.
    """

    code = "CEL208"
    name = "soft-time-limit-swallowed"
    message = "`{handler}` in task `{task}` catches `SoftTimeLimitExceeded` and raises nothing, so the task carries on after its soft time limit (until the hard limit kills it); add `except SoftTimeLimitExceeded: raise` first"
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    examples = (
        Invalid(
            """
            import logging

            from celery import shared_task

            log = logging.getLogger(__name__)


            @shared_task(soft_time_limit=60, time_limit=90)
            def sync_accounts(ids):
                for account_id in ids:
                    try:
                        sync(account_id)
                    except Exception:  # error: CEL208
                        log.exception("sync failed for %s", account_id)
            """,
            fixed="""
            import logging

            from celery import shared_task
            from celery.exceptions import SoftTimeLimitExceeded

            log = logging.getLogger(__name__)


            @shared_task(soft_time_limit=60, time_limit=90)
            def sync_accounts(ids):
                for account_id in ids:
                    try:
                        sync(account_id)
                    except SoftTimeLimitExceeded:
                        raise
                    except Exception:  # error: CEL208
                        log.exception("sync failed for %s", account_id)
            """,
        ),
        # the limit set for every task in the production settings
        Invalid(
            files={
                "proj/__init__.py": "",
                "proj/celery.py": """
                    from celery import Celery

                    app = Celery("proj")
                    app.config_from_object("django.conf:settings", namespace="CELERY")
                """,
                "proj/settings.py": """
                    CELERY_TASK_SOFT_TIME_LIMIT = 300
                    CELERY_TASK_TIME_LIMIT = 360
                """,
                "proj/wsgi.py": """
                    import os

                    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
                """,
                "proj/tasks.py": """
                    from proj.celery import app


                    @app.task
                    def rebuild_index():
                        try:
                            rebuild()
                        except:  # error: CEL208
                            log.warning("rebuild failed")
                        notify_admins()
                """,
            }
        ),
        # a nested ``try`` in a loop: the outer handler ends the task, the inner one not
        Invalid(
            """
            from celery import shared_task


            @shared_task(soft_time_limit=300)
            def report():
                if not lock("report"):
                    return
                try:
                    for search in searches():
                        try:
                            process(search)
                        except Exception as exc:  # error: CEL208
                            log.error("report failed: %s", exc)
                except Exception as exc:
                    log.error("cannot report: %s", exc)
                finally:
                    unlock("report")
            """
        ),
        Valid(
            """
            from celery import shared_task
            from celery.exceptions import SoftTimeLimitExceeded


            @shared_task(soft_time_limit=60)
            def sync_accounts(ids):
                for account_id in ids:
                    try:
                        sync(account_id)
                    except SoftTimeLimitExceeded:
                        cleanup()
                        raise
                    except Exception:
                        log.exception("sync failed")


            @shared_task(soft_time_limit=60)
            def import_feed(url):
                try:
                    fetch(url)
                except Exception:
                    log.exception("import failed")
                    raise


            @shared_task(soft_time_limit=60)
            def export(path):
                try:
                    write(path)
                except Exception as exc:
                    if isinstance(exc, SoftTimeLimitExceeded):
                        raise
                    log.warning("export failed: %s", exc)


            @shared_task(bind=True, soft_time_limit=60)
            def push(self, item):
                try:
                    send(item)
                except Exception as exc:
                    raise self.retry(exc=exc)
            """
        ),
        # the handler ends the task: the soft limit still stops it
        Valid(
            """
            from celery import shared_task


            @shared_task(soft_time_limit=600)
            def sync_permissions(database_id):
                with request_context():
                    try:
                        sync(database_id)
                        log.info("synced %s", database_id)
                    except Exception:
                        log.error("sync failed for %s", database_id, exc_info=True)


            @shared_task(soft_time_limit=600)
            def run_query(query_id):
                try:
                    return execute(query_id)
                except Exception as exc:
                    stats.incr("error")
                    return handle_query_error(exc, query_id)


            @shared_task(soft_time_limit=600)
            def import_all(paths):
                for path in paths:
                    try:
                        load(path)
                    except Exception:
                        log.exception("stopping at %s", path)
                        break
                log.info("done")
            """
        ),
        # no soft limit: nothing is swallowed; a narrow handler; a handler in a nested
        # function
        Valid(
            """
            from celery import shared_task


            @shared_task
            def sync_accounts(ids):
                for account_id in ids:
                    try:
                        sync(account_id)
                    except Exception:
                        log.exception("sync failed")


            @shared_task(soft_time_limit=60)
            def fetch(url):
                try:
                    download(url)
                except (ConnectionError, TimeoutError):
                    return None

                def on_error(callback):
                    try:
                        callback()
                    except Exception:
                        pass

                return on_error
            """
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = task_body(self.ctx)
        if body is None or body.node is not node or not body.is_run:
            return
        if not isinstance(node.body, cst.IndentedBlock):
            return
        condition = dataclasses.replace(
            body.condition(any_truthy=("soft_time_limit",)), or_setting="task_soft_time_limit"
        )
        for stmt, in_loop, after in _task_tries(node.body.body, False, ()):
            handler = self._swallowing(stmt)
            if handler is None or not _goes_on(handler, in_loop, after):
                continue
            replacements = let_through(self.ctx, stmt, _SOFT_LIMIT, _BROAD)
            fix = (
                self.fix(replacements, "Add `except SoftTimeLimitExceeded: raise` first")
                if replacements is not None
                else None
            )
            self.report(
                handler,
                handler=handler_text(handler),
                task=body.function,
                condition=condition,
                fix=fix,
            )

    def _swallowing(self, node: cst.Try) -> cst.ExceptHandler | None:
        """The first handler of ``node`` that catches ``SoftTimeLimitExceeded``, if it
        raises nothing (None when an earlier handler deals with it, or one is unknown)."""
        for handler in node.handlers:
            refs = handler_refs(handler, self.ctx)
            if None in refs:
                return None
            if any(r in SOFT_LIMIT_REFS for r in refs):
                return None
            if any(r in _BROAD for r in refs):
                return None if raises(handler) else handler
        return None
