"""The fact collectors that run in every file's traversal.

A collector is a visitor (``visit_<Node>``/``leave_<Node>`` hooks, reading ``ctx``) with
``finish(span_of) -> dict`` returning values for ``ModuleFacts`` fields: the facts several
rules share. Phase-1 work only one rule needs is that rule's own (``Rule.collector``, in
the rule's module; ``facts.rule_data(code)`` in phase 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.facts.app_factories import AppFactoryCollector
from celerylint.facts.atomic_requests import AtomicRequestsCollector
from celerylint.facts.calling import CallingCollector
from celerylint.facts.celery_tasks import TaskFactoryCollector
from celerylint.facts.config_collect import ConfigCollector
from celerylint.facts.django_hooks import DjangoHookCollector
from celerylint.facts.extract import FactCollector
from celerylint.facts.result_uses import ResultUseCollector
from celerylint.facts.retries import RetryCollector
from celerylint.facts.routing_collect import RoutingCollector
from celerylint.facts.runtime_imports import RuntimeImportCollector
from celerylint.facts.setting_names import SettingNameCollector
from celerylint.facts.sqlalchemy_collect import SqlalchemyRefCollector
from celerylint.facts.task_returns import TaskReturnCollector
from celerylint.facts.transactions import TransactionCollector
from celerylint.kit.context import FileContext


class Collector(Protocol):
    code: str

    def finish(self, span_of: Callable[[cst.CSTNode], Span] | None) -> dict[str, Any]: ...


COLLECTORS: list[Callable[[FileContext], Collector]] = [
    FactCollector,
    RoutingCollector,
    ConfigCollector,
    AppFactoryCollector,
    ResultUseCollector,
    RetryCollector,
    RuntimeImportCollector,
    TaskFactoryCollector,
    TransactionCollector,
    SqlalchemyRefCollector,
    CallingCollector,
    DjangoHookCollector,
    AtomicRequestsCollector,
    SettingNameCollector,
    TaskReturnCollector,
]
