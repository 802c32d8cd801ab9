"""Facts about a module's imports, tasks, classes, assignments and calls."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.diagnostics import Span
from celerylint.kit.values import Value
from celerylint.pickling import fast_pickling


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One imported name. ``from a.b import c`` -> target ``a.b``, name ``c``."""

    target: str
    name: str | None  # None for ``import a.b``; "*" for a star import
    bound: str  # the local name the statement binds ("" for a star import)
    load_time: bool  # executed when the module loads (not in a function, not TYPE_CHECKING)
    span: Span | None  # recorded where a rule may report at the statement


@dataclass(frozen=True, slots=True)
class RuntimeImportFact:
    """A module loaded when code runs rather than when the module loads: an ``import`` in
    a function body, or ``importlib.import_module("x")``-style loading by name.

    ``function`` is the enclosing function's qualname ("" when the loading call sits in a
    module or class body). ``target``/``name`` read like ``ImportFact``; ``target`` is None
    when the module name is computed at run time (a dynamic import nobody can follow).
    """

    function: str
    target: str | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ParamFact:
    name: str
    kind: str  # "posonly" | "normal" | "var" | "kwonly" | "varkw"
    has_default: bool


@dataclass(frozen=True, slots=True)
class OptionFact:
    name: str
    value: Value
    span: Span | None


@dataclass(frozen=True, slots=True)
class TaskFact:
    """A function decorated by something that may be a Celery task decorator.

    Phase 2 decides whether ``decorator`` really makes a task (``app`` may be a
    ``Celery`` instance defined in another module, or a decorator alias).
    """

    function: str
    decorator: str  # qualified reference of the decorator's callee
    called: bool  # ``@app.task(...)`` rather than ``@app.task``
    options: tuple[OptionFact, ...]
    spreads: tuple[Value, ...]  # ``**OPTIONS`` spreads (a Ref, a DictValue, or UNKNOWN)
    params: tuple[ParamFact, ...]
    decorator_index: int  # 0 when the task decorator is the outermost one
    decorator_count: int
    module_level: bool
    span: Span | None  # the function name
    decorator_span: Span | None
    is_async: bool = False  # ``async def``
    #: ``<first parameter>.<name>`` the body reads (a bound task's ``self.retry_backoff``)
    self_reads: tuple[str, ...] = ()
    #: the first parameter is used other than by attribute (``helper(self)``): a helper
    #: may read any option from it
    self_escapes: bool = False


@dataclass(frozen=True, slots=True)
class ClassFact:
    """A module-level class: bases resolved, literal class attributes."""

    name: str
    bases: tuple[str, ...]
    attributes: tuple[OptionFact, ...]
    span: Span | None


@dataclass(frozen=True, slots=True)
class AssignmentFact:
    """A module-level ``NAME = value`` (settings, constants, decorator aliases)."""

    name: str
    value: Value
    span: Span | None
    conditional: bool  # under ``if``/``try`` at module level


@dataclass(frozen=True, slots=True)
class AppCallFact:
    """A call on something that may be a Celery app: ``app.config_from_object(...)``."""

    receiver: str  # qualified reference of the receiver (``proj.celery.app``)
    method: str  # ``config_from_object``, ``autodiscover_tasks``, ``conf.update`` ...
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    span: Span | None
    #: the enclosing module-level function when ``receiver`` is its local
    #: (``LOCAL_RECEIVER + name``, an app factory's ``celery.config_from_object(...)``)
    function: str | None = None


@dataclass(frozen=True, slots=True)
class CallSiteFact:
    """A task call: ``t.delay(...)``, ``t.apply_async(...)``, ``t.s(...)``, ``send_task("n")``."""

    receiver: str | None  # qualified reference of the task object, when it is a name
    method: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    starred: bool  # ``*args`` or ``**kwargs`` in the call
    function: str | None  # enclosing function, if any
    span: Span | None
    #: what reaches the task, when literal (``semantics/calls.py``): the number of
    #: positional arguments and the keyword names (``delay(a, b=1)``, ``apply_async((a,),
    #: {"b": 1})``, ``send_task("n", args=(a,))``); None when starred or not literal
    positional: int | None = None
    keywords: tuple[str, ...] | None = None
    #: how ``args`` is written (apply_async, signature, send_task): "" (absent), "tuple",
    #: "list", "paren" (a parenthesised non-tuple: ``(x)``), "scalar" (a literal that is
    #: not a sequence), "string", "other"
    args_form: str = ""
    #: seconds from now of a literal ``eta=now() + timedelta(...)`` (``calls.eta_delay``)
    eta_delay: float | None = None


@dataclass(frozen=True, slots=True)
class TaskFactoryFact:
    """A module-level name that may make Celery tasks (``semantics/tasks.py``; the index
    confirms it): an alias of a configured decorator (``retrying = shared_task(acks_late=True)``)
    or a wrapper function whose body applies one (``def traced_task(**kw): ...
    shared_task(**kw)(fn)``), followed one level. Its options apply to every task it makes.
    """

    name: str
    kind: str  # "alias" | "wrapper"
    decorator: str  # qualified reference of the decorator it applies
    options: tuple[OptionFact, ...]
    spreads: tuple[Value, ...]  # ``**OPTIONS`` other than the wrapper's own ``**kwargs``
    forwards: bool  # a wrapper that passes its ``**kwargs`` on: options at the use site count
    span: Span | None


@dataclass(frozen=True, slots=True)
class ClassMembersFact:
    """What a module-level class defines and reads: names bound in its body, the
    ``self.<name>`` attributes its methods read (a task base class, or a mixin of one,
    consuming a custom decorator option), and ``run``'s parameters after ``self``
    (class-based tasks)."""

    name: str
    members: tuple[str, ...]
    self_reads: tuple[str, ...]
    run_params: tuple[ParamFact, ...] | None = None


fast_pickling(globals())
