"""Database transactions: is this code inside ``transaction.atomic()``?

Read from the engine's context stacks: the ``with`` blocks inside the innermost function
(``ctx.local_with_blocks``) and that function's decorators. A function defined inside an
atomic block, or a lambda / ``functools.partial`` handed to ``transaction.on_commit``, does
not run inside it, which is why only the innermost function counts.

Project-defined wrappers (a context manager or decorator whose body enters
``transaction.atomic``) are recognised in two steps: phase 1 records the references of the
other context managers and decorators around the code (``TransactionScope.candidates``) and
which module-level functions enter ``atomic`` (``enters_atomic``); the project index then
decides (``project/transactions.py``: ``index.transactions.is_atomic_wrapper``).

SQLAlchemy transactions are ``with`` blocks entering ``<x>.begin()`` or
``<x>.begin_nested()`` on a session, a ``scoped_session`` (Flask-SQLAlchemy's
``db.session``), a ``sessionmaker`` (``Session.begin()``), an engine or a connection. Phase 1
writes down what the receiver is made of as a *path*, ``proj.db.SessionLocal().begin``:
a dotted reference followed by calls (``()``) and attributes, local variables replaced by
what the function assigns to them (``with Session(engine) as s, s.begin():``,
``session = SessionLocal()``, a parameter annotated ``session: Session``). Whether the path
is a SQLAlchemy object is decided once the module-level assignments of the project are
known (``sqlalchemy_begins``): ``sqlalchemy.create_engine()``, ``sessionmaker()``,
``scoped_session()``, ``Session()``, ``flask_sqlalchemy.SQLAlchemy().session`` (and project
subclasses of ``SQLAlchemy``). A ``begin()`` on anything else (a parameter without a type, an
attribute of ``self``, an object from another library) is not a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from celerylint.kit.names import LOCAL, bind_target_names, function_parameters
from celerylint.kit.values import CallValue, Ref, Value
from celerylint.semantics.tasks import may_be_project_ref

if TYPE_CHECKING:
    from celerylint.kit.context import FileContext, FunctionScope

ATOMIC_REFS = frozenset({"django.db.transaction.atomic"})
ON_COMMIT_REFS = frozenset({"django.db.transaction.on_commit", "django.db.connection.on_commit"})
#: ``Model.objects.select_for_update()...<this>()`` runs the query (a lazy queryset does not)
EVALUATING_METHODS = frozenset(
    {
        "get",
        "first",
        "last",
        "earliest",
        "latest",
        "exists",
        "count",
        "aggregate",
        "in_bulk",
        "update",
        "delete",
        "contains",
    }
)


@dataclass(frozen=True, slots=True)
class TransactionScope:
    atomic: bool  # certainly inside ``transaction.atomic`` (a block or decorator)
    #: references of project context managers / decorators around the code that may be
    #: wrappers of ``transaction.atomic`` (the index decides)
    candidates: tuple[str, ...]
    #: ``with <x>.begin():`` / ``begin_nested()`` blocks around the code that may be
    #: SQLAlchemy transactions: (path of the ``begin`` attribute, its text), the index decides
    sqlalchemy: tuple[tuple[str, str], ...] = ()


def _callee(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.func if isinstance(expr, cst.Call) else expr


def classify(expr: cst.BaseExpression, ctx: FileContext) -> tuple[bool, str | None]:
    """(is ``transaction.atomic``, candidate wrapper reference) for a ``with`` item or
    decorator expression: ``atomic``, ``atomic(using=...)``, ``traced_atomic("x")``."""
    ref = ctx.resolve(_callee(expr))
    if ref is None:
        return False, None
    if ref in ATOMIC_REFS:
        return not _on_read_replica(expr), None
    return False, ref if may_be_project_ref(ref) else None


#: words that name a read-only database alias (``atomic(using="replica")``)
_READ_ONLY_WORDS = ("replica", "read", "slave", "follower", "standby", "reporting")


def _on_read_replica(expr: cst.BaseExpression) -> bool:
    """``atomic(using=<a read replica alias>)``: a transaction on a database the code
    only reads from, so no row the worker needs waits for its commit."""
    if not isinstance(expr, cst.Call):
        return False
    for arg in expr.args:
        if arg.keyword is not None and arg.keyword.value == "using":
            value = arg.value
            if isinstance(value, cst.SimpleString):
                text = value.evaluated_value
            elif isinstance(value, cst.Attribute):
                text = value.attr.value
            elif isinstance(value, cst.Name):
                text = value.value
            else:
                return False
            return isinstance(text, str) and any(w in text.lower() for w in _READ_ONLY_WORDS)
    return False


def transaction_scope(ctx: FileContext) -> TransactionScope:
    """Whether the current point runs inside a transaction opened in this function."""
    atomic = False
    candidates: list[str] = []
    sqlalchemy: list[tuple[str, str]] = []
    for block in ctx.local_with_blocks:
        for item in block.items:
            is_atomic, candidate = classify(item.item, ctx)
            atomic = atomic or is_atomic
            if candidate is not None:
                candidates.append(candidate)
            begin = sqlalchemy_begin(item.item, ctx)
            if begin is not None:
                sqlalchemy.append(begin)
    fn = ctx.function
    if fn is not None and isinstance(fn.node, cst.FunctionDef):
        for decorator in fn.node.decorators:
            if fn.task is not None and decorator is fn.task.node:
                continue  # the task decorator itself opens no transaction
            is_atomic, candidate = classify(decorator.decorator, ctx)
            atomic = atomic or is_atomic
            if candidate is not None:
                candidates.append(candidate)
    return TransactionScope(
        atomic, tuple(dict.fromkeys(candidates)), tuple(dict.fromkeys(sqlalchemy))
    )


def enters_atomic(node: cst.CSTNode, ctx: FileContext) -> bool:
    """Does this ``with`` block, call or decorator open ``transaction.atomic``?"""
    if isinstance(node, cst.With):
        return any(classify(item.item, ctx)[0] for item in node.items)
    if isinstance(node, cst.Call):
        return ctx.resolve(node.func) in ATOMIC_REFS
    if isinstance(node, cst.Decorator):
        return classify(node.decorator, ctx)[0]
    return False


def select_for_update_chain(call: cst.Call) -> bool:
    """``<qs>.select_for_update(...).<more>...`` with ``call`` the outermost call: does the
    receiver chain go through ``select_for_update()``?"""
    node: cst.BaseExpression = call
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value == "select_for_update":
            return True
        node = node.func.value
    return False


def evaluated_lock(call: cst.Call) -> bool:
    """``X.objects.select_for_update().get(...)``: a locking query that runs right here."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in EVALUATING_METHODS
        and isinstance(func.value, cst.Call)
        and select_for_update_chain(func.value)
    )


