"""Static evaluation of literal expressions into plain, picklable values.

Anything the evaluator cannot see through becomes ``UNKNOWN``; rules never fire on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union, overload

import libcst as cst

from celerylint.pickling import fast_pickling


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a name, resolved through imports where possible (``celery.Celery``)."""

    name: str


@dataclass(frozen=True, slots=True)
class ListValue:
    """A list or set literal (tuples are plain ``tuple``)."""

    items: tuple[Value, ...]
    kind: str = "list"


@dataclass(frozen=True, slots=True)
class DictValue:
    items: tuple[tuple[Value, Value], ...]
    complete: bool = True  # False when a ``**spread`` could add keys

    def get(self, key: str, default: Value = None) -> Value:
        for k, v in self.items:
            if k == key:
                return v
        return default if self.complete else UNKNOWN

    def keys(self) -> tuple[Value, ...]:
        return tuple(k for k, _ in self.items)


@dataclass(frozen=True, slots=True)
class CallValue:
    """A call whose callee is known by name: ``timedelta(hours=1)``, ``Queue("q")``."""

    func: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    starred: bool = False  # ``*args``/``**kwargs`` present: more arguments than listed

    def kwarg(self, name: str, default: Value = None) -> Value:
        for k, v in self.kwargs:
            if k == name:
                return v
        return default


Value = Union[  # noqa: UP007 (forward references need Union at runtime)
    None,
    bool,
    int,
    float,
    str,
    bytes,
    tuple["Value", ...],
    ListValue,
    DictValue,
    CallValue,
    Ref,
    _Unknown,
]

Resolver = Callable[[cst.BaseExpression], "str | None"]


def evaluate(node: cst.BaseExpression, resolve: Resolver) -> Value:
    """Evaluate ``node`` to a plain value. ``resolve`` turns names into dotted references."""
    try:
        return _evaluate(node, resolve, 0)
    except (ValueError, TypeError, ArithmeticError, OverflowError, RecursionError):
        return UNKNOWN


@overload
def string_value(node: cst.SimpleString) -> str | bytes: ...


@overload
def string_value(node: cst.SimpleString | cst.ConcatenatedString) -> str | bytes | None: ...


def string_value(node: cst.SimpleString | cst.ConcatenatedString) -> str | bytes | None:
    """``node.evaluated_value`` without ``ast.literal_eval`` (a ``compile`` per call) for
    the common literal: no prefix, no backslash, no carriage return."""
    if not isinstance(node, cst.SimpleString):
        return node.evaluated_value
    raw = node.value
    quote = raw[-1]
    if raw[0] == quote:  # no prefix
        body = raw[3:-3] if len(raw) >= 6 and raw.startswith(quote * 3) else raw[1:-1]
        if "\\" not in body and "\r" not in body:
            return body
    return node.evaluated_value


def _evaluate(node: cst.BaseExpression, resolve: Resolver, depth: int) -> Value:
    if depth > 40:
        return UNKNOWN
    d = depth + 1
    if isinstance(node, cst.Integer | cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.SimpleString):
        return string_value(node)
    if isinstance(node, cst.ConcatenatedString):
        left = _evaluate(node.left, resolve, d)
        right = _evaluate(node.right, resolve, d)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    if isinstance(node, cst.Name):
        if node.value == "True":
            return True
        if node.value == "False":
            return False
        if node.value == "None":
            return None
        ref = resolve(node)
        return Ref(ref) if ref else UNKNOWN
    if isinstance(node, cst.Attribute):
        ref = resolve(node)
        return Ref(ref) if ref else UNKNOWN
    if isinstance(node, cst.Tuple):
        return tuple(_element(e, resolve, d) for e in node.elements)
    if isinstance(node, cst.List | cst.Set):
        kind = "list" if isinstance(node, cst.List) else "set"
        return ListValue(tuple(_element(e, resolve, d) for e in node.elements), kind)
    if isinstance(node, cst.Dict):
        items: list[tuple[Value, Value]] = []
        complete = True
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                items.append((_evaluate(el.key, resolve, d), _evaluate(el.value, resolve, d)))
            else:
                complete = False
        return DictValue(tuple(items), complete)
    if isinstance(node, cst.UnaryOperation):
        operand = _evaluate(node.expression, resolve, d)
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            if isinstance(node.operator, cst.Not) and isinstance(operand, bool):
                return not operand
            return UNKNOWN
        if isinstance(node.operator, cst.Minus):
            return -operand
        if isinstance(node.operator, cst.Plus):
            return operand
        return UNKNOWN
    if isinstance(node, cst.BinaryOperation):
        return _binary(node, resolve, d)
    if isinstance(node, cst.Subscript):
        return _environ_item(node, resolve)
    if isinstance(node, cst.Call):
        func = resolve(node.func)
        if func is None:
            return UNKNOWN
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        starred = False
        for arg in node.args:
            if arg.star:
                starred = True
                continue
            value = _evaluate(arg.value, resolve, d)
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            else:
                args.append(value)
        return CallValue(func, tuple(args), tuple(kwargs), starred)
    return UNKNOWN


