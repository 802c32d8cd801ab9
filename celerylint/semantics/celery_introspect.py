"""Read Celery's own knowledge out of the installed ``celery`` package.

Importing celery costs ~80 ms, so celerylint does not do it at run time: the script
``scripts/generate_celery_data.py`` writes the result of :func:`collect` to
``celery_data.py`` and a test fails when that module drifts from the installed celery.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

_SIMPLE = (type(None), bool, int, float, str)


def _simple(value: Any) -> bool:
    if isinstance(value, _SIMPLE):
        return True
    if isinstance(value, tuple | list | frozenset | set):
        return all(isinstance(v, _SIMPLE) for v in value)
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, list | set | frozenset):
        return tuple(sorted(value)) if isinstance(value, set | frozenset) else tuple(value)
    return value


def collect() -> dict[str, Any]:
    import celery

    return {
        "CELERY_VERSION": celery.__version__,
        **_setting_facts(),
        **_task_facts(),
        "BUILTIN_TASK_NAMES": _builtin_tasks(),
        "WORKER_VALUE_OPTIONS": _worker_value_options(),
        "CRONTAB_FIELDS": _crontab_fields(),
        "TASK_CALL_OPTIONS": _call_options(),
        "RESULT_BACKEND_CHORDS": _backend_chord_support(),
        **_upgrade_facts(),
    }


def _setting_facts() -> dict[str, Any]:
    """The setting names, the old -> new map, the simple defaults and the deprecations."""
    from celery.app import defaults

    setting_defaults: dict[str, Any] = {}
    deprecated: dict[str, tuple[str | None, str | None, str | None]] = {}
    for key, option in sorted(defaults.flatten(defaults.NAMESPACES)):
        if _simple(option.default):
            setting_defaults[key] = _plain(option.default)
        if option.deprecate_by or option.remove_by:
            deprecated[key] = (option.deprecate_by, option.remove_by, option.alt)
    return {
        "SETTING_KEYS": tuple(sorted(defaults.SETTING_KEYS)),
        "OLD_TO_NEW": dict(sorted(defaults._TO_NEW_KEY.items())),
        "SETTING_DEFAULTS": setting_defaults,
        "DEPRECATED_SETTINGS": deprecated,
    }


def _task_facts() -> dict[str, Any]:
    """What ``Task`` knows: its attributes and their defaults, the options read from
    settings, the execution and decorator options, autoretry, methods, control exceptions."""
    from celery.app import autoretry
    from celery.app import task as app_task

    task_attributes: dict[str, Any] = {}
    for name, value in vars(app_task.Task).items():
        if name.startswith("_") or inspect.isfunction(value) or inspect.isclass(value):
            continue
        if isinstance(value, classmethod | staticmethod | property):
            continue
        if name == "from_config" or not _simple(value):
            continue
        task_attributes[name] = _plain(value)

    from_config = {opt: setting for opt, setting in app_task.Task.from_config}

    exec_options: tuple[str, ...] = ()
    closure = app_task.extract_exec_options.__closure__ or ()
    for cell in closure:
        if isinstance(cell.cell_contents, tuple):
            exec_options = tuple(cell.cell_contents)

    autoretry_source = inspect.getsource(autoretry)
    autoretry_options = re.findall(r"getattr\(\s*task,\s*['\"](\w+)['\"]", autoretry_source)
    autoretry_defaults = _autoretry_defaults(autoretry_source)

    # public methods and properties of ``Task``: a decorator keyword may override them too
    task_methods = sorted(
        name
        for name, value in vars(app_task.Task).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or isinstance(value, classmethod | staticmethod | property))
    )
    return {
        "TASK_ATTRIBUTES": dict(sorted(task_attributes.items())),
        "TASK_OPTION_FROM_SETTING": dict(sorted(from_config.items())),
        "TASK_EXEC_OPTIONS": tuple(sorted(set(exec_options))),
        "TASK_DECORATOR_OPTIONS": _decorator_options(),
        "TASK_AUTORETRY_OPTIONS": tuple(sorted(set(autoretry_options))),
        "TASK_AUTORETRY_DEFAULTS": dict(sorted(autoretry_defaults.items())),
        "TASK_METHODS": tuple(task_methods),
        "TASK_CONTROL_EXCEPTIONS": _control_exceptions(),
    }


def _decorator_options() -> tuple[str, ...]:
    """The keywords ``@app.task(...)`` takes (``_task_from_fun``'s parameters and the
    options ``Celery.task`` reads itself)."""
    from celery.app import base as app_base

    decorator_options = [
        name
        for name, param in inspect.signature(app_base.Celery._task_from_fun).parameters.items()
        if name not in {"self", "fun"} and param.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    task_source = inspect.getsource(app_base.Celery.task)
    decorator_options += re.findall(r"opts\.(?:get|pop)\(\s*['\"](\w+)['\"]", task_source)
    for params in re.findall(r"def inner_create_task_cls\(([^)]*)\)", task_source):
        decorator_options += re.findall(r"(?<![*\w])(\w+)\s*=", params)
    return tuple(sorted(set(decorator_options)))


def _control_exceptions() -> dict[str, tuple[str, ...]]:
    """What a task's control-flow exceptions are caught by (``except Exception`` eats
    Retry)."""
    from celery import exceptions as celery_exceptions

    control_exceptions = {
        _qualified(cls): tuple(_qualified(base) for base in cls.__mro__[1:] if base is not object)
        for cls in (celery_exceptions.Retry, celery_exceptions.Reject, celery_exceptions.Ignore)
    }
    return dict(sorted(control_exceptions.items()))


def _worker_value_options() -> tuple[str, ...]:
    """Options of ``celery`` and ``celery worker`` that take a value (to read -Q in
    commands)."""
    import click
    from celery.bin import celery as celery_cli
    from celery.bin import worker as worker_cli

    worker_value_options: set[str] = set()
    for command in (celery_cli.celery, worker_cli.worker):
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and not param.count:
                worker_value_options.update(param.opts)
    return tuple(sorted(worker_value_options))


def _builtin_tasks() -> tuple[str, ...]:
    """The tasks every app registers when it is finalized (``celery.app.builtins``)."""
    import celery

    probe = celery.Celery("celerylint-probe", set_as_current=False)
    probe.finalize(auto=True)
    return tuple(sorted(name for name in probe.tasks if name.startswith("celery.")))


def _upgrade_facts() -> dict[str, Any]:
    """What exists in the installed celery/kombu, for the upgrade rules (CEL8xx): the names
    removed modules' contents moved to, the loadable result backends and broker transports,
    and the task attributes ``Task.bind`` warns about (routing options, removal in 6.0)."""
    import importlib
    import importlib.util

    from celery.app import task as app_task
    from celery.app.backends import BACKEND_ALIASES
    from kombu.transport import TRANSPORT_ALIASES

    def exports(name: str) -> tuple[str, ...]:
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n
                for n, v in vars(module).items()
                if not n.startswith("_") and getattr(v, "__module__", None) == name
            ]
        return tuple(sorted(n for n in names if not n.startswith("_")))

    def loadable(path: str) -> bool:
        module = path.partition(":")[0] if ":" in path else path.rpartition(".")[0]
        try:
            return importlib.util.find_spec(module) is not None
        except ImportError:
            return False

    deprecated_attributes: tuple[str, ...] = ()
    for const in app_task.Task.bind.__func__.__code__.co_consts:
        if isinstance(const, tuple) and "queue" in const and "routing_key" in const:
            deprecated_attributes = tuple(const)
    return {
        "MODULE_EXPORTS": {
            name: exports(name) for name in ("celery", "celery.schedules", "kombu.utils.encoding")
        },
        "RESULT_BACKEND_MODULES": {
            alias: path for alias, path in sorted(BACKEND_ALIASES.items()) if loadable(path)
        },
        "BROKER_TRANSPORTS": tuple(
            sorted(
                alias
                for alias, path in TRANSPORT_ALIASES.items()
                if isinstance(path, str) and loadable(path)
            )
        ),
        "TASK_DEPRECATED_ATTRIBUTES": deprecated_attributes,
    }


def _crontab_fields() -> tuple[str, ...]:
    """``crontab``'s schedule fields in positional order (``minute`` first)."""
    from celery.schedules import crontab

    params = inspect.signature(crontab.__init__).parameters.values()
    return tuple(p.name for p in params if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD)


