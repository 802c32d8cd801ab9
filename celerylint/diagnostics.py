"""Plain, frozen data that crosses process boundaries: spans, fixes and diagnostics."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from celerylint.pickling import fast_pickling


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class FixSafety(str, enum.Enum):
    """Whether a rule's fix may change behaviour (ruff's "applicability")."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A source range. Lines are 1-based, columns are 1-based (as ruff prints them)."""

    line: int
    column: int
    end_line: int
    end_column: int


NO_SPAN = Span(1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two positions (1-based, end exclusive) with ``content``."""

    content: str
    span: Span


@dataclass(frozen=True, slots=True)
class Fix:
    message: str
    safety: FixSafety
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class TaskCondition:
    """A per-file finding that only stands if the project index confirms a task.

    Phase 1 cannot always tell whether ``@app.task`` is a Celery task (``app`` may be
    imported from another module) or what an option's effective value is (it may come
    from a decorator alias or a ``**OPTIONS`` spread defined elsewhere). Such findings
    carry this condition; phase 2 keeps them only when the function is a confirmed task
    and every listed option has a *known* effective value equal to the one given.

    ``holder`` says what ``function`` names in this file: a task function (``"function"``),
    a class that must be a confirmed ``celery.Task`` subclass (``"class"``; options are its
    effective attributes) or a decorator alias/wrapper that must make tasks (``"factory"``;
    options are the ones it applies). ``task_ref`` names a task by qualified reference
    instead (``shop.tasks.send``, defined in any module). ``any_truthy`` asks that at least
    one listed option has a known, truthy value (``acks_late`` or ``autoretry_for``).
    ``lacks_params`` asks that the task declares none of the named parameters (a call
    passing ``countdown=`` to ``delay`` is wrong unless the task takes ``countdown``).
    ``or_setting`` lets ``any_truthy`` also hold when the production configuration of the
    task's app sets that setting to a known truthy value (``soft_time_limit`` or the
    global ``task_soft_time_limit``) and the task does not set the options itself.
    ``orm_path``/``orm_kinds`` ask that a SQLAlchemy query's receiver is known as one.
    ``ProjectIndex.condition_holds`` decides.
    """

    function: str
    options: tuple[tuple[str, object], ...] = ()
    holder: str = "function"  # "function" | "class" | "factory"
    task_ref: str = ""
    any_truthy: tuple[str, ...] = ()
    lacks_params: tuple[str, ...] = ()
    or_setting: str = ""
    #: the finding also needs ``orm_path`` to name a SQLAlchemy object of one of
    #: ``orm_kinds`` (``semantics/sqlalchemy_orm.py``: an ORM query's receiver)
    orm_path: str = ""
    orm_kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    path: str
    span: Span
    severity: Severity
    fix: Fix | None = None
    condition: TaskCondition | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)


def is_applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Whether ``--fix`` applies ``fix`` (unsafe ones only with ``--unsafe-fixes``)."""
    if fix is None or not fix.edits:
        return False
    return fix.safety is FixSafety.SAFE or (unsafe and fix.safety is FixSafety.UNSAFE)


fast_pickling(globals())
