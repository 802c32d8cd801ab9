"""A rule owns its phase-1 work (``Rule.collector``): the collector runs in the one
traversal while the rule is enabled, its plain data reaches phase 2 under the rule's code
(``ModuleFacts.rule_data``), and a bug in it is that rule's crash, never a lost file."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.engine.file_pass import check_file
from celerylint.kit.context import FileContext
from celerylint.rules import rules_by_code
from celerylint.rules.base import Finding, ProjectRule


class _CountCalls:
    code = "CEL999"

    def __init__(self, ctx: FileContext) -> None:
        self.calls = 0

    def visit_Call(self, node: cst.Call) -> None:
        self.calls += 1

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> int | None:
        return self.calls or None


class _Broken(_CountCalls):
    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> int | None:
        raise RuntimeError("boom")


class _Counting(ProjectRule):
    code = "CEL999"
    name = "counting"
    message = "counted"
    collector = _CountCalls

    def check(self, index: object) -> Iterable[Finding]:
        return ()


class _Crashing(_Counting):
    collector = _Broken


SOURCE = b"from celery import shared_task\n\nprint(1)\nprint(2)\n"


def test_the_collector_s_data_is_stored_under_the_rule_s_code() -> None:
    result = check_file("a.py", SOURCE, "a", False, [(_Counting, None)])
    assert result.facts.rule_data("CEL999") == 2
    assert result.facts.rule_data("CEL301") is None


def test_no_collector_runs_for_a_rule_that_is_not_enabled() -> None:
    result = check_file("a.py", SOURCE, "a", False, [])
    assert result.facts.rule_facts == ()


def test_a_crashing_collector_is_its_rule_s_crash_and_the_file_is_kept() -> None:
    result = check_file("a.py", SOURCE, "a", False, [(_Crashing, None)])
    assert [c.code for c in result.crashes] == ["CEL999"]
    assert result.facts.rule_data("CEL999") is None
    assert result.facts.imports  # the shared facts are all there


def test_single_rule_phase_one_work_lives_with_its_rule() -> None:
    # the fix data only CEL101, CEL103 and CEL301 use is gathered by their own collectors
    for code in ("CEL101", "CEL103", "CEL301"):
        assert rules_by_code()[code].collector is not None, code
