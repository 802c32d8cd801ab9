"""Dispatches in transactions and in Django's save hooks (``facts/transactions.py``,
``facts/django_hooks.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.diagnostics import Span
from celerylint.factdata.calling import HandlerHint
from celerylint.pickling import fast_pickling


@dataclass(frozen=True, slots=True)
class TxCallFact:
    """A call made inside a (maybe) open transaction that may dispatch a task
    (``semantics/transactions.py``): ``t.delay()``, ``t.s().apply_async()``, ``chain(...)()``,
    ``app.send_task()``, or a project function (a helper that may dispatch)."""

    target: str  # qualified reference: the task, the app, the canvas function, the helper
    kind: str  # "task" | "send_task" | "canvas" | "call"
    text: str  # the callee as written, for messages
    function: str | None  # the enclosing function's qualname
    atomic: bool  # certainly inside ``transaction.atomic``
    candidates: tuple[str, ...]  # context managers / decorators that may wrap ``atomic``
    span: Span | None = None
    #: ``with <x>.begin():`` blocks around the call that may be SQLAlchemy transactions:
    #: (path of the ``begin`` attribute, its text) (``semantics/transactions.py``)
    sqlalchemy: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LockFact:
    """A ``select_for_update()`` query evaluated here (``.get()``, ``.first()``, a loop)."""

    function: str
    atomic: bool
    candidates: tuple[str, ...]
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class HookDispatchFact:
    """A task dispatched (not deferred to ``on_commit``) in code Django runs while a model
    is saved or deleted (``facts/django_hooks.py``; CEL310 decides in phase 2).

    ``hook``: the model signal of an ``@receiver(...)`` function (``post_save`` ...),
    ``save``/``delete`` for a method of a class (``owner``/``owner_bases``: it must derive
    from a Django model), or "" for a module-level function taking ``sender``/``instance``
    that a ``<signal>.connect(...)`` may connect (``SignalConnectFact``), or "view" for a
    function that may serve requests (CEL311, under ``ATOMIC_REQUESTS``).
    """

    target: str  # the task / app / canvas reference (``facts/transactions.task_dispatch``)
    kind: str  # "task" | "send_task" | "canvas"
    text: str  # the callee as written
    function: str  # the enclosing function's qualname
    hook: str
    owner_bases: tuple[str, ...] = ()
    span: Span | None = None
    #: ``hook`` "view": why the function may be a view (``semantics/handlers.py``), and
    #: whether it (or its class) is marked ``transaction.non_atomic_requests``
    handler: HandlerHint | None = None
    non_atomic: bool = False
    #: project context managers / decorators around it that may open ``atomic`` (then
    #: CEL301 reports it when the index confirms one)
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignalConnectFact:
    """``post_save.connect(receiver, ...)`` on one of Django's model signals."""

    signal: str  # ``post_save``, ``m2m_changed`` ...
    receiver: str  # the resolved reference of the connected function


fast_pickling(globals())
