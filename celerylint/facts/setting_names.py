"""Where legacy setting names are written, down to the name itself (for rename fixes).

The configuration facts (``facts/config_collect.py``) locate a setting write by its
statement (``CELERYD_CONCURRENCY = 8``), keyword argument or dict entry. Renaming it to the
name Celery 5 reads (CEL804, CEL507) needs the span of the name alone, and whether the
module reads the old name somewhere else (then the rename is not safe). This collector
records both for every write of a name in Celery's old-to-new map, keyed by the span the
configuration facts use, so that phase 2 can build the text edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.factdata import SettingNameFact
from celerylint.kit.context import FileContext
from celerylint.kit.cst_walk import visit_read_only
from celerylint.kit.values import string_value
from celerylint.semantics.config_names import OLD_TO_NEW

_CALLS = frozenset({"update"})


def _conf_owner(node: cst.BaseExpression) -> bool:
    """``x.conf`` (an app's configuration), as the configuration facts read it."""
    return isinstance(node, cst.Attribute) and node.attr.value == "conf"


class _Reads(cst.CSTVisitor):
    """How often each name is read (not written) in the module."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.reads: dict[str, int] = {}

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return not isinstance(node.target, cst.Name)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        visit_read_only(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        visit_read_only(node.value, self)
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        visit_read_only(node.annotation, self)
        if node.value is not None:
            visit_read_only(node.value, self)
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and node.target.value in self.names:
            # ``X += [...]`` reads X too, but it is a write of the same setting: renamed
            # together with the assignment, so it does not count as a reader
            self.reads[node.target.value] = self.reads.get(node.target.value, 0) - 1

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.reads[node.value] = self.reads.get(node.value, 0) + 1


class SettingNameCollector:
    """Fills ``ModuleFacts.setting_names`` (only where a legacy name is written)."""

    code = "facts"

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._found: list[tuple[str, cst.CSTNode, cst.CSTNode, str]] = []
        self._reads: dict[str, int] = {}
        self._inherited: tuple[str, ...] = ()

    def _at_config_level(self) -> bool:
        ctx = self.ctx
        return not ctx.functions and len(ctx.classes) <= 1

    def _name(self, name: str, site: cst.CSTNode, node: cst.CSTNode, quote: str = "") -> None:
        if name in OLD_TO_NEW:
            self.ctx.want_position(site)
            self.ctx.want_position(node)
            self._found.append((name, site, node, quote))

    # -- ``NAME = value`` / ``app.conf.NAME = value`` --------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self._at_config_level():
            return
        for target in node.targets:
            self._target(target.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._at_config_level() and node.value is not None:
            self._target(node.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._at_config_level() and isinstance(node.target, cst.Name):
            self._name(node.target.value, node, node.target)

    def _target(self, target: cst.BaseExpression, site: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._name(target.value, site, target)
        elif isinstance(target, cst.Attribute) and _conf_owner(target.value):
            self._name(target.attr.value, site, target.attr)

    # -- ``app.conf.update(NAME=...)``, ``.update({"NAME": ...})``, ``Celery(NAME=...)`` ----

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        is_update = (
            isinstance(func, cst.Attribute)
            and func.attr.value in _CALLS
            and _conf_owner(func.value)
        )
        if not is_update:
            last = func.value if isinstance(func, cst.Name) else None
            if isinstance(func, cst.Attribute):
                last = func.attr.value
            if last is None or "Celery" not in last or not _is_celery(self.ctx.resolve(func)):
                return
        for arg in node.args:
            if arg.keyword is not None:
                self._name(arg.keyword.value, arg, arg.keyword)
            elif is_update and not arg.star and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    key = element.key if isinstance(element, cst.DictElement) else None
                    name = string_value(key) if isinstance(key, cst.SimpleString) else None
                    if isinstance(key, cst.SimpleString) and isinstance(name, str):
                        self._name(name, element, key, key.prefix + key.quote)

    # -- result -----------------------------------------------------------------------------

    def leave_Module(self, node: cst.Module) -> None:
        written = frozenset(name for name, _, _, _ in self._found)
        if written:
            reads = _Reads(written)
            visit_read_only(node, reads)
            self._reads = reads.reads
        if self.ctx.resolver.has_star_import:
            # ``from .base import *`` then ``if CELERY_ALWAYS_EAGER:``: a reader of a name
            # another module writes, which a rename there would break
            others = _Reads(frozenset(OLD_TO_NEW) - written)
            visit_read_only(node, others)
            self._inherited = tuple(sorted(n for n, count in others.reads.items() if count > 0))

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self._inherited:
            fields["setting_name_reads"] = self._inherited
        if self._found and span_of is not None:
            fields["setting_names"] = tuple(
                SettingNameFact(
                    name, span_of(site), span_of(node), quote, max(self._reads.get(name, 0), 0)
                )
                for name, site, node, quote in self._found
            )
        return fields


def _is_celery(ref: str | None) -> bool:
    return ref is not None and "Celery" in ref.rsplit(".", 1)[-1]