#: ``os.environ["X"]``, read as a call (``semantics.config_env.env_read``: no default)
ENVIRON_ITEM = "os.environ.__getitem__"


def _environ_item(node: cst.Subscript, resolve: Resolver) -> Value:
    """``os.environ["X"]`` as ``CallValue(ENVIRON_ITEM, ("X",))``; any other subscript is
    UNKNOWN."""
    if len(node.slice) != 1 or resolve(node.value) != "os.environ":
        return UNKNOWN
    index = node.slice[0].slice
    if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
        return UNKNOWN
    key = string_value(index.value)
    if not isinstance(key, str):
        return UNKNOWN
    return CallValue(ENVIRON_ITEM, (key,), (), False)


def _element(el: cst.BaseElement, resolve: Resolver, depth: int) -> Value:
    if isinstance(el, cst.StarredElement):
        return UNKNOWN
    return _evaluate(el.value, resolve, depth)


def _binary(node: cst.BinaryOperation, resolve: Resolver, depth: int) -> Value:
    left = _evaluate(node.left, resolve, depth)
    right = _evaluate(node.right, resolve, depth)
    op = node.operator
    if isinstance(left, str) and isinstance(right, str) and isinstance(op, cst.Add):
        return left + right
    if isinstance(left, tuple) and isinstance(right, tuple) and isinstance(op, cst.Add):
        return left + right
    if not (_is_number(left) and _is_number(right)):
        return UNKNOWN
    assert isinstance(left, int | float) and isinstance(right, int | float)
    if isinstance(op, cst.Add):
        return left + right
    if isinstance(op, cst.Subtract):
        return left - right
    if isinstance(op, cst.Multiply):
        return left * right
    if isinstance(op, cst.Divide):
        return left / right
    if isinstance(op, cst.FloorDivide):
        return left // right
    if isinstance(op, cst.Power) and abs(right) <= 64:
        return left**right
    return UNKNOWN


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: ``datetime.timedelta``'s parameters in positional order, with their length in seconds
TIMEDELTA_UNITS: tuple[tuple[str, float], ...] = (
    ("days", 86400.0),
    ("seconds", 1.0),
    ("microseconds", 1e-6),
    ("milliseconds", 1e-3),
    ("minutes", 60.0),
    ("hours", 3600.0),
    ("weeks", 604800.0),
)
TIMEDELTA_REFS = frozenset({"datetime.timedelta"})


def timedelta_seconds(value: Value) -> float | None:
    """Seconds of a ``timedelta(...)`` call whose arguments are all number literals
    (``timedelta(hours=2)``, ``timedelta(1, 30)``), else None."""
    if not isinstance(value, CallValue) or value.func not in TIMEDELTA_REFS or value.starred:
        return None
    if len(value.args) > len(TIMEDELTA_UNITS):
        return None
    units = dict(TIMEDELTA_UNITS)
    total = 0.0
    pairs = [(TIMEDELTA_UNITS[i][0], arg) for i, arg in enumerate(value.args)]
    for name, arg in (*pairs, *value.kwargs):
        unit = units.get(name)
        if unit is None or isinstance(arg, bool) or not isinstance(arg, int | float):
            return None
        total += arg * unit
    return total


def is_known(value: Value) -> bool:
    """True when ``value`` holds no ``UNKNOWN`` anywhere inside it."""
    if value is UNKNOWN:
        return False
    if isinstance(value, tuple):
        return all(is_known(v) for v in value)
    if isinstance(value, ListValue):
        return all(is_known(v) for v in value.items)
    if isinstance(value, DictValue):
        return value.complete and all(is_known(k) and is_known(v) for k, v in value.items)
    return True


fast_pickling(globals())
