"""Per-module facts: frozen, plain data (picklable, cacheable, never CST nodes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celerylint.diagnostics import Fix, Span
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
class SettingFact:
    """A write to a name that may configure Celery (``semantics.config_names.is_config_name``)
    in a module body or a module-level class body. Phase 2 decides, from the config source
    and its namespace, whether and how Celery reads it.

    ``op``: ``=`` (assignment), ``+=``, ``update`` (``NAME.update(...)``), ``item``
    (``NAME[key] = value``), ``append``/``extend``. ``alternatives`` are the branches of
    ``a if c else b`` and the operands of ``a + b`` when the whole value is not known.
    ``guard`` is the enclosing ``if`` (``semantics.config_env.guard_kind``).
    """

    name: str
    value: Value
    op: str = "="
    key: Value = None
    alternatives: tuple[Value, ...] = ()
    owner: str | None = None  # the class, for class-body attributes
    guard: str | None = None
    conditional: bool = False  # under ``if``/``try``/``for``/``with`` in the module body
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ConfWriteFact:
    """Configuration set on something that may be a Celery app (phase 2 confirms it).

    ``op``: ``init`` (``Celery(..., broker=...)``; ``receiver`` is the assigned name),
    ``update`` (``app.conf.update(k=v)`` / ``app.conf.update({"k": v})``; ``key`` None and a
    mapping ``value`` for ``app.conf.update(MAPPING)``), ``attr`` (``app.conf.k = v``),
    ``item`` (``app.conf["k"] = v``), ``setdefault``.
    """

    receiver: str
    op: str
    key: str | None
    value: Value
    alternatives: tuple[Value, ...] = ()
    guard: str | None = None
    function: str | None = None  # the enclosing function; None at load time
    span: Span | None = None


#: the receiver of a ``conf`` write on a local name inside a module-level function
#: (``celery.conf.update(...)`` in ``def make_celery(app):``): ``LOCAL_RECEIVER + "celery"``;
#: phase 2 matches it against the function's ``AppFactoryFact``
LOCAL_RECEIVER = "<local>."
#: the receiver of a ``conf`` write on a method's ``self`` (``self.conf["k"] = v`` in
#: ``def init_app(self, app):`` of a module-level class): phase 2 keeps it when the class
#: is a ``Celery`` subclass
SELF_RECEIVER = "<self>"


@dataclass(frozen=True, slots=True)
class AppFactoryFact:
    """A module-level function that builds an object with a call and returns it:
    ``def make_celery(app): celery = Celery(...); ...; return celery``.

    Recorded only when the function has exactly one ``return``, it returns a plain local
    name, and that name is bound exactly once in the function (by ``name = CALL(...)``).
    Phase 2 decides whether ``call`` makes a Celery app (``ProjectIndex.app_factories``).
    """

    function: str  # the function's name (module level)
    local: str  # the returned local name
    call: Value  # the value bound to it (a ``CallValue``)
    #: the local is given to a call inside the function (``configure(celery)``): it may
    #: be configured there
    passed_on: bool = False


@dataclass(frozen=True, slots=True)
class EnvDefaultFact:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")``,
    ``os.environ["VAR"] = "value"`` with literal strings."""

    var: str
    value: str
    function: str | None = None


