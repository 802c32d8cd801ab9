"""Where task options are written (:class:`OptionSite`): each confirmed task's decorator,
the decorator aliases and wrappers, the literal dicts spread into either, and the bodies of
project ``celery.Task`` subclasses. Option rules check sites, so a value written once is
reported once however many tasks share it. ``ProjectIndex.option_sites`` is
:func:`option_sites`, computed once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from celerylint.factdata import OptionFact
from celerylint.kit.values import Ref
from celerylint.project.task_model import OptionSite, Task
from celerylint.semantics.tasks import LEGACY_TASK_REFS

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


def option_sites(index: ProjectIndex) -> tuple[OptionSite, ...]:
    """Every place a confirmed task's options are written (see ``OptionSite``): the
    decorators, then the aliases and wrappers, the spread dicts and the task classes."""
    by_dict: dict[str, list[Task]] = {}  # dict -> the tasks that spread it, in order
    decorators, by_factory = _decorator_sites(index, by_dict)
    factories = _factory_sites(index, by_factory, by_dict)
    return (*decorators, *factories, *_dict_sites(index, by_dict), *_class_sites(index))


def _decorator_sites(
    index: ProjectIndex, by_dict: dict[str, list[Task]]
) -> tuple[list[OptionSite], dict[str, list[Task]]]:
    """(the decorators of function tasks that write options, the tasks of each alias or
    wrapper); records the dicts each decorator spreads in ``by_dict``."""
    sites: list[OptionSite] = []
    by_factory: dict[str, list[Task]] = {}
    for task in index.tasks:
        if task.kind != "function":
            continue
        facts = index.modules.get(task.module)
        deco = index.task_finder.decorator(task.fact.decorator)
        if deco is None or facts is None:
            continue
        if deco.factory is not None:
            by_factory.setdefault(deco.factory, []).append(task)
        if not deco.forwards:
            continue
        extra = extra_option_names(index, task)
        if index.resolve(task.fact.decorator) in LEGACY_TASK_REFS:
            extra = None  # Celery 3's decorators took options of their own
        sites.append(
            OptionSite(
                "decorator",
                task.qualname,
                task.path,
                task.fact.decorator_span,
                task.fact.options,
                (task,),
                extra,
            )
        )
        for spread in task.fact.spreads:
            _, name = index.spread_dict(spread)
            if name is not None:
                by_dict.setdefault(name, []).append(task)
    return sites, by_factory


def _factory_sites(
    index: ProjectIndex, by_factory: dict[str, list[Task]], by_dict: dict[str, list[Task]]
) -> list[OptionSite]:
    """The confirmed decorator aliases and wrappers; records the dicts each spreads (for
    its users) in ``by_dict``."""
    sites: list[OptionSite] = []
    for qualname, (facts, fact) in index.task_finder.task_factories.items():
        if index.task_finder.decorator(qualname) is None:
            continue
        users = by_factory.get(qualname, [])
        sites.append(
            OptionSite(
                fact.kind,
                qualname,
                facts.path,
                fact.span,
                fact.options,
                tuple(users),
                _union_extra(index, users, fact.options),
            )
        )
        for spread in fact.spreads:
            _, name = index.spread_dict(spread)
            if name is not None:
                by_dict.setdefault(name, []).extend(users)
                by_dict.setdefault(name, [])
    return sites


def _dict_sites(index: ProjectIndex, by_dict: dict[str, list[Task]]) -> list[OptionSite]:
    """The literal module-level dicts spread into a decorator, an alias or a wrapper."""
    sites: list[OptionSite] = []
    for name, users in by_dict.items():
        found, _ = index.spread_dict(Ref(name))
        module, _ = index.split_module(name)
        assignment = index.assignment_at(name)
        if found is None or module is None or assignment is None:
            continue
        options = tuple(OptionFact(str(key), value, assignment.span) for key, value in found.items)
        sites.append(
            OptionSite(
                "dict",
                name,
                index.modules[module].path,
                assignment.span,
                options,
                tuple(users),
                _union_extra(index, users, options),
            )
        )
    return sites


def _class_sites(index: ProjectIndex) -> list[OptionSite]:
    """The bodies of project ``celery.Task`` subclasses (their attributes are options)."""
    sites: list[OptionSite] = []
    for qualname, info in index.task_class_index.infos.items():
        users = [t for t in index.tasks if t.base is info]
        sites.append(
            OptionSite(
                "class",
                qualname,
                info.path,
                info.fact.span,
                info.fact.attributes,
                tuple(users),
                None,
            )
        )
    return sites


def extra_option_names(index: ProjectIndex, task: Task) -> frozenset[str] | None:
    """Names a task's custom base class defines or reads (so a decorator keyword of
    that name is consumed, not a typo); None when the base cannot be seen."""
    if not task.base_known or index.replaces_app_task_class:
        return None
    if task.base is None:
        return frozenset()
    return task.base.members | task.base.reads


def _union_extra(
    index: ProjectIndex, users: Iterable[Task], options: Iterable[OptionFact]
) -> frozenset[str] | None:
    names: set[str] = set()
    any_user = False
    for task in users:
        any_user = True
        extra = extra_option_names(index, task)
        if extra is None:
            return None
        names |= extra
    if not any_user:  # an unused alias: its own ``base=`` decides
        base = next((o.value for o in options if o.name == "base"), None)
        info, known = index.task_class_index.base_class(base)
        if not known or index.replaces_app_task_class:
            return None
        if info is not None:
            names |= info.members | info.reads
    return frozenset(names)