# -- SQLAlchemy ---------------------------------------------------------------------------

BEGIN_METHODS = frozenset({"begin", "begin_nested"})
#: callables of SQLAlchemy and Flask-SQLAlchemy -> what calling them returns
SQLALCHEMY_FACTORIES: dict[str, str] = {
    "sqlalchemy.create_engine": "engine",
    "sqlalchemy.engine.create_engine": "engine",
    "sqlalchemy.engine_from_config": "engine",
    "sqlalchemy.engine.engine_from_config": "engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "engine",
    "sqlalchemy.orm.sessionmaker": "sessionmaker",
    "sqlalchemy.orm.session.sessionmaker": "sessionmaker",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sessionmaker",
    "sqlalchemy.orm.scoped_session": "scoped",
    "sqlalchemy.orm.scoping.scoped_session": "scoped",
    "sqlalchemy.ext.asyncio.async_scoped_session": "scoped",
    "sqlalchemy.orm.Session": "session",
    "sqlalchemy.orm.session.Session": "session",
    "sqlalchemy.ext.asyncio.AsyncSession": "session",
    "flask_sqlalchemy.SQLAlchemy": "flask_db",
    "flask_sqlalchemy.extension.SQLAlchemy": "flask_db",
}
#: calling an object of this kind (or a bound method ``kind.method``) returns ...
_CALL_RESULTS: dict[str, str] = {
    "sessionmaker": "session",
    "scoped": "session",
    "sessionmaker.begin": "session",
    "engine.begin": "connection",
    "engine.connect": "connection",
}
_ATTRIBUTES: dict[tuple[str, str], str] = {
    ("flask_db", "session"): "scoped",
    ("flask_db", "engine"): "engine",
}
#: which objects' ``begin()``/``begin_nested()`` open a transaction
_BEGINS: dict[str, frozenset[str]] = {
    "session": BEGIN_METHODS,
    "scoped": BEGIN_METHODS,
    "connection": BEGIN_METHODS,
    "sessionmaker": frozenset({"begin"}),
    "engine": frozenset({"begin"}),
}
_TOKEN = re.compile(r"\(\)|[^.()]+")
_MAX_DEPTH = 8


