"""Where a deployment file's commands run: production or development
(:func:`is_production_file`), and how many copies of a process a compose file, a
Kubernetes workload or a supervisor program asks for (:func:`copies`)."""

from __future__ import annotations

import re

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
