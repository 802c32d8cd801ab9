"""Which files need a full parse, and which can be skipped with light facts.

What each rule family and fact collector needs, written down (the prefilter is derived
from this; ``tests/test_prefilter.py`` proves that enabling it never changes the output
on the fixture projects, the rule examples and the example project):

| who | needs to see |
|---|---|
| fact collector: tasks, apps, aliases | files that import celery (`celery`), or that import from a module that defines an app, a task, a decorator alias or wrapper (promotion, below) |
| fact collector: settings / config model | Django settings modules (`settings`/`envs` packages, `settings*.py`), config modules (`celeryconfig`, `config_from_object` targets), anything naming `CELERY_*`/`BROKER_*`, `DJANGO_SETTINGS_MODULE`, statements assigning or editing `INSTALLED_APPS` |
| fact collector: call sites, results, canvas | `.delay`, `apply_async`, `send_task`, `signature`, `AsyncResult`, `.s(`/`.si(`, `chord`/`group`/`chain` come from celery imports or task objects |
| CEL0xx | CEL000: every file is read and decoded; only analysed files are parsed, so a syntax error is reported for files that can matter to Celery. CEL001: `noqa` comments, read in light files too |
| CEL1xx | imports of models modules (always analysed), package `__init__` modules, tasks, `AppConfig.ready()` imports (`apps` modules), loading by name (`import_module`, `import_string`, ...) |
| CEL2xx, CEL3xx, CEL509 | task bodies and options (task files), `transaction.atomic` blocks around dispatches (`.delay`/`apply_async`), `select_for_update`, model signals connected with `<signal>.connect(...)`; and, by promotion, the modules analysed code refers to for options and transactions: literal `**OPTIONS` dicts, `base=` classes, context managers and decorators that may wrap `transaction.atomic`, the base classes of classes whose `save()`/`delete()` dispatch, the modules defining what a SQLAlchemy `with <x>.begin():` around a dispatch is called on, and what SQLAlchemy queries (`db.get_or_404()`, `session.get()`, `Model.query`) and `db.Model` bases name (`_task_references`) |
| CEL4xx, CEL511 | settings (above), `send_task`/`signature` strings, `crontab` |
| CEL5xx, CEL7xx, CEL804, CEL807 | settings (above) |
| CEL6xx | task calls and results (above), `kombu` JSON customisations (`register_type`) and `__json__` methods; for CEL602, the modules defining the view base classes and Flask/FastAPI app objects of functions that wait for results (promoted) |
| CEL8xx | `celery.task`/`djcelery` imports, settings |

A skipped file still contributes light facts (load-time imports, module-level names) read
by regular expressions, so import chains (CEL102) and re-exports keep working. After phase
1, light files that import from a Celery-relevant module, or that the configuration
refers to as settings, are promoted and analysed in full (a few rounds at most).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from celerylint.factdata import ModuleFacts
from celerylint.kit.values import Ref
from celerylint.project.handlers import handler_modules
from celerylint.project.index import ProjectIndex
from celerylint.semantics.django import is_models_module
from celerylint.semantics.tasks import is_app_task_ref

NEEDLES: tuple[bytes, ...] = (
    b"celery",
    b"Celery",
    b"CELERY",
    b"BROKER",
    b"broker_",
    b"result_backend",
    b"DJANGO_SETTINGS_MODULE",
    b".delay",
    b"apply_async",
    b"send_task",
    b"select_for_update",
    # kombu's JSON encoder taught new types, or classes it encodes with ``__json__()``:
    # CEL610 stays quiet then
    b"register_type",
    b"kombu",
    b"__json__",
    # ``post_save.connect(receiver)``: a receiver elsewhere may dispatch tasks (CEL310)
    b"_save.connect",
    b"_delete.connect",
    b"m2m_changed.connect",
    # loading modules by name: what the worker and Django load stops being knowable
    # (CEL103/CEL104 stay quiet), so these files' runtime-import facts must exist
    b"import_module",
    b"import_string",
    b"autodiscover_modules",
    b"symbol_by_name",
    b"__import__",
)
#: a settings module assigns or edits ``INSTALLED_APPS`` as a statement (at the start of a
#: line, also after a lone CR line ending, or after ``;``/``:``);
#: ``@override_settings(INSTALLED_APPS=...)`` in a test does not make a module a settings module
_INSTALLED_APPS = re.compile(rb"(?:^|[;:\r])[ \t]*INSTALLED_APPS\b", re.MULTILINE)

_PATH_PARTS = frozenset({"settings", "envs", "config"})
#: ``apps``: ``AppConfig.ready()`` imports register tasks (CEL104)
_PATH_STEMS = frozenset({"wsgi", "asgi", "manage", "conftest", "apps"})
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def analyse_in_full(data: bytes, module: str, is_package: bool = False) -> bool:
    """True when a file may contribute a finding or a fact beyond its imports."""
    parts = module.split(".")
    stem = parts[-1] if parts else ""
    if (
        stem in _PATH_STEMS
        or "celery" in stem
        or "settings" in stem
        or any(p in _PATH_PARTS for p in parts)
    ):
        return True
    if any(needle in data for needle in NEEDLES):  # bytes search: faster than one regex
        return True
    return b"INSTALLED_APPS" in data and _INSTALLED_APPS.search(data) is not None


def _relevant_modules(index: ProjectIndex) -> set[str]:
    """Modules whose names, imported elsewhere, make that other file matter to Celery."""
    relevant = set(index.task_modules)
    for app in index.apps:
        module, _ = index.split_module(app)
        if module is not None:
            relevant.add(module)
    for ref in (*index.task_classes, *index.app_classes, *index.task_finder.task_factories):
        module, _ = index.split_module(ref)
        if module is not None:
            relevant.add(module)
    for facts in index.modules.values():
        if facts.module not in relevant and any(
            _may_become_task(index, task.decorator) for task in facts.tasks
        ):
            relevant.add(facts.module)
        for assignment in facts.assignments:
            if index.task_finder.decorator_options(f"{facts.module}.{assignment.name}")[0]:
                relevant.add(facts.module)
                break
    return relevant


def _may_become_task(index: ProjectIndex, decorator: str) -> bool:
    """Whether a function under ``decorator`` that the index does not confirm as a task
    may still become one once more files are analysed: its decorator is a task alias or
    wrapper whose own decorator is not confirmed yet, or ``<x>.task`` on an ``x`` not known
    as an app yet. A decorator defined in a light file is looked at again once that file
    is promoted; one from outside the project, or a project function or class that applies
    no task decorator (``cached_property``), never makes a task."""
    resolved = index.resolve(decorator)
    return resolved in index.task_finder.task_factories or is_app_task_ref(resolved)


def _settings_like(module: str) -> bool:
    parts = module.split(".")
    stem = parts[-1]
    return "settings" in stem or "celery" in stem or any(p in _PATH_PARTS for p in parts)


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _strings(item)
    else:
        for attr in ("items", "args"):
            inner = getattr(value, attr, None)
            if isinstance(inner, tuple):
                yield from _strings(inner)
        kwargs = getattr(value, "kwargs", None)
        if isinstance(kwargs, tuple):
            for _, item in kwargs:
                yield from _strings(item)


def _settings_references(index: ProjectIndex) -> set[str]:
    """Modules the analysed code names: settings modules, config objects, routers named
    by dotted strings (``"proj.routers.route_task"``), modules whose UPPERCASE constants
    it imports (``from proj.routing import ROUTES``), and their star-imported bases."""
    named: set[str] = set()
    for facts in index.modules.values():
        if not _settings_like(facts.module):
            continue
        for imp in facts.imports:
            if imp.name and imp.name.isupper():
                named.add(imp.target)
        for assignment in facts.assignments:
            for text in _strings(assignment.value):
                if _DOTTED.fullmatch(text):
                    module, _ = index.split_module(text)
                    if module is not None:
                        named.add(module)
    for facts in index.modules.values():
        for env in getattr(facts, "env_defaults", ()):
            if env.var == "DJANGO_SETTINGS_MODULE" and isinstance(env.value, str):
                named.add(env.value)
        for call in facts.app_calls:
            if call.method == "config_from_object" and call.args and isinstance(call.args[0], str):
                named.add(call.args[0].split(":", 1)[0])
    return named


def _task_references(index: ProjectIndex) -> set[str]:
    """Modules that define what analysed code uses as task options or transactions: a
    literal ``**OPTIONS`` dict, a ``base=`` class, a context manager or decorator around a
    dispatch or a ``select_for_update()`` that may open ``transaction.atomic``."""
    refs: set[str] = set()
    for facts in index.modules.values():
        for task in facts.tasks:
            refs.update(s.name for s in task.spreads if isinstance(s, Ref))
            refs.update(o.value.name for o in task.options if isinstance(o.value, Ref))
        for factory in facts.task_factories:
            refs.update(s.name for s in factory.spreads if isinstance(s, Ref))
            refs.update(o.value.name for o in factory.options if isinstance(o.value, Ref))
        for call in facts.tx_calls:
            refs.update(call.candidates)
            # what a SQLAlchemy ``begin()`` is called on: ``db`` of ``db.session.begin()``
            refs.update(path.split("(", 1)[0] for path, _ in call.sqlalchemy)
        for lock in facts.locks:
            refs.update(lock.candidates)
        # what SQLAlchemy queries are called on, ``db`` of ``db.Model`` (CEL302)
        refs.update(facts.sqlalchemy_refs)
        for hook in facts.hook_dispatches:
            refs.update(hook.owner_bases)  # is the class a model (CEL310)?
        if is_models_module(facts.module):  # a SQLAlchemy declarative base (CEL101/CEL102)?
            refs.update(base for cls in facts.classes for base in cls.bases)
    modules: set[str] = set()
    for ref in refs:
        module, _ = index.split_module(index.resolve(ref))
        if module is not None:
            modules.add(module)
    return modules


def _reaching(index: ProjectIndex, goal: frozenset[str]) -> frozenset[str]:
    """Modules that reach a module in ``goal`` through load-time imports: one backward
    search over the import graph instead of a forward search per models module."""
    importers: dict[str, list[str]] = {}
    for module, targets in index.imports.load_graph.items():
        for target in targets:
            importers.setdefault(target, []).append(module)
    seen: set[str] = set()
    frontier = [m for m in goal if m in importers]
    while frontier:
        current = frontier.pop()
        for importer in importers.get(current, ()):
            if importer not in seen:
                seen.add(importer)
                frontier.append(importer)
    return frozenset(seen)


def to_promote(index: ProjectIndex, light: Iterable[ModuleFacts]) -> list[str]:
    """Paths of light files that turn out to matter, given what the analysed files say."""
    light = list(light)
    if not light:
        return []
    relevant = _relevant_modules(index)
    named = _settings_references(index) | handler_modules(index) | _task_references(index)
    # a named settings module's star-imported bases matter too
    frontier = list(named)
    while frontier:
        facts = index.modules.get(frontier.pop())
        if facts is None:
            continue
        for imp in facts.imports:
            if imp.name == "*" and imp.target not in named:
                named.add(imp.target)
                frontier.append(imp.target)
    # models modules that reach a task module at load time (CEL101/CEL102 report at their
    # imports), and the packages of Celery apps (CEL103 reads and fixes them)
    tasks = index.task_modules
    for app in index.apps:
        module, _ = index.split_module(app)
        if module is not None and "." in module:
            named.add(module.rsplit(".", 1)[0])
    reaching: frozenset[str] | None = None  # computed when a light models module needs it
    out: list[str] = []
    for facts in light:
        if facts.module in named:
            out.append(facts.path)
            continue
        if any(
            name in relevant or name.rpartition(".")[0] in relevant for name in facts.maybe_imports
        ):
            out.append(facts.path)  # an import in a branch the regex scan cannot place
            continue
        if is_models_module(facts.module) and (
            any(name in tasks for name in facts.maybe_imports)
            or facts.module in (reaching := reaching or _reaching(index, tasks))
        ):
            out.append(facts.path)
            continue
        for imp in facts.imports:
            target = imp.target if imp.name in (None, "*") else f"{imp.target}.{imp.name}"
            if (
                imp.target in relevant
                or target in relevant
                or index.resolve(target).rpartition(".")[0] in relevant
            ):
                out.append(facts.path)
                break
    return out