def sqlalchemy_begin(expr: cst.BaseExpression, ctx: FileContext) -> tuple[str, str] | None:
    """(path, text) for a ``with`` item ``<x>.begin()``/``<x>.begin_nested()`` whose
    receiver can be written as a path; the index decides whether it is SQLAlchemy's."""
    if not (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in BEGIN_METHODS
    ):
        return None
    receiver = _path(expr.func.value, ctx, 0, frozenset())
    if receiver is None:
        return None
    text = cst.Module([]).code_for_node(expr.func)
    return f"{receiver}.{expr.func.attr.value}", " ".join(text.split())


def _path(
    expr: cst.BaseExpression, ctx: FileContext, depth: int, seen: frozenset[str]
) -> str | None:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Call):
        inner = _path(expr.func, ctx, depth + 1, seen)
        return f"{inner}()" if inner is not None else None
    if isinstance(expr, cst.Attribute):
        inner = _path(expr.value, ctx, depth + 1, seen)
        return f"{inner}.{expr.attr.value}" if inner is not None else None
    if isinstance(expr, cst.Name):
        fn = ctx.function
        name = expr.value
        if fn is not None and fn.frame.bindings.get(name) == LOCAL:
            if name in seen:
                return None
            return _local_path(name, fn, ctx, depth + 1, seen | {name})
        return ctx.resolve(expr)
    return None


def _local_path(
    name: str, fn: FunctionScope, ctx: FileContext, depth: int, seen: frozenset[str]
) -> str | None:
    """The one path every binding of the local ``name`` in ``fn`` gives, or None (no
    binding we understand, or two that differ)."""
    found: set[str | None] = set()
    node = fn.node
    for param in function_parameters(node.params):
        if param.name.value == name:
            annotation = param.annotation
            ref = ctx.resolve(annotation.annotation) if annotation is not None else None
            found.add(f"{ref}()" if ref is not None else None)
    if isinstance(node, cst.FunctionDef):
        for value in _bindings(node.body, name):
            found.add(_path(value, ctx, depth, seen) if value is not None else None)
    if len(found) != 1:
        return None
    return found.pop()


def _bindings(node: cst.CSTNode, name: str) -> Iterator[cst.BaseExpression | None]:
    """What the statements under ``node`` (not nested functions or classes) bind to
    ``name``: the assigned value, the ``with`` item (its ``__enter__`` gives the same
    object, or the session/connection of a ``begin()``), or None for any other binding."""
    for child in node.children:
        if isinstance(child, cst.FunctionDef | cst.ClassDef):
            if child.name.value == name:
                yield None
            continue
        if isinstance(child, cst.Lambda):
            continue
        for target, value in _targets(child):
            if isinstance(target, cst.Name) and target.value == name:
                yield value
            elif name in bind_target_names(target):
                yield None
        yield from _bindings(child, name)


