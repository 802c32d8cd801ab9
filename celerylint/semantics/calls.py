"""How a task is called: what reaches the task, which keywords are execution options,
and when a message becomes due or expires.

``delay(*args, **kwargs)`` is ``apply_async(args, kwargs)``: every keyword given to
``delay`` becomes a task argument, so execution options must go to ``apply_async``. The
option names come from the installed celery (``celery_data.TASK_CALL_OPTIONS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.kit.values import (
    TIMEDELTA_REFS,
    UNKNOWN,
    ListValue,
    Value,
    evaluate,
    string_value,
    timedelta_seconds,
)
from celerylint.semantics import celery_data
from celerylint.semantics.call_shapes import DIRECT_METHODS, PACKED_METHODS, SEND_TASK

if TYPE_CHECKING:
    pass

Resolve = Callable[[cst.BaseExpression], "str | None"]

#: keywords ``apply_async`` reads as execution options (``countdown``, ``queue`` ...)
CALL_OPTIONS: frozenset[str] = frozenset(celery_data.TASK_CALL_OPTIONS)


@dataclass(frozen=True, slots=True)
class TaskArguments:
    """What a call hands to the task, as far as the source says."""

    positional: int | None  # None when starred or not literal
    keywords: tuple[str, ...] | None  # None when ``**spread`` or not literal
    args_form: str  # see ``CallSiteFact.args_form``
    args_node: cst.BaseExpression | None  # the ``args`` argument of apply_async & co.


def _packed(call: cst.Call, offset: int) -> tuple[cst.Arg | None, cst.Arg | None]:
    """The ``args`` and ``kwargs`` arguments of apply_async (``offset`` 0) or send_task /
    ``signature("name", ...)`` (``offset`` 1), by position or keyword."""
    args_arg: cst.Arg | None = None
    kwargs_arg: cst.Arg | None = None
    index = 0
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is None:
            if index == offset:
                args_arg = arg
            elif index == offset + 1:
                kwargs_arg = arg
            index += 1
        elif arg.keyword.value == "args":
            args_arg = arg
        elif arg.keyword.value == "kwargs":
            kwargs_arg = arg
    return args_arg, kwargs_arg


def args_form(node: cst.BaseExpression | None, value: Value) -> str:
    """How an ``args=`` argument is written: "tuple", "list", "paren" (``(x)``: meant as
    a one-tuple), "string", "scalar" (a literal number, bool, bytes, dict or set),
    "other" (a name, a call ...), "" (absent or ``None``)."""
    if node is None or value is None:
        return ""
    if isinstance(node, cst.Tuple):
        return "tuple"
    if isinstance(node, cst.List | cst.ListComp):
        return "list"
    if node.lpar and not isinstance(node, cst.GeneratorExp):
        return "paren"
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
        return "string"
    if isinstance(node, cst.Integer | cst.Float | cst.Imaginary | cst.Dict | cst.Set):
        return "scalar"
    if isinstance(value, bool | int | float | bytes):
        return "scalar"
    if isinstance(value, str):
        return "string"
    return "other"


def _count(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Tuple | cst.List):
        if any(isinstance(el, cst.StarredElement) for el in node.elements):
            return None
        return len(node.elements)
    return None


def _names(node: cst.BaseExpression, resolve: Resolve) -> tuple[str, ...] | None:
    """Keyword names of a literal mapping: ``{"a": 1}`` or ``dict(a=1)``."""
    if isinstance(node, cst.Dict):
        names: list[str] = []
        for el in node.elements:
            if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
                return None
            key = string_value(el.key)
            if not isinstance(key, str):
                return None
            names.append(key)
        return tuple(names)
    if isinstance(node, cst.Call) and resolve(node.func) == "builtins.dict":
        if any(arg.star or arg.keyword is None for arg in node.args):
            return None
        return tuple(arg.keyword.value for arg in node.args if arg.keyword is not None)
    return None


def task_arguments(call: cst.Call, method: str, resolve: Resolve) -> TaskArguments | None:
    """What ``call`` (a ``.delay``/``.apply_async``/``.s``/``.si``/``.signature`` on a
    task, or ``send_task``) passes to the task. None for other methods."""
    if method in DIRECT_METHODS:
        if any(arg.star for arg in call.args):
            return TaskArguments(None, None, "", None)
        positional = sum(1 for arg in call.args if arg.keyword is None)
        keywords = tuple(arg.keyword.value for arg in call.args if arg.keyword is not None)
        return TaskArguments(positional, keywords, "", None)
    if method in PACKED_METHODS:
        offset = 0
    elif method == SEND_TASK:
        offset = 1
    else:
        return None
    args_arg, kwargs_arg = _packed(call, offset)
    count: int | None = 0
    names: tuple[str, ...] | None = ()
    form = ""
    args_node = args_arg.value if args_arg is not None else None
    if args_node is not None:
        value = evaluate(args_node, resolve)
        form = args_form(args_node, value)
        count = 0 if value is None else _count(args_node)
    if kwargs_arg is not None:
        kwargs_node = kwargs_arg.value
        is_none = isinstance(kwargs_node, cst.Name) and kwargs_node.value == "None"
        names = () if is_none else _names(kwargs_node, resolve)
    return TaskArguments(count, names, form, args_node)


def immutable_flag(call: cst.Call, method: str) -> bool | None:
    """Whether a signature call makes an immutable signature (``.si``, or
    ``immutable=True`` on ``.signature``/``signature()``); None when not literal."""
    if method == "si":
        return True
    if method == "s":
        return False
    return set_immutable(call, False)  # ``immutable=None`` means the default, mutable


def set_immutable(call: cst.Call, current: bool | None) -> bool | None:
    """The mutability after ``sig.set(...)``: ``immutable=True``/``False`` sets it (Celery's
    ``Signature.set(immutable=None, **options)``), any other value or a ``**spread`` makes
    it unknown, and a ``set()`` without it leaves ``current``."""
    for arg in call.args:
        if arg.star == "**":
            return None
        if arg.keyword is not None and arg.keyword.value == "immutable":
            value = arg.value
            if isinstance(value, cst.Name) and value.value in {"True", "False"}:
                return value.value == "True"
            if isinstance(value, cst.Name) and value.value == "None":
                return current
            return None
    return current


# -- when a message is due and when it expires (CEL609) ------------------------------------

#: calls that return the current time
NOW_REFS = frozenset(
    {
        "django.utils.timezone.now",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
    }
)
#: the base of moments relative to the current time
NOW = "<now>"


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time as ``base + seconds``. ``base`` is ``NOW`` for the current time
    (and for relative seconds: ``countdown=60``), otherwise the source text of a datetime
    expression (two moments compare only when their bases are the same)."""

    base: str
    seconds: float

    def describe(self) -> str:
        if self.base == NOW:
            return f"{_seconds(self.seconds)} from now"
        return f"{self.base} + {_seconds(self.seconds)}"


