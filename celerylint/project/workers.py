"""Worker start commands (``celery -A proj worker -Q a,b``) found in deployment files.

Read as plain text in phase 2 (cheap; Python files are never read again) from the
deployment files ``semantics/project_files.py`` finds near the project root: Procfiles,
Makefiles, docker-compose/compose files, Dockerfiles, systemd units, supervisor configs,
shell entrypoints and Kubernetes/Helm YAML. A command whose queue list comes from a
variable (``-Q $QUEUES``, ``$EXTRA_ARGS``) or that uses ``celery multi`` is recorded as
*unknown*: it may consume any queue, so rules stay silent.

* :func:`celery_commands` gives every ``celery ...`` command with its options by long
  name (:class:`CeleryCommand`: ``-P gevent`` -> ``--pool``, ``-EB`` -> ``--task-events``
  and ``--beat``); :func:`worker_commands` derives the queues a worker consumes from it.
* :func:`is_production_file` tells production deployment files from development ones
  (Makefiles, ``docker-compose.dev.yml``, ``docker-compose.override.yml`` ...).
* :func:`copies` reads how many copies of a process a compose file, a Kubernetes
  workload or a supervisor program asks for.
* :func:`find_app` finds the project app ``celery -A`` loads, as Celery looks it up.
* ``HONOURED_BY`` says which execution pools act on per-child limits and time limits.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celerylint.semantics import celery_data
from celerylint.semantics.project_files import ProjectFiles
from celerylint.semantics.routing import WorkerCommand

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex

#: options of ``celery`` and ``celery worker`` that take a separate value (from celery's CLI)
_VALUE_OPTIONS = frozenset(celery_data.WORKER_VALUE_OPTIONS)
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


#: short options of ``celery``, ``celery worker`` and ``celery beat`` and their long names
_SHORT_NAMES = {
    "-A": "--app",
    "-b": "--broker",
    "-P": "--pool",
    "-c": "--concurrency",
    "-Q": "--queues",
    "-X": "--exclude-queues",
    "-I": "--include",
    "-l": "--loglevel",
    "-n": "--hostname",
    "-f": "--logfile",
    "-s": "--schedule-filename",
    "-O": "--optimization",
    "-B": "--beat",
    "-E": "--task-events",
    "-D": "--detach",
    "--schedule": "--schedule-filename",
}
#: single-letter flags (no value) that click lets a user combine: ``-EB``
_SHORT_FLAGS = frozenset("EBDCq")


@dataclass(frozen=True, slots=True)
class CeleryCommand:
    """One ``celery ...`` command line of a deployment file, its options by long name."""

    path: str  # relative to the project root
    line: int
    subcommand: str  # "worker", "beat", "multi", ...
    options: tuple[tuple[str, str], ...]  # ("--pool", "gevent"), in order
    flags: frozenset[str]  # "--beat", "--task-events", ...
    #: an argument from a variable (``$CELERY_OPTS``) may add any option
    opaque: bool

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def option(self, name: str) -> str | None:
        """The last value given for ``name`` (a long name), or None."""
        found = None
        for key, value in self.options:
            if key == name:
                found = value
        return found

    def written(self, name: str) -> bool:
        return any(key == name for key, _ in self.options) or name in self.flags


def _long_name(name: str, subcommand: str | None) -> str:
    if name == "-S":
        return "--scheduler" if subcommand == "beat" else "--statedb"
    return _SHORT_NAMES.get(name, name)


def parse_command(args: list[str], path: str, line: int) -> CeleryCommand | None:
    """The arguments that follow a ``celery`` executable as a command (None without a
    literal subcommand)."""
    subcommand: str | None = None
    raw: list[tuple[str, str]] = []
    flags: list[str] = []
    opaque = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("--"):
            name, eq, attached = arg.partition("=")
            if eq:
                raw.append((name, attached))
            elif name in _VALUE_OPTIONS:
                raw.append((name, args[i] if i < len(args) else ""))
                i += 1
            else:
                flags.append(name)
            continue
        if arg.startswith("-") and len(arg) > 1:
            # ``-A proj``, ``-Aproj``, ``-A=proj``, ``-EB``, ``-Bc 4``
            for position in range(1, len(arg)):
                letter = f"-{arg[position]}"
                if letter in _VALUE_OPTIONS:
                    rest = arg[position + 1 :].removeprefix("=")
                    if rest:
                        raw.append((letter, rest))
                    else:
                        raw.append((letter, args[i] if i < len(args) else ""))
                        i += 1
                    break
                if arg[position] in _SHORT_FLAGS:
                    flags.append(letter)
                    continue
                break  # an option celerylint does not know: ignore the rest
            continue
        if _has_variable(arg):
            opaque = True
            if subcommand is None:
                return None
            continue
        if subcommand is None:
            subcommand = arg
    if subcommand is None:
        return None
    options = tuple((_long_name(name, subcommand), value) for name, value in raw)
    return CeleryCommand(
        path,
        line,
        subcommand,
        options,
        frozenset(_long_name(f, subcommand) for f in flags),
        opaque,
    )


def _parse(args: list[str], path: str, line: int) -> WorkerCommand | None:
    command = parse_command(args, path, line)
    if command is None:
        return None
    if command.subcommand == "multi":
        return WorkerCommand(path, line, None, (), known=False)
    if command.subcommand != "worker":
        return None
    queues: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    known = not command.opaque
    for name, value in command.options:
        if name in ("--queues", "--exclude-queues"):
            parsed, ok = _queue_list(value)
            known = known and ok
            if name == "--queues":
                queues = parsed
            else:
                exclude = parsed
    return WorkerCommand(path, line, queues, exclude, known)


def celery_commands(files: ProjectFiles) -> tuple[CeleryCommand, ...]:
    """Every ``celery ...`` command in the project's deployment files."""
    found: list[CeleryCommand] = []
    for rel, text in files.deployment_texts():
        if "celery" in text:
            found.extend(parse_celery_commands(text, rel))
    return tuple(found)