@dataclass(frozen=True, slots=True)
class ResultUseFact:
    """Code that needs a result backend: ``AsyncResult(...)``, ``chord(...)``, or
    ``.get()``/``.ready()``/``.state``... on the result of ``task.delay()``/``apply_async()``.
    ``receiver`` is the task reference when the result comes from a call on one."""

    kind: str  # "AsyncResult" | "chord" | the attribute read ("get", "state", ...)
    receiver: str | None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class RetryFact:
    """``self.retry(countdown=...)``/``self.retry(eta=...)`` inside a (maybe) task."""

    function: str
    kwargs: tuple[tuple[str, Value], ...]
    span: Span | None = None
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
class RoutingLiteralFact:
    """Where a routing string is written inside a ``*routes``/``*schedule`` value, so that
    rules can report at it: ``role`` is ``route-key`` (a route pattern, or the source of a
    ``re.compile`` key), ``route-queue``, ``beat-task`` or ``beat-queue``."""

    role: str
    text: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class RouterBranch:
    """One branch of a router function: ``tests`` are alternatives on the task name
    (``("eq", ("a", "b"))``, ``("startswith", ("reports.",))``, ``("endswith", ...)``),
    None for unconditional; ``result`` is the literal returned (None: no route)."""

    tests: tuple[tuple[str, tuple[str, ...]], ...] | None
    result: Value


@dataclass(frozen=True, slots=True)
class RouterFunctionFact:
    """A module-level function simple enough to evaluate as a ``task_routes`` router."""

    name: str
    branches: tuple[RouterBranch, ...]


@dataclass(frozen=True, slots=True)
class TaskNameRefFact:
    """A task named by a string: ``app.send_task("n")``, ``signature("n")``,
    ``app.signature("n")``; ``periodic`` when the signature is passed to
    ``add_periodic_task``. ``callee`` is the resolved callee (phase 2 checks it is an app's
    method or Celery's ``signature``); ``span`` is the string's."""

    name: str
    callee: str
    periodic: bool
    function: str | None
    span: Span | None = None


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


@dataclass(frozen=True, slots=True)
class SettingNameFact:
    """A write of a legacy setting name (``facts/setting_names.py``): ``site`` is the span
    the configuration facts give the write, ``span`` the name alone (for a rename); a dict
    key keeps its ``quote`` (prefix and quote character). ``reads``: other uses of the
    name in the module, which a rename would break."""

    name: str
    site: Span
    span: Span
    quote: str = ""
    reads: int = 0


@dataclass(frozen=True, slots=True)
class ModuleEndFact:
    """Where a package module's text ends (``facts/module_end.py``), to append to it."""

    span: Span  # an empty span after the last character
    newline: bool  # the text ends with a line break (or is empty)


@dataclass(frozen=True, slots=True)
class FixFact:
    """A ready fix for the node at ``span``, computed in phase 1 for a project rule to
    attach in phase 2 (``ModuleFacts.commit_fixes``: CEL301's ``on_commit`` rewrite)."""

    span: Span
    fix: Fix


@dataclass(frozen=True, slots=True)
class ImportMoveFact:
    """A top-level import of a models module that can move into the functions using it
    (``facts/import_moves.py``), with the ready text edits (CEL101's fix)."""

    span: Span  # the Import/ImportFrom statement (as ``ImportFact.span``)
    names: tuple[str, ...]  # the local names it binds
    functions: tuple[str, ...]  # where the uses are (``Order.mark_paid``)
    fix: Fix


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


