from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import libcst as cst

from celerylint.diagnostics import FixSafety, Severity
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


def _task_tries(statements: Sequence[cst.BaseStatement]) -> Iterator[cst.Try]:
    """The ``try`` statements that make up the task's own code: in its body, or in the
    ``if``/``for``/``while``/``with`` blocks there (not inside another ``try``, whose
    handlers decide first, nor in nested functions or classes)."""
    for stmt in statements:
        if isinstance(stmt, cst.Try):
            yield stmt
        elif isinstance(stmt, cst.If):
            yield from _task_tries(stmt.body.body)
            orelse: cst.If | cst.Else | None = stmt.orelse
            while orelse is not None:
                yield from _task_tries(orelse.body.body)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, cst.For | cst.While):
            yield from _task_tries(stmt.body.body)
            if stmt.orelse is not None:
                yield from _task_tries(stmt.orelse.body.body)
        elif isinstance(stmt, cst.With):
            yield from _task_tries(stmt.body.body)


class SoftTimeLimitSwallowed(FileRule):
    """
    ## What it does
    Reports, in a task with a soft time limit (its `soft_time_limit=` option, a base
    class's attribute, or the production `task_soft_time_limit` /
    `CELERY_TASK_SOFT_TIME_LIMIT` of its app), an `except Exception:`, `except
    BaseException:` or bare `except:` handler of the task's own code (a `try` in its body
    or in its loops, `with` and `if` blocks) that raises nothing, with no earlier
    `except SoftTimeLimitExceeded:` handler.

    ## Why is this bad?
    When the soft limit expires, Celery raises `SoftTimeLimitExceeded` inside the task so
    that it can clean up and stop. The class derives from `Exception`, so a broad handler
    catches it like any error: the task carries on (the next loop iteration, the code after
    the `try`) until the hard `time_limit` kills the worker process, or it returns as a
    SUCCESS having done part of its work. Either way the soft limit does not do its job.

    ## Example
    ```python
    @shared_task(soft_time_limit=60, time_limit=90)
    def sync_accounts(ids):
        for account_id in ids:
            try:
                sync(account_id)
            except Exception:
                log.exception("sync failed for %s", account_id)
    ```

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
    message = "`{handler}` in task `{task}` catches `SoftTimeLimitExceeded` and raises nothing, so the soft time limit does not stop the task; add `except SoftTimeLimitExceeded: raise` first"
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
                            return False
                        return True
                """,
            }
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
                    self.retry(exc=exc)
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
        for stmt in _task_tries(node.body.body):
            handler = self._swallowing(stmt)
            if handler is None:
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
