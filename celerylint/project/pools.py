"""Celery's execution pools: which worker options each pool honours (read in
``celery/concurrency/*.py``), and whether a deployment file starts a worker with a pool that
is not one of Celery's own."""

from __future__ import annotations

from collections.abc import Iterator

from celerylint.project.command_lines import commands_in, logical_lines, shell_tokens, unquote
from celerylint.semantics.project_files import ProjectFiles

# -- what each execution pool honours (read in celery/concurrency/*.py) --------------------

#: ``-P`` names -> the pool (``processes`` is prefork's old alias)
POOL_ALIASES = {
    "prefork": "prefork",
    "processes": "prefork",
    "gevent": "gevent",
    "eventlet": "eventlet",
    "threads": "threads",
    "solo": "solo",
}
#: worker options that only some pools act on -> the pools that do. Only billiard's
#: process pool (prefork) replaces child processes and raises ``SoftTimeLimitExceeded``;
#: the other pools take these values and drop them (``BasePool.__init__(**options)``,
#: ``on_apply(..., **_)``). Of the others, only gevent applies the hard limit
#: (``gevent.Timeout`` in ``apply_timeout``).
HONOURED_BY: dict[str, frozenset[str]] = {
    "max_tasks_per_child": frozenset({"prefork"}),
    "max_memory_per_child": frozenset({"prefork"}),
    "soft_time_limit": frozenset({"prefork"}),
    "time_limit": frozenset({"prefork", "gevent"}),
}
#: command-line options and settings of each of those worker options
POOL_OPTION_FLAGS = {
    "--max-tasks-per-child": "max_tasks_per_child",
    "--max-memory-per-child": "max_memory_per_child",
    "--soft-time-limit": "soft_time_limit",
    "--time-limit": "time_limit",
}
POOL_OPTION_SETTINGS = {
    "worker_max_tasks_per_child": "max_tasks_per_child",
    "worker_max_memory_per_child": "max_memory_per_child",
    "task_soft_time_limit": "soft_time_limit",
    "task_time_limit": "time_limit",
}


def pool_name(value: str | None) -> str | None:
    """The pool a ``-P``/``worker_pool`` value selects; None when unknown (``custom``, a
    ``module:Class`` path, a variable)."""
    if value is None:
        return None
    return POOL_ALIASES.get(value.strip().lower())


def ignored_by(pool: str, option: str) -> bool:
    """Does ``pool`` ignore worker ``option`` (a ``HONOURED_BY`` key)?"""
    return pool not in HONOURED_BY[option]


# -- the execution pool ---------------------------------------------------------------------

#: pools that ship with Celery (``celery.concurrency.ALIASES``); none awaits a coroutine
BUILTIN_POOLS = frozenset({"prefork", "processes", "eventlet", "gevent", "solo", "threads"})
_POOL_OPTIONS = ("-P", "--pool")


def _builtin_pool(value: str) -> bool:
    return unquote(value).strip().lower() in BUILTIN_POOLS


def custom_pool_in_commands(files: ProjectFiles) -> bool:
    """Does a deployment file start a worker with a pool that is not one of Celery's own
    (``-P celery_aio_pool.pool:AsyncIOPool``, ``--pool=custom``, ``-P $POOL``), or name
    ``CELERY_CUSTOM_WORKER_POOL``? Such a pool may run coroutines."""
    for _, text in files.deployment_texts():
        if "CELERY_CUSTOM_WORKER_POOL" in text:
            return True
        if "celery" not in text or "worker" not in text:
            continue
        for _, command in logical_lines(text):
            for args in commands_in(shell_tokens(command)):
                if "worker" in args and any(not _builtin_pool(p) for p in _pools(args)):
                    return True
    return False


def _pools(args: list[str]) -> Iterator[str]:
    """The values of ``-P``/``--pool`` in one command's arguments."""
    for i, arg in enumerate(args):
        name, eq, attached = arg.partition("=")
        if name in _POOL_OPTIONS:
            yield attached if eq else (args[i + 1] if i + 1 < len(args) else "")
        elif arg.startswith("-P") and len(arg) > 2:
            yield arg[2:].lstrip("=")
