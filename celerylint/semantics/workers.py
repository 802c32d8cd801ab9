"""Worker start commands (``celery -A proj worker -Q a,b``) found in deployment files.

Read as plain text in phase 2 (cheap; Python files are never read again) from the
deployment files ``semantics/project_files.py`` finds near the project root: Procfiles,
Makefiles, docker-compose/compose files, Dockerfiles, systemd units, supervisor configs,
shell entrypoints and Kubernetes/Helm YAML. A command whose queue list comes from a
variable (``-Q $QUEUES``, ``$EXTRA_ARGS``) or that uses ``celery multi`` is recorded as
*unknown*: it may consume any queue, so rules stay silent.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator

from celerylint.semantics import celery_data
from celerylint.semantics.project_files import ProjectFiles
from celerylint.semantics.routing import WorkerCommand

#: options of ``celery`` and ``celery worker`` that take a separate value (from celery's CLI)
_VALUE_OPTIONS = frozenset(celery_data.WORKER_VALUE_OPTIONS)
_QUEUE_OPTIONS = ("-Q", "--queues")
_EXCLUDE_OPTIONS = ("-X", "--exclude-queues")
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "\n"})
_CELERY = re.compile(r"(?:^|/)celery$")


def worker_commands(files: ProjectFiles) -> tuple[WorkerCommand, ...]:
    """Every ``celery worker`` command in the project's deployment files, and an *unknown*
    command for each Python file that builds one (``subprocess.Popen(f"celery -A proj
    worker -Q {queues}")``, an invoke or fabric task): its queues cannot be read, so it may
    consume any queue."""
    found: list[WorkerCommand] = []
    for rel, text in files.deployment_texts():
        if "celery" in text and "worker" in text:
            found.extend(parse_worker_commands(text, rel))
    if all(w.known for w in found):
        launcher = python_worker_launcher(files.of("python"))
        if launcher is not None:
            found.append(WorkerCommand(launcher[0], launcher[1], None, (), known=False))
    return tuple(found)


#: a string that starts a worker: ``"celery -A proj worker ..."``, or a list of arguments
#: with ``"celery"`` and ``"worker"`` among its items
_PY_WORKER = re.compile(
    r"""["'][^"'\n]*\bcelery\b[^"'\n]*\bworker\b|["']celery["'].*["']worker["']"""
)


def python_worker_launcher(texts: Iterable[tuple[str, str]]) -> tuple[str, int] | None:
    """(path, line) of the first Python file that builds a ``celery worker`` command."""
    for path, text in texts:
        if "worker" not in text or "celery" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
            if "worker" in code and _PY_WORKER.search(code):
                return path, number
    return None


# -- text -> logical command lines ----------------------------------------------------------

_INLINE_ARRAY = re.compile(r"\[\s*(\"[^\"]*\"|'[^']*')(\s*,\s*(\"[^\"]*\"|'[^']*'))*\s*,?\s*\]")
_YAML_ITEM = re.compile(r"^(\s*)-\s+(.*)$")
_YAML_BLOCK = re.compile(r":\s*[>|][-+]?\s*$")


def _unquote(item: str) -> str:
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'":
        return item[1:-1]
    return item


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, command text): continuation lines joined, inline and block
    YAML/JSON lists turned into one command line each, comments dropped."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        stripped = line.strip()
        i += 1
        if not stripped or stripped.startswith(("#", ";")):
            continue
        while line.rstrip().endswith("\\") and i < len(lines):
            line = line.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
        item = _YAML_ITEM.match(line)
        if item is not None:
            indent = len(item.group(1))
            parts = [_unquote(item.group(2))]
            while i < len(lines):
                nxt = _YAML_ITEM.match(lines[i])
                if nxt is None or len(nxt.group(1)) != indent:
                    break
                parts.append(_unquote(nxt.group(2)))
                i += 1
            yield start + 1, " ".join(shlex.quote(p) if " " in p else p for p in parts)
            continue
        if _YAML_BLOCK.search(line):
            indent = len(line) - len(line.lstrip())
            parts = [line.split(":", 1)[0] + ":"]
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                parts.append(lines[i].strip().rstrip("\\"))
                i += 1
            yield start + 2, " ".join(p for p in parts if p)  # the block's first line
            continue
        array = _INLINE_ARRAY.search(line)
        if array is not None:
            items = re.findall(r"\"([^\"]*)\"|'([^']*)'", array.group(0))
            words = [a or b for a, b in items]
            line = (
                line[: array.start()]
                + " ".join(shlex.quote(w) if " " in w else w for w in words)
                + line[array.end() :]
            )
        yield start + 1, line


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def _has_variable(token: str) -> bool:
    return "$" in token or "{{" in token or "%(" in token


def _queue_list(value: str) -> tuple[tuple[str, ...], bool]:
    if _has_variable(value):
        return (), False
    return tuple(q.strip() for q in value.split(",") if q.strip()), True


def _commands_in(tokens: list[str]) -> Iterator[list[str]]:
    """Argument lists that follow a ``celery`` executable (``python -m celery`` too)."""
    for index, token in enumerate(tokens):
        if " " in token and "celery" in token:
            yield from _commands_in(_tokens(token))  # ``sh -c "celery -A x worker"``
            continue
        if not _CELERY.search(token):
            continue
        if index >= 1 and tokens[index - 1] in _VALUE_OPTIONS:
            continue  # ``--app celery``: a value, not the executable
        args: list[str] = []
        for arg in tokens[index + 1 :]:
            if arg in _SEPARATORS:
                break
            args.append(arg)
        yield args


def _parse(args: list[str], path: str, line: int) -> WorkerCommand | None:
    subcommand: str | None = None
    queues: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    known = True
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, attached = arg.partition("=")
        if name in _QUEUE_OPTIONS or name in _EXCLUDE_OPTIONS:
            value = attached if eq else (args[i + 1] if i + 1 < len(args) else "")
            i += 1 if eq else 2
            parsed, ok = _queue_list(value)
            known = known and ok
            if name in _QUEUE_OPTIONS:
                queues = parsed
            else:
                exclude = parsed
            continue
        if arg.startswith(("-Q", "-X")) and len(arg) > 2:  # ``-Qa,b``
            parsed, ok = _queue_list(arg[2:].lstrip("="))
            known = known and ok
            if arg.startswith("-Q"):
                queues = parsed
            else:
                exclude = parsed
            i += 1
            continue
        if name in _VALUE_OPTIONS and not eq:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        if subcommand is None:
            subcommand = arg
        elif _has_variable(arg):
            known = False  # ``$CELERY_OPTS`` may carry ``-Q``
        i += 1
    if subcommand is None or _has_variable(subcommand):
        return None
    if subcommand == "multi":
        return WorkerCommand(path, line, None, (), known=False)
    if subcommand != "worker":
        return None
    return WorkerCommand(path, line, queues, exclude, known)


def parse_worker_commands(text: str, path: str) -> list[WorkerCommand]:
    """The ``celery ... worker`` commands in one file's text."""
    found: list[WorkerCommand] = []
    for line, command in logical_lines(text):
        if "celery" not in command:
            continue
        for args in _commands_in(_tokens(command)):
            worker = _parse(args, path, line)
            if worker is not None:
                found.append(worker)
    return found


# -- the execution pool ---------------------------------------------------------------------

#: pools that ship with Celery (``celery.concurrency.ALIASES``); none awaits a coroutine
BUILTIN_POOLS = frozenset({"prefork", "processes", "eventlet", "gevent", "solo", "threads"})
_POOL_OPTIONS = ("-P", "--pool")


def _builtin_pool(value: str) -> bool:
    return _unquote(value).strip().lower() in BUILTIN_POOLS


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
            for args in _commands_in(_tokens(command)):
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
