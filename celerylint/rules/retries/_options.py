"""Helpers shared by the option rules (CEL204-CEL207, CEL509): where an option is written,
and how to read exception tuples. The index decides what the options are
(``ProjectIndex.option_sites``, ``Task.options``/``Task.origins``)."""

from __future__ import annotations

from celerylint.diagnostics import NO_SPAN, Span
from celerylint.factdata import OptionFact
from celerylint.kit.values import ListValue, Ref, Value
from celerylint.project.index import ProjectIndex
from celerylint.project.task_model import OptionSite, Task

_KIND_TEXT = {
    "decorator": "the decorator of",
    "alias": "the decorator alias",
    "wrapper": "the task wrapper",
    "class": "the task class",
    "dict": "the options dict",
}


def holder_text(kind: str, holder: str) -> str:
    """``the decorator alias `proj.options.retrying```, for messages."""
    return f"{_KIND_TEXT.get(kind, kind)} `{holder}`"


def span_of(option: OptionFact, site: OptionSite) -> Span:
    return option.span or site.span or NO_SPAN


def origin_span(task: Task, option: str) -> tuple[str, Span]:
    """Where a task's effective ``option`` was written (its decorator if unknown)."""
    origin = task.origins.get(option)
    if origin is not None and origin.span is not None:
        return origin.path, origin.span
    return task.path, task.fact.decorator_span or task.fact.span or NO_SPAN


def exception_refs(index: ProjectIndex, value: Value) -> list[str] | None:
    """Resolved classes of an ``autoretry_for`` value (a tuple, list or one class); None
    when an element cannot be read."""
    value = index.literal(value)
    items: tuple[Value, ...]
    if isinstance(value, tuple):
        items = value
    elif isinstance(value, ListValue):
        items = value.items
    elif isinstance(value, Ref):
        items = (value,)
    else:
        return None
    refs: list[str] = []
    for item in items:
        item = index.literal(item)
        if isinstance(item, Ref):
            refs.append(index.resolve(item.name))
        elif isinstance(item, tuple | ListValue):
            nested = exception_refs(index, item)
            if nested is None:
                return None
            refs.extend(nested)
        else:
            return None
    return refs