@dataclass(frozen=True, slots=True)
class DatabasesWriteFact:
    """A module-level write of Django's ``ATOMIC_REQUESTS`` (``facts/atomic_requests.py``).

    ``op``: ``assign`` (``DATABASES = {...}``: every alias is replaced), ``alias``
    (``DATABASES["x"] = {...}``), ``item`` (``DATABASES["x"]["ATOMIC_REQUESTS"] = v``,
    ``DATABASES["x"].update(...)``) or ``top-level`` (``ATOMIC_REQUESTS = v``, which Django
    ignores). ``atomic``: (alias, value) pairs; the value is None when a literal entry
    lacks the key, UNKNOWN when the entry is not a literal.
    """

    op: str
    alias: str | None
    atomic: tuple[tuple[str, Value], ...]
    guard: str | None = None
    conditional: bool = False
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    imports: tuple[ImportFact, ...] = ()
    tasks: tuple[TaskFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    assignments: tuple[AssignmentFact, ...] = ()
    app_calls: tuple[AppCallFact, ...] = ()
    call_sites: tuple[CallSiteFact, ...] = ()
    defines: tuple[str, ...] = ()  # module-level names bound by def/class/assignment
    #: what the names a module passes on as values refer to (call arguments, returned,
    #: yielded and assigned values): an app found here may be configured elsewhere
    value_refs: tuple[str, ...] = ()
    #: light facts only: modules named by indented imports (in ``if``/``try``/``else``
    #: branches or functions), which the regex scan cannot place; used to promote a file
    maybe_imports: tuple[str, ...] = ()
    # routing literals and task names in strings (facts/routing_collect.py)
    routing_literals: tuple[RoutingLiteralFact, ...] = ()
    task_name_refs: tuple[TaskNameRefFact, ...] = ()
    router_functions: tuple[RouterFunctionFact, ...] = ()
    # configuration (facts/config_collect.py; read through project/config_model.py)
    setting_writes: tuple[SettingFact, ...] = ()
    conf_writes: tuple[ConfWriteFact, ...] = ()
    env_defaults: tuple[EnvDefaultFact, ...] = ()
    setting_reads: tuple[str, ...] = ()  # ``settings.X``/``getattr(settings, "X")``/``app.conf.X``
    result_uses: tuple[ResultUseFact, ...] = ()
    retries: tuple[RetryFact, ...] = ()
    #: the module installs an app's Task class (``app.Task = X``, ``Task = X`` or
    #: ``task_cls = X`` in a class body): tasks may have a base we do not see
    replaces_app_task: bool = False
    #: module-level functions returning a local bound to a call (``AppFactoryFact``)
    app_factories: tuple[AppFactoryFact, ...] = ()
    # imports in function bodies and by-name loading (facts/runtime_imports.py)
    runtime_imports: tuple[RuntimeImportFact, ...] = ()
    # tasks and transactions (facts/celery_tasks.py, facts/transactions.py)
    task_factories: tuple[TaskFactoryFact, ...] = ()
    class_members: tuple[ClassMembersFact, ...] = ()
    atomic_functions: tuple[str, ...] = ()  # module-level functions that enter ``atomic``
    tx_calls: tuple[TxCallFact, ...] = ()
    locks: tuple[LockFact, ...] = ()
    #: project objects SQLAlchemy queries are called on (facts/sqlalchemy_collect.py)
    sqlalchemy_refs: tuple[str, ...] = ()
    # task results, canvases (facts/calling.py)
    result_reads: tuple[ResultReadFact, ...] = ()
    signatures: tuple[SignatureFact, ...] = ()
    chords: tuple[ChordFact, ...] = ()
    # task return values JSON cannot encode, rebuilt results, kombu JSON customisations
    # (facts/task_returns.py, facts/calling.py)
    task_returns: tuple[TaskReturnFact, ...] = ()
    results_by_id: tuple[ResultByIdFact, ...] = ()
    json_customized: bool = False  # ``kombu.utils.json.register_type`` & co. are called
    # where legacy setting names are written, and read through star imports
    # (facts/setting_names.py)
    setting_names: tuple[SettingNameFact, ...] = ()
    setting_name_reads: tuple[str, ...] = ()
    # task dispatches in model signal receivers and save()/delete() (facts/django_hooks.py)
    hook_dispatches: tuple[HookDispatchFact, ...] = ()
    signal_connects: tuple[SignalConnectFact, ...] = ()
    hook_fixes: tuple[FixFact, ...] = ()
    databases_writes: tuple[DatabasesWriteFact, ...] = ()  # facts/atomic_requests.py
    #: what enabled rules' own collectors gathered (``Rule.collector``), by rule code
    rule_facts: tuple[tuple[str, Any], ...] = ()

    def rule_data(self, code: str) -> Any:
        """What rule ``code``'s own collector returned for this module (None: nothing, or
        the rule was not enabled in the run that made these facts)."""
        return next((data for owner, data in self.rule_facts if owner == code), None)


fast_pickling(globals())