def _call_options() -> tuple[str, ...]:
    """Execution options ``apply_async`` understands (its documented arguments and named
    parameters), minus the task's own ``args``/``kwargs``: passed to ``delay`` instead, they
    become task keyword arguments (CEL607)."""
    from celery.app.task import Task

    doc = inspect.getdoc(Task.apply_async) or ""
    section = doc.split("Arguments:", 1)[-1].split("Returns:", 1)[0]
    names = set(re.findall(r"^    (\w+) \(", section, re.MULTILINE))
    for name, param in inspect.signature(Task.apply_async).parameters.items():
        if param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            names.add(name)
    return tuple(sorted(names - {"self", "args", "kwargs"}))


def _backend_chord_support() -> dict[str, str]:
    """How each result backend alias runs chords: ``native`` (it counts finished header
    parts itself: ``implements_incr`` or its own ``apply_chord``), ``polling`` (Celery
    falls back to the ``celery.chord_unlock`` task), or ``unsupported`` (its
    ``ensure_chords_allowed`` raises). Read from the backend modules' source, so that
    optional client libraries (redis, sqlalchemy ...) need not be installed."""
    import ast
    import importlib.util

    from celery.app.backends import BACKEND_ALIASES

    found: dict[str, str] = {}
    for alias, path in sorted(BACKEND_ALIASES.items()):
        module_name, _, class_name = path.rpartition(":") if ":" in path else path.rpartition(".")
        spec = importlib.util.find_spec(module_name)
        if spec is None or spec.origin is None:
            continue
        with open(spec.origin, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        found[alias] = _chord_verdict(class_name, classes, frozenset()) or "polling"
    return found


def _chord_verdict(name: str, classes: dict[str, Any], seen: frozenset[str]) -> str | None:
    """``_backend_chord_support`` for one class: its body, then its bases (in its module's
    source, else ``celery.backends.base``)."""
    import ast

    from celery.backends import base as backend_base

    node = classes.get(name)
    if node is None or name in seen:
        cls = getattr(backend_base, name, None)
        if not isinstance(cls, type):
            return None
        check = getattr(cls, "ensure_chords_allowed", None)
        if check is not None and "raise" in inspect.getsource(check):
            return "unsupported"
        return "native" if getattr(cls, "implements_incr", False) else "polling"
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            if item.name == "ensure_chords_allowed" and any(
                isinstance(n, ast.Raise) for n in ast.walk(item)
            ):
                return "unsupported"
            if item.name == "apply_chord":
                return "native"
        elif (
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "implements_incr" for t in item.targets)
            and isinstance(item.value, ast.Constant)
            and item.value.value is True
        ):
            return "native"
    for base in node.bases:
        base_name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        verdict = _chord_verdict(base_name, classes, seen | {name})
        if verdict is not None:
            return verdict
    return None


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _autoretry_defaults(source: str) -> dict[str, Any]:
    """``getattr(task, "retry_backoff", False)`` -> ``{"retry_backoff": False}`` (literal
    defaults only: what an autoretry option means when neither task nor base sets it)."""
    import ast

    found: dict[str, Any] = {}
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) == 3
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            continue
        try:
            default = ast.literal_eval(node.args[2])
        except ValueError:
            continue
        if _simple(default) or default == {}:
            found[node.args[1].value] = _plain(default)
    return found


def _repr(value: Any) -> str:
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    if isinstance(value, tuple):
        inner = ", ".join(_repr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def render(data: dict[str, Any]) -> str:
    lines = [
        '"""Celery facts read from the installed celery package. GENERATED, do not edit.',
        "",
        "Regenerate with ``python scripts/generate_celery_data.py``; tests/test_celery_data.py",
        "fails when this module drifts from the installed celery.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
    ]
    for name, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{name}: dict[str, Any] = {{")
            for k, v in value.items():
                lines.append(f"    {k!r}: {_repr(v)},")
            lines.append("}")
        elif isinstance(value, tuple):
            lines.append(f"{name}: tuple[str, ...] = (")
            for v in value:
                lines.append(f"    {_repr(v)},")
            lines.append(")")
        else:
            lines.append(f"{name} = {value!r}")
        lines.append("")
    return "\n".join(lines)
