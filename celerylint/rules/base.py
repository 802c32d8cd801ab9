"""The rule framework: a rule is one small, self-describing class.

A rule declares its code, name, message, severity, docs (its docstring), fix safety,
options and examples. Tests, ``celerylint rule CODE``, the docs and SARIF metadata are
all derived from these declarations.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import libcst as cst

from celerylint.diagnostics import Fix, FixSafety, Severity, Span, TaskCondition
from celerylint.kit.edits import NodeFix, Replacement

if TYPE_CHECKING:
    from celerylint.diagnostics import Diagnostic
    from celerylint.kit.context import FileContext
    from celerylint.project.index import ProjectIndex


class RuleCollector(Protocol):
    """A rule's own phase-1 visitor (``Rule.collector``)."""

    def __init__(self, ctx: FileContext) -> None: ...

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> object: ...


@dataclass(frozen=True)
class Example:
    """Code for a rule's docs and tests. ``files`` makes a multi-file project example.

    Expected findings are written next to the code as ``# error: CEL101`` (at the first
    non-blank column of that line) or ``# error@12: CEL101`` (at column 12, 1-based).
    """

    code: str = ""
    files: Mapping[str, str] = field(default_factory=dict)
    path: str = "example.py"
    options: Mapping[str, Any] = field(default_factory=dict)
    #: the code after ``celerylint --fix --unsafe-fixes`` (for ``files=`` examples, a
    #: mapping of the files that change); the tests check it parses and is a fixed point
    fixed: str | Mapping[str, str] | None = None

    @property
    def valid(self) -> bool:
        return isinstance(self, Valid)

    def sources(self) -> dict[str, str]:
        files = {name: inspect.cleandoc(text) + "\n" for name, text in self.files.items()}
        if self.code:
            files[self.path] = inspect.cleandoc(self.code) + "\n"
        return files


@dataclass(frozen=True)
class Valid(Example):
    """A near miss that must stay quiet."""


@dataclass(frozen=True)
class Invalid(Example):
    """Code that must fire where the ``# error:`` markers say."""


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]  # a ``str.format`` template filled by ``report(**args)``
    severity: ClassVar[Severity] = Severity.WARNING
    default_enabled: ClassVar[bool] = True
    fix_safety: ClassVar[FixSafety] = FixSafety.NONE
    fix_title: ClassVar[str | None] = None
    options_class: ClassVar[type[Any] | None] = None
    examples: ClassVar[tuple[Example, ...]] = ()
    project: ClassVar[bool] = False
    #: phase-1 work of the rule's own: a visitor made per file (``collector(ctx)``) with
    #: ``visit_<Node>``/``leave_<Node>`` hooks and ``finish(span_of)`` returning plain,
    #: picklable data (or None); phase 2 reads it back with ``facts.rule_data(code)``. It
    #: runs only while the rule is enabled, in the same single traversal as everything else
    collector: ClassVar[type[RuleCollector] | None] = None

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """One line for tables: the first paragraph of *What it does*."""
        docs = cls.docs()
        marker = "## What it does"
        if marker in docs:
            docs = docs.split(marker, 1)[1]
        for paragraph in docs.strip().split("\n\n"):
            text = " ".join(line.strip() for line in paragraph.splitlines()).strip()
            if text and not text.startswith("#"):
                return text
        return cls.message

    @classmethod
    def default_options(cls) -> Any:
        return cls.options_class() if cls.options_class is not None else None

    @classmethod
    def review_fix(cls, diagnostic: Diagnostic, index: ProjectIndex) -> Fix | None:
        """Phase 2: settle a finding's fix with project knowledge (e.g. make it unsafe
        when a call site elsewhere would change meaning). Returns the fix to keep (the same
        object when unchanged), or None to drop it. Override in rules that need it."""
        return diagnostic.fix


class FileRule(Rule):
    """A rule that runs during the single per-file traversal.

    Define ``visit_<NodeType>(self, node)`` / ``leave_<NodeType>(self, node)`` hooks;
    the engine calls them in one batched walk, with the traversal context (scopes,
    enclosing function, class, ``with`` blocks) in ``self.ctx``.
    """

    def __init__(self, ctx: FileContext, options: Any) -> None:
        self.ctx = ctx
        self.options = options

    def report(
        self,
        node: cst.CSTNode,
        *,
        message: str | None = None,
        severity: Severity | None = None,
        condition: TaskCondition | None = None,
        fix: Fix | NodeFix | None = None,
        **args: object,
    ) -> None:
        text = message if message is not None else self.message.format(**args)
        self.ctx.add_finding(self.code, node, text, severity or self.severity, condition, fix)

    def fix(
        self,
        replacements: Mapping[cst.CSTNode, Replacement],
        message: str,
        safety: FixSafety | None = None,
    ) -> NodeFix:
        """A fix for ``report(..., fix=...)``: each node of this file's tree maps to its
        replacement node, ``cst.RemoveFromParent()``, or ``cst.FlattenSentinel([...])``
        (several nodes in its place, e.g. a new statement before it). ``message`` says what
        the fix does ("Add `bind=True`"); ``safety`` defaults to the rule's ``fix_safety``.
        The engine turns it into minimal text edits; nothing outside the replaced nodes
        changes."""
        return NodeFix(message, safety or self.fix_safety, tuple(replacements.items()))


@dataclass(frozen=True, slots=True)
class Finding:
    """A project rule's result: where, and the message arguments."""

    path: str
    span: Span
    args: Mapping[str, object] = field(default_factory=dict)
    message: str | None = None
    severity: Severity | None = None
    fix: Fix | None = None


class ProjectRule(Rule):
    """A rule over the project index (phase 2): a pure function of the facts."""

    project = True

    def __init__(self, options: Any) -> None:
        self.options = options

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        raise NotImplementedError
