"""The project side of transactions (``semantics/transactions.py`` reads one file):
whether a call runs inside a Django or SQLAlchemy transaction (``transaction.atomic``,
project wrappers of it, ``with session.begin():``) and whether a call dispatches a task
(directly, through a project helper, or not at all because the task's class defines its
own dispatch). The idempotency rules read it as ``index.transactions``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.factdata import TxCallFact
from celerylint.project.task_model import Task
from celerylint.semantics.call_shapes import SEND_NOW_METHODS
from celerylint.semantics.transactions import sqlalchemy_begins

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


class Transactions:
    """Transactions and task dispatch, over the index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def is_atomic_wrapper(self, ref: str) -> bool:
        """Is ``ref`` a project function whose body enters ``transaction.atomic`` (a traced
        ``atomic`` context manager, a decorator that wraps calls in one)?"""
        module, rest = self.index.split_module(self.index.resolve(ref))
        return module is not None and rest in self.index.modules[module].atomic_functions

    def in_transaction(self, atomic: bool, candidates: Iterable[str]) -> bool:
        return atomic or any(self.is_atomic_wrapper(c) for c in candidates)

    def sqlalchemy_transaction(self, call: TxCallFact) -> str | None:
        """The text of the first ``with <x>.begin():`` around ``call`` that opens a
        SQLAlchemy transaction (``db.session.begin``), or None."""
        for path, text in call.sqlalchemy:
            if sqlalchemy_begins(path, self.index.assigned_value, self.index.class_bases):
                return text
        return None

    def overrides_dispatch(self, task: Task) -> bool:
        """The task's ``base=`` class (or one of its project bases) defines its own
        ``apply_async``/``delay``: sending is the class's business (often deferred with
        ``transaction.on_commit``), so what a call site does is not known."""
        return task.base is not None and bool(task.base.members & SEND_NOW_METHODS)

    @cached_property
    def dispatching_functions(self) -> dict[str, str]:
        """Module-level project functions that dispatch a task when called (not deferred to
        ``on_commit``), with the dispatch as written (``charge_invoice.delay``)."""
        found: dict[str, str] = {}
        for facts in self.index.modules.values():
            for site in facts.call_sites:
                function = site.function
                if not function or "." in function or site.receiver is None:
                    continue
                key = f"{facts.module}.{function}"
                if key in found:
                    continue
                short = site.receiver.rsplit(".", 1)[-1]
                task = (
                    self.index.task_at(site.receiver) if site.method in SEND_NOW_METHODS else None
                )
                if task is not None and not self.overrides_dispatch(task):
                    found[key] = f"{short}.{site.method}"
                elif site.method == "send_task" and self.index.is_app(site.receiver):
                    found[key] = f"{short}.send_task"
        return found

    def dispatches(self, kind: str, target: str) -> bool:
        """Does a dispatch-shaped call (``facts/transactions.task_dispatch``) send a task:
        ``.delay()`` of a confirmed task whose class does not define its own dispatch,
        ``send_task`` of an app, a called canvas?"""
        if kind == "task":
            task = self.index.task_at(target)
            return task is not None and not self.overrides_dispatch(task)
        if kind == "send_task":
            resolved = self.index.resolve(target)
            return self.index.is_app(resolved) or resolved == "celery.current_app"
        return kind == "canvas"

    def dispatch_of(self, call: TxCallFact) -> tuple[str, str] | None:
        """(the call as written, the dispatch it leads to) when a call inside a transaction
        dispatches a task: the same text twice for a direct dispatch, the helper's own
        dispatch (``charge_invoice.delay``) for a project helper; None otherwise."""
        if call.kind in ("task", "send_task", "canvas"):
            return (call.text, call.text) if self.dispatches(call.kind, call.target) else None
        helper = self.dispatching_functions.get(self.index.resolve(call.target))
        return (call.text, helper) if helper is not None else None
