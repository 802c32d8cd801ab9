"""The fact collectors that run in every file's traversal.

A collector is a visitor (``visit_<Node>``/``leave_<Node>`` hooks, reading ``ctx``) with
``finish(span_of) -> dict`` returning values for ``ModuleFacts`` fields. To gather a new
kind of fact: add fields (with defaults) to ``ModuleFacts`` and a collector class here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import libcst as cst

from celerylint.diagnostics import Span
from celerylint.facts.atomic_requests import AtomicRequestsCollector
from celerylint.facts.calling import CallingCollector
from celerylint.facts.celery_tasks import TaskFactoryCollector
from celerylint.facts.config_collect import ConfigCollector
from celerylint.facts.django_hooks import DjangoHookCollector
from celerylint.facts.extract import FactCollector
from celerylint.facts.import_moves import ImportMoveCollector
from celerylint.facts.module_end import ModuleEndCollector
from celerylint.facts.on_commit import OnCommitFixCollector
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
    RuntimeImportCollector,
    TaskFactoryCollector,
    TransactionCollector,
    SqlalchemyRefCollector,
    CallingCollector,
    ImportMoveCollector,
    OnCommitFixCollector,
    DjangoHookCollector,
    AtomicRequestsCollector,
    SettingNameCollector,
    TaskReturnCollector,
    ModuleEndCollector,
]
