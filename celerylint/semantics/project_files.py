"""Non-Python project files read in phase 2: test runner config, deployment and env files.

Plain text, read lazily and once per run from the project root (a few directory levels,
skipping virtualenvs and caches). Python files are never read here: they are facts.

* :meth:`ProjectFiles.settings_module_references` finds ``DJANGO_SETTINGS_MODULE`` values
  (pytest ``DJANGO_SETTINGS_MODULE =``/``--ds=``, tox ``setenv``, CI workflows, Procfile,
  Dockerfile, compose, k8s manifests, ``.env`` files) and says what each use implies.
* :meth:`ProjectFiles.env_assignments` finds ``VAR=value`` in deployment and env files.
* :meth:`ProjectFiles.deployment_texts` gives the text of Procfile/compose/systemd/shell/
  Makefile/k8s files (for worker command lines).
* :meth:`ProjectFiles.declared_celery_version` reads the project's celery requirement.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from celerylint.files import Stat, stat_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        ".env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".celerylint_cache",
        ".pytest_cache",
        "site-packages",
        "dist",
        "build",
        "htmlcov",
        "static",
        "media",
    }
)
MAX_DEPTH = 4
MAX_BYTES = 512 * 1024

#: file name patterns -> category
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("pytest.ini", "test"),
    ("tox.ini", "test"),
    ("setup.cfg", "test"),
    ("pyproject.toml", "pyproject"),
    ("Procfile", "deploy"),
    ("Procfile.*", "deploy"),
    ("Dockerfile", "deploy"),
    ("Dockerfile.*", "deploy"),
    ("*.dockerfile", "deploy"),
    ("docker-compose*.yml", "deploy"),
    ("docker-compose*.yaml", "deploy"),
    ("compose*.yml", "deploy"),
    ("compose*.yaml", "deploy"),
    ("*.service", "deploy"),
    ("Makefile", "deploy"),
    ("*.sh", "deploy"),
    ("*.bash", "deploy"),
    ("*.zsh", "deploy"),
    ("justfile", "deploy"),
    ("Justfile", "deploy"),
    ("*.mk", "deploy"),
    ("*.conf", "deploy"),
    ("uwsgi*.ini", "deploy"),
    ("entrypoint*", "deploy"),
    ("docker-entrypoint*", "deploy"),
    ("supervisord*.conf", "deploy"),
    ("*.env", "env"),
    (".env", "env"),
    (".env.*", "env"),
    ("requirements*.txt", "requirements"),
    ("*.in", "requirements"),
    ("setup.py", "setup"),
    ("PKG-INFO", "metadata"),
    ("METADATA", "metadata"),
    ("poetry.lock", "lock"),
    ("uv.lock", "lock"),
    ("pdm.lock", "lock"),
    ("*.py", "python"),
)
#: every pattern at once, in order (the first that matches names the group ``p<i>``):
#: one match per file name instead of one per pattern
_NAME_PATTERN = re.compile(
    "|".join(f"(?P<p{i}>{fnmatch.translate(p)})" for i, (p, _) in enumerate(_PATTERNS))
)
#: folders whose extensionless files are usually shell scripts
_SCRIPT_DIRS = frozenset({"bin", "scripts", "script", "docker", "deploy", "deployment", "ops"})
_K8S_DIRS = frozenset({"k8s", "kubernetes", "helm", "deploy", "deployment", "manifests", "charts"})

_DSM = re.compile(
    r"""DJANGO_SETTINGS_MODULE["']?(?:\s*[=:]\s*|[ \t]+)["']?([A-Za-z_][\w.]*)""",
)
_DS_OPTION = re.compile(r"--ds[= ]\s*([A-Za-z_][\w.]*)")
_ENV_LINE = re.compile(r"""(?:^|[\s"'-])([A-Z][A-Z0-9_]*)\s*[=:]\s*["']?([^\s"'#]+)""")
#: ``ENV NAME value`` (the Dockerfile form without ``=``)
_DOCKER_ENV = re.compile(r"^\s*ENV\s+([A-Z][A-Z0-9_]*)[ \t]+[\"']?([^\s\"'#=]+)", re.MULTILINE)
_CELERY_REQ = re.compile(
    r"""^\s*["']?celery(?:\[[^\]]*\])?\s*(?P<spec>(?:[<>=!~]=?|===)\s*[\w.*]+(?:\s*,\s*(?:[<>=!~]=?)\s*[\w.*]+)*)""",
    re.IGNORECASE | re.MULTILINE,
)
_VERSION = re.compile(r"(\d+)\.(\d+)")
_SETUP_REQ = re.compile(r"""["']celery(?:\[[^\]]*\])?\s*(?P<spec>(?:[<>=!~]=?|===)[^"']+)["']""")
_METADATA_REQ = re.compile(
    r"^Requires-Dist:\s*celery(?:\[[^\]]*\])?\s*\(?(?P<spec>[<>=!~][^;()\n]*)", re.MULTILINE
)
_LOCKED = re.compile(r'^name\s*=\s*"celery"\s*\nversion\s*=\s*"(?P<spec>[^"]+)"', re.MULTILINE)


