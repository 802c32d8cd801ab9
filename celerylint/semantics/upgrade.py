"""What Celery 5 removed, and what replaces it (the CEL8xx rules).

History cannot be read from the installed celery, so the tables below are written by hand
(from "What's new in 5.0 / 4.0" and Celery 4.4.7's compat modules). What *exists now* is
read from the installed packages (``celery_data``): a rename is offered only when its
target is exported there, and a backend or transport counts as removed only when the
installed celery/kombu cannot load it. ``tests/test_upgrade_semantics.py`` checks both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from celerylint.semantics import celery_data


@dataclass(frozen=True, slots=True)
class RemovedModule:
    module: str
    advice: str  # what to use instead, for the message
    #: 1:1 replacements: imported name -> (new module, new name)
    renames: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: every exported name of this module moved as is to this module
    moved_to: str | None = None
    #: advice for particular names (``periodic_task`` needs a beat entry, not an import)
    name_advice: Mapping[str, str] = field(default_factory=dict)


def _exported(module: str) -> frozenset[str]:
    return frozenset(celery_data.MODULE_EXPORTS.get(module, ()))


_CELERY = _exported("celery")

#: ``celery.task`` re-exported these from ``celery`` (``celery.canvas``) in 4.x
_CANVAS_NAMES = ("group", "chord", "chain", "chunks", "signature", "subtask", "xmap", "xstarmap")

_TASK_RENAMES: dict[str, tuple[str, str]] = {
    "task": ("celery", "shared_task"),
    "Task": ("celery", "Task"),
    "current": ("celery", "current_task"),
    **{name: ("celery", name) for name in _CANVAS_NAMES},
}

_TASK_ADVICE = "use `celery.shared_task` (or `app.task`) and `celery.Task`"
_PERIODIC_ADVICE = {
    "periodic_task": "use `@shared_task` and schedule it in `beat_schedule`",
    "PeriodicTask": "use a `celery.Task` and schedule it in `beat_schedule`",
}

REMOVED_MODULES: dict[str, RemovedModule] = {
    m.module: m
    for m in (
        RemovedModule("celery.task", _TASK_ADVICE, _TASK_RENAMES, name_advice=_PERIODIC_ADVICE),
        RemovedModule(
            "celery.task.base", _TASK_ADVICE, _TASK_RENAMES, name_advice=_PERIODIC_ADVICE
        ),
        RemovedModule(
            "celery.decorators",
            _TASK_ADVICE,
            {"task": ("celery", "shared_task")},
            name_advice=_PERIODIC_ADVICE,
        ),
        RemovedModule(
            "celery.task.control",
            "use the app's `app.control` (`revoke()`, `inspect()`, `purge()`, `broadcast()`)",
        ),
        RemovedModule(
            "celery.task.schedules", "use `celery.schedules`", moved_to="celery.schedules"
        ),
        RemovedModule("celery.task.chords", "use `celery.chord`"),
        RemovedModule(
            "celery.task.sets",
            "use `celery.group` instead of `TaskSet` and `celery.signature` instead of `subtask`",
            {"subtask": ("celery", "signature")},
            name_advice={"TaskSet": "use `celery.group` (its API differs: no `tasks=`)"},
        ),
        RemovedModule("celery.task.http", "call the URL from a task with an HTTP client"),
        RemovedModule("celery.task.trace", "use `celery.app.trace`"),
        RemovedModule(
            "celery.contrib.methods",
            "make the method a module-level task that loads its object (`task_method` is gone)",
        ),
        RemovedModule("celery.five", "use the Python 3 builtins (`str`, `range`, `dict.items`)"),
        RemovedModule(
            "celery.utils.encoding",
            "use `kombu.utils.encoding`",
            moved_to="kombu.utils.encoding",
        ),
    )
}

#: decorators that made periodic tasks (CEL802)
PERIODIC_TASK_DECORATORS = frozenset(
    {
        "celery.task.periodic_task",
        "celery.task.base.periodic_task",
        "celery.decorators.periodic_task",
    }
)
PERIODIC_TASK_CLASSES = frozenset({"celery.task.PeriodicTask", "celery.task.base.PeriodicTask"})
#: what ``periodic_task(...)`` took besides task options (``PeriodicTask`` attributes)
PERIODIC_TASK_OPTIONS = frozenset({"run_every", "relative"})


@dataclass(frozen=True, slots=True)
class RemovedName:
    """A reference into a removed module: what it was, and its 1:1 replacement if any."""

    name: str  # ``celery.task.task`` (or the module itself)
    module: RemovedModule
    replacement: tuple[str, str] | None  # (module, name)

    @property
    def advice(self) -> str:
        if self.replacement is not None:
            module, name = self.replacement
            return f"use `{module}.{name}`"
        return self.module.name_advice.get(self.name.rsplit(".", 1)[1], self.module.advice)


def removed_module_of(ref: str) -> RemovedModule | None:
    """The removed module ``ref`` is (or lies in), longest match first."""
    parts = ref.split(".")
    for i in range(len(parts), 0, -1):
        found = REMOVED_MODULES.get(".".join(parts[:i]))
        if found is not None:
            return found
    return None


def removed_name(module: str, name: str | None) -> RemovedName | None:
    """``from module import name`` (``name`` None for ``import module``) if it refers to
    something Celery 5 removed, with its replacement when there is a 1:1 one."""
    full = f"{module}.{name}" if name else module
    if full in REMOVED_MODULES:
        return RemovedName(full, REMOVED_MODULES[full], None)
    found = removed_module_of(module)
    if found is None:
        return None
    replacement: tuple[str, str] | None = None
    if name and found.module == module:
        target = found.renames.get(name)
        if target is None and found.moved_to is not None:
            target = (found.moved_to, name)
        if target is not None and target[1] in _exported(target[0]):
            replacement = target
    return RemovedName(full, found, replacement)


# -- djcelery (CEL803) ---------------------------------------------------------------------

_DJCELERY_PATH = re.compile(r"djcelery(?:[.:][A-Za-z_]\w*)+")

#: djcelery class paths with a drop-in replacement (``None``: keep the separator style)
_DJCELERY_REPLACEMENTS: dict[str, str] = {
    "djcelery.schedulers.DatabaseScheduler": "django_celery_beat.schedulers{sep}DatabaseScheduler",
    "djcelery.backends.database.DatabaseBackend": "django-db",
    "djcelery.backends.cache.CacheBackend": "django-cache",
}


def is_djcelery_path(value: str) -> bool:
    """``"djcelery.schedulers.DatabaseScheduler"``, ``"djcelery.backends.cache:CacheBackend"``."""
    return _DJCELERY_PATH.fullmatch(value) is not None


def djcelery_replacement(value: str) -> str | None:
    """The string to use instead of a djcelery class path, if there is a drop-in one."""
    sep = ":" if ":" in value else "."
    template = _DJCELERY_REPLACEMENTS.get(value.replace(":", "."))
    return template.format(sep=sep) if template is not None else None


# -- removed result backends and broker transports (CEL806) --------------------------------

_BACKENDS: dict[str, str] = dict(celery_data.RESULT_BACKEND_MODULES)
_TRANSPORTS = frozenset(celery_data.BROKER_TRANSPORTS)

#: result backends Celery removed, and what to use instead
_REMOVED_BACKENDS: dict[str, str] = {
    "amqp": "use `rpc://` (or a result store such as Redis)",
    "riak": "use another result store (Redis, a database, S3 ...)",
}
#: broker transports kombu removed, and what to use instead
_REMOVED_TRANSPORTS: dict[str, str] = {
    "django": "use a real broker (RabbitMQ or Redis); the Django database transport is gone",
}


def scheme(url: str) -> str:
    """``amqp`` for ``amqp://...``, ``sqla`` for ``sqla+sqlite://``, the alias itself for
    ``rpc``; the first URL of a ``;``-separated failover list."""
    first = url.split(";", 1)[0].strip()
    head = first.split("://", 1)[0] if "://" in first else first
    return head.split("+", 1)[0].lower()


def removed_backend(value: str) -> str | None:
    """Advice if ``value`` (a ``result_backend``) names a backend Celery removed: an alias
    or URL scheme (``amqp://``) or a class path (``celery.backends.amqp:AMQPBackend``)."""
    if "://" not in value and "." in value:
        module = value.partition(":")[0] if ":" in value else value.rpartition(".")[0]
        name = module.removeprefix("celery.backends.") if module.count(".") == 2 else ""
    else:
        name = scheme(value)
    advice = _REMOVED_BACKENDS.get(name)
    return advice if advice is not None and name not in _BACKENDS else None


def removed_transport(value: str) -> str | None:
    """Advice if ``value`` (a broker URL or ``broker_transport``) needs a removed transport."""
    for url in value.split(";"):
        name = scheme(url)
        advice = _REMOVED_TRANSPORTS.get(name)
        if advice is not None and name not in _TRANSPORTS:
            return advice
    return None


#: the Django app the removed database transport needed in ``INSTALLED_APPS``
REMOVED_TRANSPORT_APPS: dict[str, str] = {"kombu.transport.django": "django"}