def _targets(
    node: cst.CSTNode,
) -> Iterator[tuple[cst.BaseExpression, cst.BaseExpression | None]]:
    """(target, value) of the bindings ``node`` itself makes; value None when it is not
    one plain value (``+=``, a loop variable, ``except ... as``, an import ...)."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield target.target, node.value
    elif isinstance(node, cst.AnnAssign):
        yield node.target, node.value
    elif isinstance(node, cst.AugAssign):
        yield node.target, None
    elif isinstance(node, cst.WithItem):
        if node.asname is not None:
            yield node.asname.name, node.item
    elif isinstance(node, cst.For | cst.CompFor | cst.NamedExpr):
        yield node.target, None
    elif isinstance(node, cst.ExceptHandler):
        if node.name is not None:
            yield node.name.name, None
    elif isinstance(node, cst.Import | cst.ImportFrom):
        if isinstance(node.names, cst.ImportStar):
            return  # a syntax error in a function
        for alias in node.names:
            bound: cst.BaseExpression = (
                alias.asname.name if alias.asname is not None else alias.name
            )
            while isinstance(bound, cst.Attribute):
                bound = bound.value
            yield bound, None
    elif isinstance(node, cst.Global | cst.Nonlocal):
        for item in node.names:
            yield item.name, None


#: ``ref`` -> the value assigned to it at module level (None if none is known)
AssignedValue = Callable[[str], "Value | None"]
#: ``ref`` -> the resolved bases of a project class (None if it is not one)
ClassBases = Callable[[str], "tuple[str, ...] | None"]


def sqlalchemy_begins(path: str, assigned: AssignedValue, bases: ClassBases) -> bool:
    """Does the path of a ``begin``/``begin_nested`` attribute name a SQLAlchemy
    transaction (a session's, an engine's, a connection's ...)?"""
    tokens = _TOKEN.findall(path)
    if len(tokens) < 2 or tokens[-1] not in BEGIN_METHODS:
        return False
    kind = _kind(tokens[:-1], assigned, bases, 0)
    return kind is not None and tokens[-1] in _BEGINS.get(kind, frozenset())


def _kind(tokens: list[str], assigned: AssignedValue, bases: ClassBases, depth: int) -> str | None:
    """What the object a path (as tokens) names is: ``engine``, ``session`` ... or a
    factory (``make:session``), a bound method (``engine.connect``); None if unknown."""
    if depth > _MAX_DEPTH or not tokens or tokens[0] == "()":
        return None
    names = len(tokens)
    for i, token in enumerate(tokens):
        if token == "()":
            names = i
            break
    for cut in range(names, 0, -1):
        kind = _ref_kind(".".join(tokens[:cut]), assigned, bases, depth)
        if kind is not None:
            return _apply(kind, tokens[cut:])
    return None


def _apply(kind: str | None, steps: list[str]) -> str | None:
    for step in steps:
        if kind is None:
            return None
        if step == "()":
            kind = kind[5:] if kind.startswith("make:") else _CALL_RESULTS.get(kind)
        elif kind.startswith("make:") or "." in kind:
            return None  # an attribute of a class or of a bound method
        else:
            kind = _ATTRIBUTES.get((kind, step), f"{kind}.{step}")
    return kind


def _ref_kind(ref: str, assigned: AssignedValue, bases: ClassBases, depth: int) -> str | None:
    made = SQLALCHEMY_FACTORIES.get(ref)
    if made is not None:
        return f"make:{made}"
    class_bases = bases(ref)
    if class_bases is not None:  # a project subclass of ``SQLAlchemy``, ``Session`` ...
        for base in class_bases:
            kind = _ref_kind(base, assigned, bases, depth + 1) if depth < _MAX_DEPTH else None
            if kind is not None and kind.startswith("make:"):
                return kind
        return None
    return _value_kind(assigned(ref), assigned, bases, depth + 1)


def _value_kind(
    value: Value | None, assigned: AssignedValue, bases: ClassBases, depth: int
) -> str | None:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, Ref):
        return _kind(_TOKEN.findall(value.name), assigned, bases, depth + 1)
    if isinstance(value, CallValue):
        return _apply(_kind(_TOKEN.findall(value.func), assigned, bases, depth + 1), ["()"])
    return None


def receiver_path(expr: cst.BaseExpression, ctx: FileContext) -> str | None:
    """The path (``proj.db.SessionLocal()``) of an expression, as for ``begin()``."""
    return _path(expr, ctx, 0, frozenset())


def sqlalchemy_kind(path: str, assigned: AssignedValue, bases: ClassBases) -> str | None:
    """What the SQLAlchemy object a path names is (``session``, ``scoped``, ``flask_db``,
    ``engine`` ...), or None when it is not known as one."""
    return _kind(_TOKEN.findall(path), assigned, bases, 0)


def bare_begin(
    stmt: cst.BaseSmallStatement, ctx: FileContext
) -> tuple[str, str, tuple[str, ...]] | None:
    """A statement ``<x>.begin()`` (or ``trans = <x>.begin()``) that is not a ``with``:
    (path of ``begin``, its text, the receivers whose ``commit()`` ends it: ``<x>`` as
    written, and ``trans``); the index decides whether it is SQLAlchemy's."""
    bound: tuple[str, ...] = ()
    if isinstance(stmt, cst.Expr):
        value = stmt.value
    elif (
        isinstance(stmt, cst.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0].target, cst.Name)
    ):
        value = stmt.value
        bound = (stmt.targets[0].target.value,)
    else:
        return None
    found = sqlalchemy_begin(value, ctx)
    if found is None:
        return None
    assert isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
    return found[0], found[1], (_code(value.func.value), *bound)


def commit_receiver(stmt: cst.BaseSmallStatement) -> str | None:
    """``<x>.commit()`` as a statement: ``<x>`` as written."""
    if not isinstance(stmt, cst.Expr):
        return None
    call = stmt.value
    if (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "commit"
        and not call.args
    ):
        return _code(call.func.value)
    return None


def _code(node: cst.CSTNode) -> str:
    return " ".join(cst.Module([]).code_for_node(node).split())
