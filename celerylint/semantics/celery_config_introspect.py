"""Configuration knowledge read out of the installed celery and kombu, and out of the
``defaults.py`` of older celery wheels.

``scripts/generate_celery_config_data.py`` writes :func:`collect` to
``celery_config_data.py`` (a test fails when it drifts from the installed celery), and
``--versions`` refreshes the per-version table from downloaded wheels (never at test time).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

#: ``conf.get('name')``, ``_get('name')``, ``conf['name']``, ``conf.first('name')``
_READ = re.compile(
    r"""(?:conf|config|_get)\s*(?:\.get|\.first)?\(\s*['"]([A-Za-z][A-Za-z0-9_]*)['"]"""
    r"""|conf\[\s*['"]([A-Za-z][A-Za-z0-9_]*)['"]\s*\]"""
)


def _settings_read_elsewhere(setting_keys: frozenset[str]) -> tuple[str, ...]:
    """Names celery reads from its configuration that ``defaults.py`` does not declare.

    Found in celery's own source (``app.conf.get("redis_client_name")``, the Django fix-up's
    ``CELERY_DB_REUSE_MAX``) and in the daemon options of ``celery worker/beat/events``
    (``--logfile`` falls back to ``worker_logfile``: ``bin/base.py::DaemonOption``).
    """
    import celery
    from celery.bin import base as bin_base
    from celery.bin.celery import celery as celery_command

    heads = {k.split("_", 1)[0] for k in setting_keys}
    found: set[str] = set()
    root = Path(celery.__file__).parent
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in _READ.finditer(text):
            name = match.group(1) or match.group(2)
            if name in setting_keys or "_" not in name:
                continue
            if (
                (name.isupper() and name.startswith("CELERY_"))
                or (name.islower() and name.split("_", 1)[0] in heads)
                or name == "override_backends"
            ):
                found.add(name)
    for command_name, command in sorted(celery_command.commands.items()):
        for param in getattr(command, "params", ()):
            if isinstance(param, bin_base.DaemonOption) and param.name:
                found.add(f"{command_name}_{param.name}")
    return tuple(sorted(found))


def _class_attribute(module: str, cls: str, names: tuple[str, ...]) -> int | None:
    """A literal class attribute read from a module's source (importing kombu's transports
    would need their client libraries)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id in names
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, int)
                ):
                    return stmt.value.value
    return None


def collect() -> dict[str, Any]:
    import kombu
    from celery.app import backends, defaults
    from kombu.transport import TRANSPORT_ALIASES

    keys = frozenset(defaults.SETTING_KEYS)
    timeouts: dict[str, int] = {}
    for alias, target in sorted(TRANSPORT_ALIASES.items()):
        module = re.split(r"[:]", target)[0]
        if module.endswith(".Transport"):
            module = module[: -len(".Transport")]
        found = _class_attribute(module, "Channel", ("visibility_timeout",)) or _class_attribute(
            module, "Channel", ("default_visibility_timeout",)
        )
        if found is not None:
            timeouts[alias] = found
    return {
        "KOMBU_VERSION": kombu.__version__,
        "SETTINGS_READ_ELSEWHERE": _settings_read_elsewhere(keys),
        "BACKEND_ALIASES": dict(sorted(backends.BACKEND_ALIASES.items())),
        "TRANSPORT_ALIASES": dict(sorted(TRANSPORT_ALIASES.items())),
        "VISIBILITY_TIMEOUTS": timeouts,
    }


# -- per-version setting names, from celery wheels ----------------------------------------


def setting_keys_of(defaults_source: str) -> frozenset[str]:
    """``SETTING_KEYS`` of a celery ``app/defaults.py``, executed in isolation.

    The module only needs ``celery.utils.functional.memoize`` and
    ``celery.utils.serialization.strtobool``, which every celery 5 provides.
    """
    namespace: dict[str, Any] = {"__name__": "celery_defaults_probe"}
    exec(compile(defaults_source, "defaults.py", "exec"), namespace)
    return frozenset(namespace["SETTING_KEYS"])


def since_table(keys_by_version: dict[str, frozenset[str]]) -> dict[str, str]:
    """key -> the first sampled version that has it (keys of the oldest version omitted)."""
    ordered = sorted(keys_by_version, key=lambda v: tuple(int(p) for p in v.split(".")))
    oldest = keys_by_version[ordered[0]]
    since: dict[str, str] = {}
    for version in ordered[1:]:
        for key in sorted(keys_by_version[version] - oldest):
            since.setdefault(key, ".".join(version.split(".")[:2]))
    return dict(sorted(since.items()))


def _repr(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # double quotes, as ruff format writes them
    if isinstance(value, tuple):
        inner = ", ".join(_repr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def render(data: dict[str, Any], doc: str, command: str) -> str:
    """A Python module with ``data`` as typed constants."""
    lines = [
        f'"""{doc}',
        "",
        "GENERATED, do not edit.",
        "",
        f"Regenerate with ``{command}``.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    for name, value in data.items():
        if isinstance(value, dict):
            kinds = {type(v).__name__ for v in value.values()} or {"str"}
            lines.append(f"{name}: dict[str, {kinds.pop() if len(kinds) == 1 else 'object'}] = {{")
            lines.extend(f"    {_repr(k)}: {_repr(v)}," for k, v in value.items())
            lines.append("}")
        elif isinstance(value, tuple):
            lines.append(f"{name}: tuple[str, ...] = (")
            lines.extend(f"    {_repr(v)}," for v in value)
            lines.append(")")
        else:
            lines.append(f"{name} = {_repr(value)}")
        lines.append("")
    return "\n".join(lines)
