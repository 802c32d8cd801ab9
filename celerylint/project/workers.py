"""Worker start commands (``celery -A proj worker -Q a,b``) found in deployment files.

Read as plain text in phase 2 (cheap) from the
deployment files ``semantics/project_files.py`` finds near the project root: Procfiles,
Makefiles, docker-compose/compose files, Dockerfiles, systemd units, supervisor configs,
shell entrypoints and Kubernetes/Helm YAML. A command whose queue list comes from a
variable (``-Q $QUEUES``, ``$EXTRA_ARGS``) or that uses ``celery multi`` is recorded as
*unknown*: it may consume any queue, so rules stay silent.

* :func:`celery_commands` gives every ``celery ...`` command with its options by long
  name (:class:`CeleryCommand`: ``-P gevent`` -> ``--pool``, ``-EB`` -> ``--task-events``
  and ``--beat``); :func:`worker_commands` derives the queues a worker consumes from it.
* :func:`find_app` finds the project app ``celery -A`` loads, as Celery looks it up.

Next to it: ``command_lines.py`` turns a file's text into the argument lists that follow a
``celery`` executable; ``deployment_files.py`` tells production files from development
ones (:func:`is_production_file`) and reads how many copies a process runs
(:func:`copies`); ``pools.py`` says which execution pools act on per-child limits and
time limits (``HONOURED_BY``) and spots custom pools.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celerylint.project.command_lines import (
    VALUE_OPTIONS,
    commands_in,
    has_variable,
    logical_lines,
    shell_tokens,
)
from celerylint.semantics.project_files import ProjectFiles
from celerylint.semantics.routing import WorkerCommand
from celerylint.semantics.worker_launch import launch_line

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


def worker_commands(
    files: ProjectFiles, launches: Mapping[str, int | None] | None = None
) -> tuple[WorkerCommand, ...]:
    """Every ``celery worker`` command in the project's deployment files, and an *unknown*
    command for each Python file that builds one (``subprocess.Popen(f"celery -A proj
    worker -Q {queues}")``, an invoke or fabric task): its queues cannot be read, so it may
    consume any queue. ``launches``: phase 1's ``ModuleFacts.worker_launch`` of the Python
    files it read, by absolute path (``ProjectIndex.worker_launches``)."""
    found: list[WorkerCommand] = []
    for rel, text in files.deployment_texts():
        if "celery" in text and "worker" in text:
            found.extend(parse_worker_commands(text, rel))
    if all(w.known for w in found):
        launcher = python_worker_launcher(files, launches or {})
        if launcher is not None:
            found.append(WorkerCommand(launcher[0], launcher[1], None, (), known=False))
    return tuple(found)


def python_worker_launcher(
    files: ProjectFiles, launches: Mapping[str, int | None]
) -> tuple[str, int] | None:
    """(path, line) of the first Python file that builds a ``celery worker`` command, in
    the order ``files`` lists them: from phase 1's line where it read the file, else from
    the file's text."""
    root = str(files.root)
    for rel, category in files.files:
        if category != "python":
            continue
        abspath = os.path.join(root, rel)
        if abspath in launches:
            line = launches[abspath]
        else:
            line = launch_line(files.read(rel, keep=False))
        if line is not None:
            return rel, line
    return None


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


def _queue_list(value: str) -> tuple[tuple[str, ...], bool]:
    if has_variable(value):
        return (), False
    return tuple(q.strip() for q in value.split(",") if q.strip()), True


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
            elif name in VALUE_OPTIONS:
                raw.append((name, args[i] if i < len(args) else ""))
                i += 1
            else:
                flags.append(name)
            continue
        if arg.startswith("-") and len(arg) > 1:
            # ``-A proj``, ``-Aproj``, ``-A=proj``, ``-EB``, ``-Bc 4``
            for position in range(1, len(arg)):
                letter = f"-{arg[position]}"
                if letter in VALUE_OPTIONS:
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
        if has_variable(arg):
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
        for args in commands_in(shell_tokens(command)):
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
        for args in commands_in(shell_tokens(command)):
            worker = _parse(args, path, line)
            if worker is not None:
                found.append(worker)
    return found


# -- which app a command runs -------------------------------------------------------------


def find_app(index: ProjectIndex, spec: str | None) -> str | None:
    """The project app ``celery -A spec`` loads, as ``celery.app.utils.find_app`` looks it
    up (``module:attr``; a module's ``app``, then ``celery``, then ``<package>.celery``,
    then the one app the module holds). Without ``-A``, or for an app celerylint cannot
    place, the project's only app; None when that is not one app either."""
    found = _find_app(index, spec, 0) if spec and not has_variable(spec) else None
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
