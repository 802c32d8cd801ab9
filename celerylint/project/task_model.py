"""The task model the project index builds: a confirmed :class:`Task` with its effective
options, a project ``celery.Task`` subclass (:class:`TaskClass`), where each option is
written (:class:`OptionOrigin`, :class:`OptionSite`), and what a task decorator, alias or
wrapper contributes (:class:`Decorator`). Plain data; ``tasks.py`` and ``task_classes.py``
build it from the facts."""

from __future__ import annotations

from dataclasses import dataclass, field

from celerylint.diagnostics import Span
from celerylint.factdata import ClassFact, OptionFact, TaskFact
from celerylint.kit.values import UNKNOWN, CallValue, DictValue, ListValue, Ref, Value
from celerylint.semantics import celery_data


def _plain_default(value: object) -> Value:
    if isinstance(value, dict):
        return DictValue(tuple(value.items()))  # ``retry_kwargs`` defaults to ``{}``
    return value  # type: ignore[return-value]


#: option defaults when a task does not set them (``bind`` is a decorator argument; the
#: ``autoretry_for`` family is read with these defaults by ``add_autoretry_behaviour``)
_OPTION_DEFAULTS: dict[str, Value] = {
    "bind": False,
    **celery_data.TASK_ATTRIBUTES,
    **{k: _plain_default(v) for k, v in celery_data.TASK_AUTORETRY_DEFAULTS.items()},
}
#: options only the decorator reads: a ``base=`` class cannot set them
_DECORATOR_ONLY = frozenset(celery_data.TASK_DECORATOR_OPTIONS)


def truthy(value: Value) -> bool | None:
    """Python truthiness of a static value; None when it cannot be told."""
    if value is UNKNOWN or isinstance(value, Ref | CallValue):
        return None
    if isinstance(value, ListValue):
        return bool(value.items)
    if isinstance(value, DictValue):
        return True if value.items else (False if value.complete else None)
    return bool(value)


@dataclass(frozen=True, slots=True)
class OptionOrigin:
    """Where an effective option value is written: report there, once for every task."""

    path: str
    span: Span | None
    kind: str  # "decorator" | "alias" | "wrapper" | "class" | "dict"
    holder: str  # qualified name of the task, alias, wrapper, class or dict


@dataclass(frozen=True)
class TaskClass:
    """A project ``celery.Task`` subclass: its attributes along the bases are options."""

    qualname: str
    module: str
    path: str
    fact: ClassFact
    options: dict[str, Value] = field(hash=False)
    origins: dict[str, OptionOrigin] = field(hash=False, compare=False)
    complete: bool  # False when a base the index cannot see may set more attributes
    members: frozenset[str]  # names its bodies (and its bases' bodies) define
    reads: frozenset[str]  # ``self.<name>`` its methods (and its bases' methods) read

    def option(self, name: str) -> Value:
        if name in self.options:
            return self.options[name]
        if not self.complete:
            return UNKNOWN
        return _OPTION_DEFAULTS.get(name)


@dataclass(frozen=True)
class Task:
    """A confirmed Celery task with its effective options.

    Options merge, lowest first: Celery's defaults, the ``base=`` class's attributes, the
    options of a decorator alias or wrapper (and the literal dicts it spreads), then the
    decorator's own ``**spreads`` and keywords. ``origins`` says where each was written.
    """

    module: str
    path: str
    fact: TaskFact
    name: str | None  # the wire name; None when ``name=`` is not a literal
    options: dict[str, Value] = field(hash=False)
    options_complete: bool  # False when a non-literal ``**spread`` may set more options
    origins: dict[str, OptionOrigin] = field(default_factory=dict, hash=False, compare=False)
    base: TaskClass | None = field(default=None, hash=False, compare=False)
    #: False when the ``base=`` class is not one the index can see (a third-party class):
    #: then every attribute option that is not set explicitly is unknown
    base_known: bool = True
    kind: str = "function"  # "function", or "class" for a registered ``Task`` subclass

    def option(self, name: str) -> Value:
        """The effective value, the Celery default when unset, or UNKNOWN."""
        if name in self.options:
            return self.options[name]
        if not self.options_complete or (not self.base_known and name not in _DECORATOR_ONLY):
            return UNKNOWN
        return _OPTION_DEFAULTS.get(name)

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.fact.function}"


@dataclass(frozen=True)
class OptionSite:
    """A place where task options are written: a task decorator, a decorator alias or
    wrapper, a ``celery.Task`` subclass body, or a literal dict spread into one of those.
    Option rules check sites (one finding per written value, however many tasks share it)."""

    kind: str  # "decorator" | "alias" | "wrapper" | "class" | "dict"
    holder: str  # qualified name of the task, alias, wrapper, class or dict
    path: str
    span: Span | None  # the decorator, alias, class name or dict assignment
    options: tuple[OptionFact, ...]  # spans fall back to ``span``
    tasks: tuple[Task, ...] = field(hash=False, compare=False)
    #: names a custom base class defines or reads (valid extra options); None when unknown
    extra_names: frozenset[str] | None = field(default=frozenset(), hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Decorator:
    """What a task decorator contributes: ``@app.task`` / ``@shared_task`` itself, or a
    decorator alias or wrapper around one (its options, and whether the options written
    where it is used are task options)."""

    app: str | None  # the app of ``@app.task``; None for ``shared_task``
    options: dict[str, Value]
    origins: dict[str, OptionOrigin]
    complete: bool
    forwards: bool  # options written where it is used are task options
    factory: str | None  # the alias or wrapper, if any

    def option(self, name: str) -> Value:
        """What an alias / wrapper sets (UNKNOWN when it does not say)."""
        return self.options.get(name, UNKNOWN)