def parse_celery_commands(text: str, path: str) -> list[CeleryCommand]:
    """The ``celery ...`` commands in one file's text."""
    found: list[CeleryCommand] = []
    for line, command in logical_lines(text):
        if "celery" not in command:
            continue
        for args in _commands_in(_tokens(command)):
            parsed = parse_command(args, path, line)
            if parsed is not None:
                found.append(parsed)
    return found


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


# -- where a command runs: production or development, and how many copies ----------------

#: path words of files meant for development, tests, CI or documentation
_DEV_WORDS = frozenset(
    {
        "dev",
        "devel",
        "develop",
        "development",
        "local",
        "override",
        "test",
        "tests",
        "testing",
        "ci",
        "e2e",
        "debug",
        "example",
        "examples",
        "sample",
        "samples",
        "demo",
        "doc",
        "docs",
    }
)
_SHELL_SUFFIXES = (".sh", ".bash", ".zsh")
#: folders whose scripts are part of a deployment (a container image, a host setup)
_DEPLOY_DIRS = frozenset(
    {"docker", "deploy", "deployment", "ops", "k8s", "kubernetes", "helm", "production", "prod"}
)
_WORD = re.compile(r"[A-Za-z0-9]+")


def _words(rel: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(rel)}


def is_compose_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))


def is_production_file(rel: str) -> bool:
    """Does this deployment file start production processes? Procfiles, Dockerfiles,
    compose files, Kubernetes manifests, systemd units, supervisor and uwsgi configs, and
    container entrypoints do; Makefiles, justfiles, other shell scripts and any file whose
    path says dev/local/override/test/ci/example/docs/template do not."""
    if _words(rel) & _DEV_WORDS:
        return False
    parts = rel.split("/")
    name = parts[-1]
    if name in {"Makefile", "justfile", "Justfile"} or name.endswith(".mk"):
        return False
    if name.endswith(_SHELL_SUFFIXES) or "." not in name:
        if name.startswith("Procfile") or name.startswith("Dockerfile"):
            return True
        return "entrypoint" in name.lower() or bool(set(parts[:-1]) & _DEPLOY_DIRS)
    return True


_INT = re.compile(r"^\s*(\d+)\s*$")
_KEY = re.compile(r"^(\s*)([\w.-]+)\s*:\s*(.*?)\s*$")


def _int_value(text: str) -> int | None:
    found = _INT.match(text.strip().strip("\"'"))
    return int(found.group(1)) if found else None