def _seconds(value: float) -> str:
    """``90 s``, ``5 min``, ``24 h``: the largest unit that divides ``value``."""
    for size, unit in ((3600, "h"), (60, "min")):
        if value and value % size == 0:
            return f"{int(value // size)} {unit}"
    number = int(value) if float(value).is_integer() else value
    return f"{number} s"


def duration(node: cst.BaseExpression, resolve: Resolve) -> float | None:
    """Seconds of a literal ``timedelta(...)``, else None."""
    if not isinstance(node, cst.Call) or resolve(node.func) not in TIMEDELTA_REFS:
        return None
    return timedelta_seconds(evaluate(node, resolve))


def _number(node: cst.BaseExpression, resolve: Resolve) -> float | None:
    value = evaluate(node, resolve)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _base(node: cst.BaseExpression, resolve: Resolve) -> str | None:
    if isinstance(node, cst.Call) and not node.args and resolve(node.func) in NOW_REFS:
        return NOW
    if isinstance(node, cst.Name | cst.Attribute):
        parts: list[str] = []
        current: cst.BaseExpression = node
        while isinstance(current, cst.Attribute):
            parts.append(current.attr.value)
            current = current.value
        if isinstance(current, cst.Name):
            parts.append(current.value)
            return ".".join(reversed(parts))
    return None


