"""``--show-files`` and ``--show-settings``: what a run would check, with which
configuration, and the project model celerylint inferred (as ruff's options of the same
names). Findings depend on this model: users need to see it to trust or correct it.

Nothing here is derived anew: the files come from the run's own planning (a ``Session``
of ``engine/session.py``), the model from the project index and ``semantics/``
(``ProjectConfig``, ``workers``), exactly as the rules see them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from celerylint.config import ConfigResolver, Settings
from celerylint.engine.projects import run_projects
from celerylint.engine.request import RunReport, RunRequest
from celerylint.files import DEFAULT_EXCLUDE


@dataclasses.dataclass
class _Project:
    settings: Settings
    request: RunRequest
    files: list[str]  # displayed paths of the files that would be checked
    skipped: list[tuple[str, str]]
    model: dict[str, Any] | None = None


def show(
    paths: Sequence[Path],
    resolver: ConfigResolver,
    request_for: Callable[[Settings, list[Path]], RunRequest],
    settings: bool,
    output_format: str,
) -> str:
    """The text (or JSON) of ``--show-settings`` (``settings``) or ``--show-files``."""
    from celerylint.engine.plan import display_path
    from celerylint.engine.session import Session

    projects: list[_Project] = []

    def one(found: Settings, project_paths: list[Path]) -> RunReport:
        request = request_for(found, project_paths)
        skipped: list[tuple[str, str]] = []
        with Session(request) as session:
            plan = session.plan(skipped=skipped)
            checked = sorted(plan.reported)
            skipped = [(display_path(path, request.cwd), why) for path, why in skipped]
            skipped += [(job.path, job.problem) for job in plan.jobs if job.problem is not None]
            project = _Project(found, request, checked, sorted(set(skipped)))
            if settings:
                results = session.analyse(plan.jobs)
                for result in results:
                    if result.facts is None and result.diagnostics and result.path in checked:
                        project.skipped.append((result.path, result.diagnostics[0].message))
                project.model = _model(session.index, request, results)
        projects.append(project)
        return RunReport(other_projects=plan.other_projects)

    run_projects(paths, resolver, one)
    if output_format == "json":
        data = [_project_json(p, settings) for p in projects]
        return (
            json.dumps(data if settings else [f for d in data for f in d["files"]], indent=2) + "\n"
        )
    if not settings:
        several = len(projects) > 1
        lines = []
        for project in projects:
            config = project.settings.config_path
            for path in project.files:
                lines.append(f"{path}  ({config or 'default settings'})" if several else path)
        return "".join(f"{line}\n" for line in sorted(lines))
    return "\n".join(_project_text(p) for p in projects)


# -- the model ------------------------------------------------------------------------------


def _text(value: object) -> str:
    from celerylint.kit.values import UNKNOWN, Ref, is_known

    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, str):
        return value
    if isinstance(value, Ref):
        return value.name
    return repr(value) if is_known(value) else "unknown"  # type: ignore[arg-type]


def _model(index: Any, request: RunRequest, results: Sequence[Any]) -> dict[str, Any]:
    from celerylint.project.config_model import ProjectConfig
    from celerylint.project.workers import worker_commands

    config = ProjectConfig.of(index)
    cwd = request.cwd
    root = request.settings.root

    def shown(path: str) -> str:
        from celerylint.engine.plan import display_path

        return display_path(os.path.abspath(path), cwd)

    def setting(name: str, app: str) -> list[str]:
        out: list[str] = []
        for value in config.values_for(name, app, production=False):
            text = _text(value.value)
            if value.env is not None:
                var = value.env.var or "a variable"
                text = f"${var} (default {text})" if value.env.has_default else f"${var} (required)"
            where = f"{shown(value.path)}:{value.span.line}" if value.span else shown(value.path)
            out.append(f"{text} [{value.kind.value}, {where}]")
        return out

    apps = []
    for app in config.apps:
        module, _, name = app.rpartition(".")
        facts = index.modules.get(module)
        line = None
        if facts is not None:
            line = next((a.span.line for a in facts.assignments if a.name == name and a.span), None)
        if line is None:  # assignments keep no position; the app's own arguments do
            line = next(
                (
                    v.span.line
                    for v in config.app_values()
                    if v.source.name == app and v.op == "init" and v.span is not None
                ),
                None,
            )
        apps.append(
            {
                "name": app,
                "path": shown(facts.path) if facts is not None else None,
                "line": line,
                "broker": setting("broker_url", app),
                "backend": setting("result_backend", app),
            }
        )
    units = [
        {
            "name": unit.name,
            "path": shown(unit.path),
            "classification": unit.kind.value,
            "reason": unit.reason,
            "read_by_celery": unit.source is not None,
        }
        for unit in sorted(config.units.values(), key=lambda u: u.name)
    ]
    version = config.celery_version
    workers = [
        {
            "path": shown(str(root / w.path)),
            "line": w.line,
            "queues": list(w.queues) if w.queues is not None else None,
            "exclude_queues": list(w.exclude),
            "known": w.known,
        }
        for w in worker_commands(config.files)
    ]
    return {
        "apps": apps,
        "settings_modules": units,
        "celery_version": {"version": version.text, "origin": version.origin},
        "workers": workers,
        "complete": config.complete,
        "files_indexed": len(results),
        "files_analysed": sum(1 for r in results if not r.light),
    }


# -- output ---------------------------------------------------------------------------------


def _settings_json(settings: Settings, enabled: frozenset[str]) -> dict[str, Any]:
    return {
        "root": str(settings.root),
        "config": str(settings.config_path) if settings.config_path else None,
        "extends": [str(p) for p in settings.extends],
        "inherited-selection": [
            {
                "select": list(select) if select is not None else None,
                "extend-select": list(extend),
                "ignore": list(ignore),
            }
            for select, extend, ignore in settings.inherited_selection
        ],
        "select": list(settings.select) if settings.select is not None else None,
        "extend-select": list(settings.extend_select),
        "ignore": list(settings.ignore),
        "per-file-ignores": {p: list(c) for p, c in settings.per_file_ignores},
        "exclude": list(settings.exclude or DEFAULT_EXCLUDE),
        "extend-exclude": list(settings.extend_exclude),
        "src": [str(p) for p in settings.src] if settings.src is not None else None,
        "respect-gitignore": settings.respect_gitignore,
        "options": {
            code: {
                f.name.replace("_", "-"): _plain(getattr(value, f.name))
                for f in dataclasses.fields(value)
            }
            for code, value in sorted(settings.rule_options.items())
        },
        **{key: _plain(value) for key, value in sorted(settings.extra.items())},
        "enabled": sorted(enabled),
    }


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _project_json(project: _Project, settings: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "settings": _settings_json(project.settings, project.request.enabled),
        "files": project.files,
        "skipped": [{"path": p, "reason": r} for p, r in project.skipped],
    }
    if settings:
        data["model"] = project.model
    else:
        config = project.settings.config_path
        data["files"] = [
            {"path": f, "config": str(config) if config else None} for f in project.files
        ]
    return data


def _toml(value: object) -> str:
    return json.dumps(_plain(value))


def _project_text(project: _Project) -> str:
    s = _settings_json(project.settings, project.request.enabled)
    lines = [f"Project: {s['root']}"]
    if s["config"]:
        extends = f" (extends {', '.join(s['extends'])})" if s["extends"] else ""
        lines.append(f"Configuration: {s['config']}{extends}")
    else:
        lines.append("Configuration: none (default settings)")
    lines.append("Settings:")
    for key, value in s.items():
        if key in ("root", "config", "extends", "options", "enabled"):
            continue
        lines.append(f"  {key} = {_toml(value)}")
    for code, values in s["options"].items():
        lines.append(f"  options.{code} = {_toml(values)}")
    lines.append(f"  enabled rules ({len(s['enabled'])}) = {', '.join(s['enabled'])}")
    model = project.model or {}
    lines.append("Celery apps:")
    for app in model.get("apps", []):
        where = f"{app['path']}:{app['line']}" if app["line"] else app["path"] or "?"
        lines.append(f"  {app['name']} ({where})")
        lines.append(f"    broker: {'; '.join(app['broker']) or 'not set (the default)'}")
        lines.append(f"    backend: {'; '.join(app['backend']) or 'not set (the default)'}")
    if not model.get("apps"):
        lines.append("  none found")
    lines.append("Settings modules (classification: reason):")
    for unit in model.get("settings_modules", []):
        read = "" if unit["read_by_celery"] else ", not read by Celery"
        reason = unit["reason"] or "no signal"
        lines.append(f"  {unit['name']} ({unit['path']}{read}): {unit['classification']}: {reason}")
    if not model.get("settings_modules"):
        lines.append("  none found")
    version = model.get("celery_version", {})
    lines.append(f"Celery version: {version.get('version')} ({version.get('origin')})")
    lines.append("Worker commands:")
    for worker in model.get("workers", []):
        queues = worker["queues"]
        text = (
            "unknown queues"
            if not worker["known"]
            else ("queues " + ", ".join(queues) if queues is not None else "the default queue")
        )
        if worker["exclude_queues"]:
            text += " (excluding " + ", ".join(worker["exclude_queues"]) + ")"
        lines.append(f"  {worker['path']}:{worker['line']}: {text}")
    if not model.get("workers"):
        lines.append("  none found")
    if not model.get("complete", True):
        lines.append("The configuration could not be followed everywhere: rules stay silent there")
    lines.append(
        f"Files: {len(project.files)} checked, {model.get('files_indexed', 0)} indexed, "
        f"{model.get('files_analysed', 0)} analysed in full"
    )
    lines.append("Skipped:")
    for path, reason in project.skipped:
        lines.append(f"  {path}: {reason}")
    if not project.skipped:
        lines.append("  nothing")
    return "".join(f"{line}\n" for line in lines)