@dataclass(frozen=True, slots=True)
class SettingsReference:
    """A ``DJANGO_SETTINGS_MODULE`` value found in a non-Python file."""

    module: str
    kind: str  # "test" (pytest/tox/CI) | "deploy" (Procfile, Docker, compose, k8s, env)
    file: str  # relative to the root


@dataclass(frozen=True, slots=True)
class DeclaredVersion:
    version: tuple[int, int]
    file: str
    requirement: str


class ProjectFiles:
    def __init__(self, root: Path | None) -> None:
        self.root = root
        #: the stat of every directory listed and file read, taken before reading it (the
        #: run manifest's inputs, ``engine/manifest.py``)
        self.stats: dict[str, Stat] = {}
        self._texts: dict[str, str] = {}

    @cached_property
    def files(self) -> tuple[tuple[str, str], ...]:
        """(relative path, category) of every file of interest."""
        if self.root is None or not self.root.is_dir():
            return ()
        found: list[tuple[str, str]] = []
        root = str(self.root)
        self.stats[root] = stat_of(root)  # before listing it
        for directory, dirs, names in os.walk(root):
            rel_dir = os.path.relpath(directory, root)
            depth = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in _SKIP_DIRS and not d.endswith(".egg-info") and depth < MAX_DEPTH
            )
            for d in dirs:  # before os.walk lists them
                self.stats[os.path.join(directory, d)] = stat_of(os.path.join(directory, d))
            parts = set() if rel_dir == "." else set(rel_dir.split(os.sep))
            in_ci = ".github" in parts or ".gitlab" in parts
            prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            for name in sorted(names):
                category = self._category(name, parts, in_ci)
                if category is not None:
                    found.append((prefix + name, category))
        return tuple(found)

    @staticmethod
    def _category(name: str, parts: set[str], in_ci: bool) -> str | None:
        if in_ci and name.endswith((".yml", ".yaml")):
            return "test"
        if name == ".gitlab-ci.yml":
            return "test"
        found = _NAME_PATTERN.match(name)
        if found is not None and found.lastgroup is not None:
            return _PATTERNS[int(found.lastgroup[1:])][1]
        if name.endswith((".yml", ".yaml")) and parts & _K8S_DIRS:
            return "deploy"
        if "." not in name and parts & _SCRIPT_DIRS:
            return "deploy"  # an extensionless script: bin/worker, scripts/start-celery
        return None

    def read(self, rel: str, *, keep: bool = True) -> str:
        """The text of the file at ``rel`` ("" when it is too large or cannot be read),
        read once per run; ``keep=False`` for a file read only once (a Python file), so
        that its text is not held for the rest of the run."""
        text = self._texts.get(rel)
        if text is None:
            text = self._read(rel)
            if keep:
                self._texts[rel] = text
        return text

    def _read(self, rel: str) -> str:
        assert self.root is not None
        path = self.root / rel
        stat = self.stats[str(path)] = stat_of(str(path))
        if stat[2] > MAX_BYTES:
            return ""
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def of(self, *categories: str) -> list[tuple[str, str]]:
        """(relative path, text) of the files in these categories."""
        return [(rel, self.read(rel)) for rel, cat in self.files if cat in categories]

    def deployment_texts(self) -> list[tuple[str, str]]:
        """Procfile, Dockerfile, compose, systemd, Makefile, shell and k8s files."""
        return self.of("deploy")

    # -- DJANGO_SETTINGS_MODULE -------------------------------------------------------------

    @cached_property
    def settings_module_references(self) -> tuple[SettingsReference, ...]:
        found: list[SettingsReference] = []
        for rel, category in self.files:
            if category in {"requirements", "python"}:
                continue
            text = self.read(rel)
            if "DJANGO_SETTINGS_MODULE" not in text and "--ds" not in text:
                continue
            if category == "pyproject":
                found.extend(self._pyproject_references(rel, text))
                continue
            kind = "test" if category == "test" else "deploy"
            for match in _DSM.finditer(text):
                found.append(SettingsReference(match.group(1), kind, rel))
            if category == "test":
                for match in _DS_OPTION.finditer(text):
                    found.append(SettingsReference(match.group(1), "test", rel))
        return tuple(found)

    @staticmethod
    def _pyproject_references(rel: str, text: str) -> list[SettingsReference]:
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError):
            return []
        pytest = _table(_table(data, "tool"), "pytest").get("ini_options", {})
        found: list[SettingsReference] = []
        if isinstance(pytest, dict):
            dsm = pytest.get("DJANGO_SETTINGS_MODULE")
            if isinstance(dsm, str):
                found.append(SettingsReference(dsm, "test", rel))
            addopts = pytest.get("addopts", "")
            if isinstance(addopts, list):
                addopts = " ".join(str(a) for a in addopts)
            if isinstance(addopts, str):
                for match in _DS_OPTION.finditer(addopts):
                    found.append(SettingsReference(match.group(1), "test", rel))
        return found

    # -- any variable naming a module -------------------------------------------------------

    def variable_references(self, var: str) -> tuple[SettingsReference, ...]:
        """Values a variable is set to outside Python: "test" for test-runner config (pytest
        ``env =``, tox ``setenv``, CI), "deploy" for deployment and env files (Procfile,
        Dockerfile ``ENV``, compose ``environment:``, ``.env``)."""
        found: list[SettingsReference] = []
        for rel, category in self.files:
            if category in {"requirements", "python", "setup", "metadata", "lock"}:
                continue
            text = self.read(rel)
            if var not in text:
                continue
            if category == "pyproject":
                found.extend(_pyproject_env(rel, text, var))
                continue
            kind = "test" if category == "test" else "deploy"
            for match in _ENV_LINE.finditer(text):
                if match.group(1) == var:
                    found.append(SettingsReference(match.group(2), kind, rel))
            for match in _DOCKER_ENV.finditer(text):
                if match.group(1) == var:
                    found.append(SettingsReference(match.group(2), kind, rel))
        return tuple(found)

    # -- environment files ------------------------------------------------------------------

    def env_assignments(self, var: str) -> list[tuple[str, str]]:
        """(relative path, value) of ``VAR=value``/``VAR: value`` in env and deploy files."""
        found: list[tuple[str, str]] = []
        for rel, text in self.of("env", "deploy"):
            if var not in text:
                continue
            for match in _ENV_LINE.finditer(text):
                if match.group(1) == var:
                    found.append((rel, match.group(2)))
        return found

    # -- the project's celery version -------------------------------------------------------

    @cached_property
    def declared_celery_version(self) -> DeclaredVersion | None:
        """The lowest celery version the project's requirements allow, when stated."""
        for rel, category in self.files:
            if category not in {"pyproject", "requirements"} and not rel.endswith("setup.cfg"):
                continue
            if "/" in rel and category == "pyproject":
                continue  # only the root pyproject declares the project's dependencies
            text = self.read(rel)
            if category == "pyproject":
                found = _pyproject_celery(rel, text)
                if found is not None:
                    return found
                continue
            for match in _CELERY_REQ.finditer(text):
                version = lowest_version(match.group("spec"))
                if version is not None:
                    return DeclaredVersion(version, rel, match.group(0).strip().strip("\"'"))
        return self._other_celery_declaration()

    def _other_celery_declaration(self) -> DeclaredVersion | None:
        """``install_requires`` in setup.py, ``Requires-Dist`` in a release's metadata, then
        the version a lock file pins."""
        for wanted in ("setup", "metadata", "lock"):
            for rel, text in self.of(wanted):
                if "celery" not in text:
                    continue
                pattern = {"setup": _SETUP_REQ, "metadata": _METADATA_REQ, "lock": _LOCKED}
                match = pattern[wanted].search(text)
                if match is None:
                    continue
                spec = match.group("spec")
                version = lowest_version(spec if wanted != "lock" else f"=={spec}")
                if version is not None:
                    return DeclaredVersion(version, rel, f"celery {spec.strip()}")
        return None


