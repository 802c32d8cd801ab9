"""Configuration facts (``facts/config_collect.py``, ``facts/app_factories.py``,
``facts/result_uses.py``, ``facts/retries.py``, ``facts/setting_names.py``,
``facts/atomic_requests.py``; read through ``project/config_model.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.diagnostics import Span
from celerylint.kit.values import Value
from celerylint.pickling import fast_pickling


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


fast_pickling(globals())
