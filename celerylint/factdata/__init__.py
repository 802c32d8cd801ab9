"""Per-module facts: frozen, plain data (picklable, cacheable, never CST nodes).

``ModuleFacts`` holds what phase 1 found in one module; the facts it is made of live in
the modules of this package by subject and are all importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celerylint.factdata.calling import (
    ChordFact,
    HandlerHint,
    ResultByIdFact,
    ResultReadFact,
    ResultSource,
    SignatureFact,
    TaskReturnFact,
)
from celerylint.factdata.config import (
    LOCAL_RECEIVER,
    SELF_RECEIVER,
    AppFactoryFact,
    ConfWriteFact,
    DatabasesWriteFact,
    EnvDefaultFact,
    ResultUseFact,
    RetryFact,
    SettingFact,
    SettingNameFact,
)
from celerylint.factdata.core import (
    AppCallFact,
    AssignmentFact,
    CallSiteFact,
    ClassFact,
    ClassMembersFact,
    ImportFact,
    OptionFact,
    ParamFact,
    RuntimeImportFact,
    TaskFact,
    TaskFactoryFact,
)
from celerylint.factdata.edits import (
    FixFact,
    ImportMoveFact,
    ModuleEndFact,
)
from celerylint.factdata.routing import (
    RouterBranch,
    RouterFunctionFact,
    RoutingLiteralFact,
    TaskNameRefFact,
)
from celerylint.factdata.transactions import (
    HookDispatchFact,
    LockFact,
    SignalConnectFact,
    TxCallFact,
)
from celerylint.pickling import fast_pickling

__all__ = [
    "LOCAL_RECEIVER",
    "SELF_RECEIVER",
    "AppCallFact",
    "AppFactoryFact",
    "AssignmentFact",
    "CallSiteFact",
    "ChordFact",
    "ClassFact",
    "ClassMembersFact",
    "ConfWriteFact",
    "DatabasesWriteFact",
    "EnvDefaultFact",
    "FixFact",
    "HandlerHint",
    "HookDispatchFact",
    "ImportFact",
    "ImportMoveFact",
    "LockFact",
    "ModuleEndFact",
    "ModuleFacts",
    "OptionFact",
    "ParamFact",
    "ResultByIdFact",
    "ResultReadFact",
    "ResultSource",
    "ResultUseFact",
    "RetryFact",
    "RouterBranch",
    "RouterFunctionFact",
    "RoutingLiteralFact",
    "RuntimeImportFact",
    "SettingFact",
    "SettingNameFact",
    "SignalConnectFact",
    "SignatureFact",
    "TaskFact",
    "TaskFactoryFact",
    "TaskNameRefFact",
    "TaskReturnFact",
    "TxCallFact",
]


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    imports: tuple[ImportFact, ...] = ()
    tasks: tuple[TaskFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    assignments: tuple[AssignmentFact, ...] = ()
    app_calls: tuple[AppCallFact, ...] = ()
    call_sites: tuple[CallSiteFact, ...] = ()
    defines: tuple[str, ...] = ()  # module-level names bound by def/class/assignment
    #: what the names a module passes on as values refer to (call arguments, returned,
    #: yielded and assigned values): an app found here may be configured elsewhere
    value_refs: tuple[str, ...] = ()
    #: light facts only: modules named by indented imports (in ``if``/``try``/``else``
    #: branches or functions), which the regex scan cannot place; used to promote a file
    maybe_imports: tuple[str, ...] = ()
    # routing literals and task names in strings (facts/routing_collect.py)
    routing_literals: tuple[RoutingLiteralFact, ...] = ()
    task_name_refs: tuple[TaskNameRefFact, ...] = ()
    router_functions: tuple[RouterFunctionFact, ...] = ()
    # configuration (facts/config_collect.py; read through project/config_model.py)
    setting_writes: tuple[SettingFact, ...] = ()
    conf_writes: tuple[ConfWriteFact, ...] = ()
    env_defaults: tuple[EnvDefaultFact, ...] = ()
    setting_reads: tuple[str, ...] = ()  # ``settings.X``/``getattr(settings, "X")``/``app.conf.X``
    result_uses: tuple[ResultUseFact, ...] = ()  # facts/result_uses.py
    retries: tuple[RetryFact, ...] = ()  # facts/retries.py
    #: the module installs an app's Task class (``app.Task = X``, ``Task = X`` or
    #: ``task_cls = X`` in a class body): tasks may have a base we do not see
    replaces_app_task: bool = False
    #: module-level functions returning a local bound to a call (``AppFactoryFact``,
    #: facts/app_factories.py)
    app_factories: tuple[AppFactoryFact, ...] = ()
    # imports in function bodies and by-name loading (facts/runtime_imports.py)
    runtime_imports: tuple[RuntimeImportFact, ...] = ()
    # tasks and transactions (facts/celery_tasks.py, facts/transactions.py)
    task_factories: tuple[TaskFactoryFact, ...] = ()
    class_members: tuple[ClassMembersFact, ...] = ()
    atomic_functions: tuple[str, ...] = ()  # module-level functions that enter ``atomic``
    tx_calls: tuple[TxCallFact, ...] = ()
    locks: tuple[LockFact, ...] = ()
    #: project objects SQLAlchemy queries are called on (facts/sqlalchemy_collect.py)
    sqlalchemy_refs: tuple[str, ...] = ()
    # task results, canvases (facts/calling.py)
    result_reads: tuple[ResultReadFact, ...] = ()
    signatures: tuple[SignatureFact, ...] = ()
    chords: tuple[ChordFact, ...] = ()
    # task return values JSON cannot encode, rebuilt results, kombu JSON customisations
    # (facts/task_returns.py, facts/calling.py)
    task_returns: tuple[TaskReturnFact, ...] = ()
    results_by_id: tuple[ResultByIdFact, ...] = ()
    json_customized: bool = False  # ``kombu.utils.json.register_type`` & co. are called
    # where legacy setting names are written, and read through star imports
    # (facts/setting_names.py)
    setting_names: tuple[SettingNameFact, ...] = ()
    setting_name_reads: tuple[str, ...] = ()
    # task dispatches in model signal receivers and save()/delete() (facts/django_hooks.py)
    hook_dispatches: tuple[HookDispatchFact, ...] = ()
    signal_connects: tuple[SignalConnectFact, ...] = ()
    hook_fixes: tuple[FixFact, ...] = ()
    databases_writes: tuple[DatabasesWriteFact, ...] = ()  # facts/atomic_requests.py
    #: what enabled rules' own collectors gathered (``Rule.collector``), by rule code
    rule_facts: tuple[tuple[str, Any], ...] = ()
    #: the first line that builds a ``celery worker`` command (semantics/worker_launch.py),
    #: full and light facts alike: the project phase need not read the file again
    worker_launch: int | None = None

    def rule_data(self, code: str) -> Any:
        """What rule ``code``'s own collector returned for this module (None: nothing, or
        the rule was not enabled in the run that made these facts)."""
        return next((data for owner, data in self.rule_facts if owner == code), None)


fast_pickling(globals())