def copies(text: str, rel: str, line: int) -> int | None:
    """How many copies of the process started at ``line`` the file asks for: compose
    ``deploy: replicas:``/``scale:``, a Kubernetes workload's ``replicas:``, supervisor's
    ``numprocs``. 1 when the file can say so and does not ask for more; None when it
    cannot be told (a Procfile, a templated value, an unknown layout)."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    name = rel.rsplit("/", 1)[-1]
    if name.endswith(".conf") or name.endswith(".ini"):
        return _supervisor_numprocs(lines, line)
    if not name.endswith((".yml", ".yaml")):
        return None
    if is_compose_file(rel):
        return _compose_copies(lines, line)
    return _k8s_replicas(lines, line)


def _supervisor_numprocs(lines: list[str], line: int) -> int | None:
    start = next((i for i in range(line - 1, -1, -1) if lines[i].strip().startswith("[")), None)
    if start is None or not lines[start].strip().startswith("[program:"):
        return None
    for text in lines[start + 1 :]:
        stripped = text.strip()
        if stripped.startswith("["):
            break
        key, eq, value = stripped.partition("=")
        if eq and key.strip() == "numprocs":
            return _int_value(value.split(";", 1)[0])
    return 1


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _compose_copies(lines: list[str], line: int) -> int | None:
    """The ``replicas``/``scale`` of the compose service whose block holds ``line``."""
    services = next((i for i, t in enumerate(lines) if t.rstrip() == "services:"), None)
    if services is None or services >= line - 1:
        return None
    header: int | None = None
    indent = None
    for i in range(services + 1, len(lines)):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if _indent(text) == 0:
            break
        if indent is None:
            indent = _indent(text)
        if _indent(text) == indent and i <= line - 1:
            header = i
    if header is None or indent is None:
        return None
    found = 1
    for i in range(header + 1, len(lines)):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if _indent(text) <= indent:
            break
        key = _KEY.match(text)
        if key is not None and key.group(2) in {"replicas", "scale"}:
            value = _int_value(key.group(3))
            if value is None:
                return None
            found = value
    return found


_WORKLOADS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"})


def _k8s_replicas(lines: list[str], line: int) -> int | None:
    """The ``replicas`` of the Kubernetes workload (the ``---`` document) holding ``line``."""
    start = 0
    end = len(lines)
    for i, text in enumerate(lines):
        if text.strip() == "---":
            if i < line - 1:
                start = i + 1
            elif end == len(lines):
                end = i
    kind: str | None = None
    replicas: list[tuple[int, str]] = []
    for text in lines[start:end]:
        key = _KEY.match(text)
        if key is None:
            continue
        if key.group(2) == "kind" and not key.group(1):
            kind = key.group(3).strip("\"'")
        elif key.group(2) == "replicas":
            replicas.append((len(key.group(1)), key.group(3)))
    if kind not in _WORKLOADS or kind == "DaemonSet":
        return None  # a DaemonSet runs one per node: unknown
    if not replicas:
        return 1
    return _int_value(min(replicas)[1])


# -- which app a command runs -------------------------------------------------------------


def find_app(index: ProjectIndex, spec: str | None) -> str | None:
    """The project app ``celery -A spec`` loads, as ``celery.app.utils.find_app`` looks it
    up (``module:attr``; a module's ``app``, then ``celery``, then ``<package>.celery``,
    then the one app the module holds). Without ``-A``, or for an app celerylint cannot
    place, the project's only app; None when that is not one app either."""
    found = _find_app(index, spec, 0) if spec and not _has_variable(spec) else None
    if found is not None:
        return found
    apps = sorted(index.apps)
    return apps[0] if len(apps) == 1 else None


def _find_app(index: ProjectIndex, spec: str, depth: int) -> str | None:
    if depth > 3:
        return None
    if ":" in spec:
        module, _, attr = spec.partition(":")
        resolved = index.resolve(f"{module}.{attr}")
        return resolved if resolved in index.apps else None
    if spec not in index.modules:
        resolved = index.resolve(spec)
        return resolved if resolved in index.apps else None
    for attr in ("app", "celery"):
        resolved = index.resolve(f"{spec}.{attr}")
        if resolved in index.apps:
            return resolved
    facts = index.modules[spec]
    if facts.is_package and f"{spec}.celery" in index.modules:
        found = _find_app(index, f"{spec}.celery", depth + 1)
        if found is not None:
            return found
    held = sorted(a for a in index.apps if a.rpartition(".")[0] == spec)
    return held[0] if len(held) == 1 else None


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