def moment(node: cst.BaseExpression, resolve: Resolve, *, relative: bool) -> Moment | None:
    """The time an ``eta``/``expires``/``countdown`` value stands for, when literal.

    ``relative``: a bare number means seconds from now (``countdown``, ``expires``).
    Datetimes are ``now()`` or a name, plus or minus a literal ``timedelta``.
    """
    if relative:
        seconds = _number(node, resolve)
        if seconds is not None:
            return Moment(NOW, seconds)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add | cst.Subtract):
        sign = -1.0 if isinstance(node.operator, cst.Subtract) else 1.0
        delta = duration(node.right, resolve)
        base_node = node.left
        if delta is None and sign > 0:
            delta = duration(node.left, resolve)
            base_node = node.right
        if delta is None:
            return None
        base = _base(base_node, resolve)
        return Moment(base, sign * delta) if base is not None else None
    base = _base(node, resolve)
    return Moment(base, 0.0) if base == NOW else None


def eta_delay(node: cst.BaseExpression, resolve: Resolve) -> float | None:
    """Seconds from now of an ``eta`` written ``now() + timedelta(...)`` with literal
    arguments (``timezone.now()``, ``datetime.utcnow()`` ...), else None."""
    found = moment(node, resolve, relative=False)
    return found.seconds if found is not None and found.base == NOW else None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def expiry_conflict(call: cst.Call, resolve: Resolve) -> tuple[str, Moment, Moment] | None:
    """(``countdown``/``eta``, start, expiry) when a call's literal ``expires`` is not
    after the moment it becomes due, else None."""
    expires = keyword(call, "expires")
    if expires is None:
        return None
    end = moment(expires.value, resolve, relative=True)
    if end is None:
        return None
    for option, relative in (("countdown", True), ("eta", False)):
        arg = keyword(call, option)
        if arg is None:
            continue
        start = moment(arg.value, resolve, relative=relative)
        if start is None or start.base != end.base:
            continue
        if start.base == NOW and start.seconds <= 0:
            continue  # due at once: nothing is delayed past the expiry
        if end.seconds <= start.seconds:
            return option, start, end
    return None


# -- phase 2: settings that change how calls behave ----------------------------------------


@dataclass(frozen=True, slots=True)
class BeatCall:
    """What a beat schedule entry sends: its task name and literal arguments."""

    key: str  # the entry's name in the schedule
    task: str
    positional: int
    keywords: tuple[str, ...]
    path: str
    span: Span  # the entry's task-name string when found, else the setting


def _literal_count(value: Value) -> int | None:
    items = (
        value if isinstance(value, tuple) else value.items if isinstance(value, ListValue) else None
    )
    if items is None or any(item is UNKNOWN for item in items):
        return None  # a starred element hides in an unknown item
    return len(items)


#: result backends from other packages (entry points Celery cannot tell us about):
#: django-celery-results counts chord parts itself (``on_chord_part_return``), and its
#: cache backend is Celery's cache backend
THIRD_PARTY_BACKEND_CHORDS = {"django-db": "native", "django-cache": "native"}


def backend_alias(url: str) -> str:
    """The backend alias of a ``result_backend`` value, as ``celery.app.backends.by_url``
    reads it: ``redis://...`` -> ``redis``, ``db+postgresql://...`` -> ``db``."""
    if "://" in url:
        scheme = url.split("://", 1)[0]
        return scheme.split("+", 1)[0]
    return url