def _pyproject_env(rel: str, text: str, var: str) -> list[SettingsReference]:
    """``[tool.pytest.ini_options] env = ["VAR=value"]`` (pytest-env, ``D:``/``R:`` flags)."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return []
    pytest = _table(_table(data, "tool"), "pytest").get("ini_options", {})
    entries = pytest.get("env", []) if isinstance(pytest, dict) else []
    if isinstance(entries, str):
        entries = entries.splitlines()
    found: list[SettingsReference] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, str) or "=" not in entry:
            continue
        name, _, value = entry.partition("=")
        name = name.strip().rpartition(":")[2]
        if name == var and value.strip():
            found.append(SettingsReference(value.strip(), "test", rel))
    return found


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a table, else an empty one (``tool = 1`` is valid TOML)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _pyproject_celery(rel: str, text: str) -> DeclaredVersion | None:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return None
    requirements: list[str] = []
    project = data.get("project", {})
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        requirements.extend(r for r in project["dependencies"] if isinstance(r, str))
    poetry = _table(_table(data, "tool"), "poetry").get("dependencies", {})
    if isinstance(poetry, dict):
        spec = poetry.get("celery")
        if isinstance(spec, dict):
            spec = spec.get("version")
        if isinstance(spec, str):
            caret = spec.lstrip("^~")
            requirements.append(f"celery>={caret}" if spec[:1] in "^~" else f"celery{spec}")
    for requirement in requirements:
        match = _CELERY_REQ.match(requirement)
        if match is not None:
            version = lowest_version(match.group("spec"))
            if version is not None:
                return DeclaredVersion(version, rel, requirement)
    return None


def lowest_version(spec: str) -> tuple[int, int] | None:
    """``>=5.3,<6`` -> (5, 3); ``==5.2.7`` -> (5, 2); ``<6`` -> None."""
    for clause in spec.split(","):
        clause = clause.strip()
        op = re.match(r"(===|==|>=|~=|>)", clause)
        if op is None:
            continue
        found = _VERSION.search(clause)
        if found is not None:
            return int(found.group(1)), int(found.group(2))
    return None
