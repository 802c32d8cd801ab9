"""What a models module (Django's, or one defining SQLAlchemy / Flask-SQLAlchemy models)
pulls in at load time: shared by CEL101 and CEL102.

A *target* is a module that defines Celery tasks according to the project index (not a
file named ``tasks.py``), except the module that creates the Celery app (models may
import the app to call ``app.send_task()``, the documented way around the cycle, even
when that module also holds a ``debug_task``) and models modules themselves (a models
module that defines a task is still the models layer: models importing sibling models,
their base classes or a package's re-exports are not "models importing tasks").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from celerylint.factdata import ImportFact, ModuleFacts
from celerylint.kit.values import CallValue
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import Task
from celerylint.semantics.django import is_models_module
from celerylint.semantics.sqlalchemy_orm import DECLARATIVE_BASES, DECLARATIVE_FACTORIES


@dataclass(frozen=True, slots=True)
class TaskImport:
    """A models module's import statement that loads a target directly."""

    module: str  # the task module loaded
    task: Task | None  # the task imported by name, if the statement names one


def targets(index: ProjectIndex) -> frozenset[str]:
    """Modules whose job is tasks: a models module that also defines a task is a models
    module (models importing models, a sibling's base class, a package re-exporting its
    submodules are the models layer itself)."""
    return frozenset(m for m in index.task_modules - index.app_modules if not is_models_module(m))


#: third-party model bases that do not end in ``Model`` (Django's user models)
_MODEL_BASE_PREFIXES = ("django.db.models.", "django.contrib.")


def _external_model_base(ref: str) -> bool:
    """A base class outside the project that makes an ORM model: Django's
    ``models.Model`` and its abstract users, or any ``...Model`` (``db.Model`` of
    Flask-SQLAlchemy, ``PolymorphicModel``, ``TimeStampedModel``, Flask-AppBuilder's)."""
    last = ref.rsplit(".", 1)[-1]
    if last.endswith("Model"):
        return True
    return ref.startswith(_MODEL_BASE_PREFIXES) and ".models." in ref + "."


def model_packages(index: ProjectIndex) -> frozenset[str]:
    """The ``<app>.models`` modules and packages that define ORM models: a module-level
    class in them (or in a module of the package) derives from a model base, directly or
    through classes of models modules. A module merely named ``models`` (a command that exports
    "models", a document schema of another framework) is not the models layer."""
    classes = {
        f"{facts.module}.{cls.name}": cls.bases
        for facts in index.modules.values()
        if is_models_module(facts.module)
        for cls in facts.classes
    }
    memo: dict[str, bool] = {}

    def is_model(qualname: str, depth: int = 0) -> bool:
        if qualname in memo:
            return memo[qualname]
        memo[qualname] = False  # a cycle of bases is not a model
        found = False
        for base in classes.get(qualname, ()):
            resolved = index.resolve(base)
            if resolved in classes:
                found = depth < 20 and is_model(resolved, depth + 1)
            elif _project_name(index, resolved):
                # a project class outside the models layer is no model base, unless it is
                # a SQLAlchemy declarative base (``Base = declarative_base()`` ...)
                found = _declarative_base(index, resolved)
            else:
                found = _external_model_base(resolved) or resolved in DECLARATIVE_BASES
            if found:
                break
        memo[qualname] = found
        return found

    packages: set[str] = set()
    for qualname in classes:
        module = qualname.rsplit(".", 1)[0]
        if is_models_module(module) and is_model(qualname):
            packages.add(_models_root(module))
    return frozenset(packages)


def _uses_django(index: ProjectIndex) -> bool:
    """A Django project: Django imports every app's ``models`` module at start-up, so a
    module named ``models`` is the models layer whatever it holds. Elsewhere (Flask, Eve,
    plain Python) the name alone says nothing: only modules that define ORM models count."""
    return any(
        fact.target == "django" or fact.target.startswith("django.")
        for facts in index.modules.values()
        for fact in facts.imports
    )  # not ``INSTALLED_APPS``: other frameworks (Superdesk's Eve apps) use that name too


def _project_name(index: ProjectIndex, ref: str) -> bool:
    """``ref`` names something a project module defines (``proj.base.Timestamped``), not
    an attribute of a project object (``proj.db.Model`` of Flask-SQLAlchemy). Only classes
    of models modules are followed: the prefilter always reads those in full, so the answer
    is the same with and without it."""
    module, rest = index.split_module(ref)
    return module is not None and bool(rest) and "." not in rest


def _declarative_base(index: ProjectIndex, ref: str) -> bool:
    """``Base = declarative_base()`` or ``class Base(DeclarativeBase)`` in a project module
    (the prefilter reads the modules the bases of models modules' classes name in full)."""
    found = index.assignment(ref)
    if found is not None and isinstance(found.value, CallValue):
        return index.resolve(found.value.func) in DECLARATIVE_FACTORIES
    module, rest = index.split_module(ref)
    if module is None:
        return False
    return any(
        index.resolve(base) in DECLARATIVE_BASES
        for cls in index.modules[module].classes
        if cls.name == rest
        for base in cls.bases
    )


def _models_root(module: str) -> str:
    """``shop.models`` for ``shop.models`` and for ``shop.models.order``."""
    parts = module.split(".")
    return module if parts[-1] == "models" else ".".join(parts[:-1])


def models_imports(index: ProjectIndex) -> Iterator[tuple[ModuleFacts, ImportFact]]:
    """Load-time import statements of every models module (one fact per statement)."""
    django = _uses_django(index)
    layers = frozenset() if django else model_packages(index)
    for facts in index.by_path.values():
        if not is_models_module(facts.module):
            continue
        if not django and _models_root(facts.module) not in layers:
            continue
        seen: set[object] = set()
        for fact in facts.imports:
            if fact.load_time and fact.span is not None and fact.span not in seen:
                seen.add(fact.span)
                yield facts, fact


def statement_facts(facts: ModuleFacts, first: ImportFact) -> list[ImportFact]:
    """Every name imported by the statement that ``first`` belongs to."""
    return [f for f in facts.imports if f.span == first.span]


def direct_task_import(
    index: ProjectIndex, facts: ModuleFacts, statement: list[ImportFact], goal: frozenset[str]
) -> TaskImport | None:
    """The target one import statement loads or takes a name from, if any."""
    module = facts.module
    for fact in statement:
        if fact.name not in (None, "*"):
            task = index.task_at(f"{fact.target}.{fact.name}")
            if task is not None and task.module != module and task.module in goal:
                return TaskImport(task.module, task)
    for fact in statement:
        for loaded in index.imports.modules_loaded_by(module, fact.target, fact.name):
            if loaded in goal:
                return TaskImport(loaded, None)
        symbol = index.imports.imported_symbol_module(fact)
        if symbol is not None and symbol in goal and symbol != module:
            return TaskImport(symbol, None)
    return None


def cycle_back(index: ProjectIndex, task_module: str, models_module: str) -> list[str] | None:
    """The load-time chain from the task module back to the models module, if any."""
    return index.imports.shortest_import_path(task_module, {models_module})
