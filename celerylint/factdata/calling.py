"""Task results, canvases and task return values (``facts/calling.py``,
``facts/task_returns.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.diagnostics import Span
from celerylint.kit.values import Value
from celerylint.pickling import fast_pickling


@dataclass(frozen=True, slots=True)
class ResultSource:
    """Where an ``AsyncResult``-like value comes from (``semantics/results.py``).

    ``kind``: ``task`` (``t.delay()``/``t.apply_async()``/``t.s().delay()``; ``ref`` is the
    task reference, confirmed in phase 2), ``app`` (``app.send_task()``/``x.AsyncResult()``
    on ``ref``, an app or a task), ``celery`` (Celery's own API: ``AsyncResult(id)``, a
    called ``chain``/``group``/``chord``).
    """

    kind: str
    ref: str | None
    method: str  # delay, apply_async, send_task, AsyncResult, chain, group, chord ...
    task_name: str | None = None  # ``send_task("name")``
    ignore_result: Value = None  # the call's ``ignore_result=`` option (None when absent)
    group: bool = False  # a ``GroupResult``/``ResultSet`` rather than one ``AsyncResult``


@dataclass(frozen=True, slots=True)
class HandlerHint:
    """Why the enclosing function may serve web requests (``semantics/handlers.py``
    decides in phase 2, when base classes and route objects may live elsewhere)."""

    view_function: bool = False  # a function taking ``request`` in a views module
    owner: str | None = None  # the enclosing class's qualified name, for a method
    owner_bases: tuple[str, ...] = ()  # its resolved bases
    decorators: tuple[str, ...] = ()  # resolved decorator callees of the function


@dataclass(frozen=True, slots=True)
class ResultReadFact:
    """A read of a task result: ``.get()``/``.join()``/``.wait()``/``.collect()`` (which
    block), ``.ready()``, ``.state``, ``.result``... on a value traced to a result source
    through local variables, comprehensions and loops (``semantics/results.py``)."""

    source: ResultSource
    read: str  # the method or attribute: get, join, state ...
    blocking: bool
    function: str | None  # the enclosing function's qualname
    timeout: Value  # the blocking call's ``timeout`` (None when not given)
    opted_out: bool  # ``disable_sync_subtasks=False`` or inside ``with allow_join_result()``
    handler: HandlerHint | None  # set when the enclosing function may serve requests
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class SignatureFact:
    """A task signature placed in a canvas (``semantics/canvas.py``): in a chain, group,
    chord header or body, or a ``link=`` callback; also every ``signature("name", ...)``.

    ``receives_parent``: Celery prepends the parent's result to its arguments when it runs
    (mutable signatures only; an immutable one ignores it). ``positional``/``keywords`` are
    the literal arguments (None when starred or not literal). ``args_form`` describes a
    ``signature("n", args=...)`` argument like ``CallSiteFact.args_form``.
    ``method_span`` is the ``s`` of ``.s(``/``si`` of ``.si(`` (where a fix edits).
    """

    receiver: str | None  # the task reference (``t.s()``)
    task_name: str | None  # ``signature("name")``
    immutable: bool | None  # None when ``immutable=`` is not a literal
    positional: int | None
    keywords: tuple[str, ...] | None
    role: str  # "chain" | "group" | "chord-header" | "chord-body" | "link" | ""
    receives_parent: bool
    args_form: str = ""
    chord: int = -1  # index into ``ModuleFacts.chords`` for chord headers and bodies
    function: str | None = None
    span: Span | None = None
    method_span: Span | None = None
    #: the signature's own ``ignore_result`` option: "", "true", "false" or "unknown"
    #: (``semantics/canvas.py``, ``Sig.ignore_result``)
    ignore_result: str = ""
    #: the local name through which the canvas uses it (``chord(header)`` after
    #: ``header = [t.s(1)]``); None when the signature is written in the canvas
    via_span: Span | None = None


@dataclass(frozen=True, slots=True)
class ChordFact:
    """A chord: ``chord(header)(body)``, ``chord(header, body)``, or a group followed by
    another signature in a chain or ``|`` pipe (Celery upgrades that to a chord)."""

    kind: str  # "chord" | "group-chain"
    function: str | None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class TaskReturnFact:
    """A value a (maybe) task function returns that a JSON result serializer cannot
    encode (``semantics/result_values.py``): ``text`` is the returned expression (or the
    part of a returned literal) as written, ``maker`` the call or literal that made it
    when that is another expression (``obj = X.objects.get()`` ... ``return obj``)."""

    function: str  # the task function's qualname
    kind: str  # "model instance", "queryset", "set", "HTTP response" ...
    text: str
    maker: str | None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ResultByIdFact:
    """A task result rebuilt from an id and then read (``AsyncResult(task_id).state``,
    ``app.AsyncResult(i).get()``, ``t.AsyncResult(i).ready()``), or a
    ``GroupResult.restore(id)`` call (``read`` "restore"). ``dispatched``: the enclosing
    function sent a task before this point (the id may be that task's, in the same
    thread). ``options``: ``backend=``/``app=`` was given."""

    source: ResultSource
    read: str
    text: str  # the call as written, for messages
    function: str | None
    dispatched: bool
    options: bool
    span: Span | None = None


fast_pickling(globals())
