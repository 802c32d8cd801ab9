"""Configuration modules chosen at run time (phase 2).

``app.config_from_object(os.environ.get("PROJ_CELERY_CONFIG", "proj.config.production"))``
(also ``os.getenv``, ``os.environ["X"]``, or a module-level variable holding such a value)
names a module only when the process starts. :func:`selected_modules` lists every project
module the variable can name, with where each name comes from:

* ``default``: the default string of the lookup;
* ``deploy``: a deployment or env file that sets the variable (Procfile, Dockerfile ``ENV``,
  docker-compose ``environment:``, ``.env``), or a non-test module that sets it
  (``os.environ.setdefault``/``os.environ["X"] = ...``);
* ``test``: test-runner configuration that sets it (pytest ``env =``, tox ``setenv``, CI
  files) or a test module/``conftest.py``;
* ``sibling``: a module next to the default, in its package, that star-imports the default
  or one of the modules the default star-imports, and whose name is an environment
  (``staging``, ``testing``, ``local``).

Decision on a module that star-imports the base but that nothing names: it is a candidate
only as a ``sibling`` of the default *named like an environment*; a module such as
``celery_extra.py`` next to it is not (it may be a fragment, not a configuration).

Nothing is guessed: when the variable's name is not a literal, or the lookup is not an
environment read, there is no candidate (the caller marks the app's picture incomplete).
Each candidate is classified by the usual settings classification (``config_classify``), with
``deploy``/``test`` uses counting as ``DJANGO_SETTINGS_MODULE`` references do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celerylint.kit.values import Value
from celerylint.semantics.config_env import EnvRead, Kind, name_kind
from celerylint.semantics.django import is_test_module
from celerylint.semantics.project_files import ProjectFiles

if TYPE_CHECKING:
    from celerylint.project.config_model import ProjectConfig
    from celerylint.project.config_types import ConfigValue
    from celerylint.project.index import ProjectIndex

Resolver = Callable[[Value], "tuple[Value, EnvRead | None]"]


@dataclass(frozen=True, slots=True)
class Selection:
    """A project module an environment variable may name as the config source."""

    module: str
    use: str  # "default" | "deploy" | "test" | "sibling"
    where: str


def selected_modules(
    index: ProjectIndex, files: ProjectFiles, target: Value, resolve: Resolver
) -> list[Selection]:
    """Every project module ``target`` (an environment lookup) may name; empty when
    ``target`` is not a lookup of a named variable."""
    default, env = resolve(target)
    if env is None or env.var is None:
        return []
    var = env.var
    found: list[Selection] = []
    if env.has_default and isinstance(default, str) and default in index.modules:
        found.append(Selection(default, "default", index.modules[default].path))
    for ref in files.variable_references(var):
        found.append(Selection(ref.module, ref.kind, ref.file))
    for facts in index.modules.values():
        for assigned in facts.env_defaults:
            if assigned.var == var:
                use = "test" if is_test_module(facts.module) else "deploy"
                found.append(Selection(assigned.value, use, facts.path))
    found = [s for s in found if s.module in index.modules]
    if env.has_default and isinstance(default, str) and default in index.modules:
        found.extend(_siblings(index, default))
    return found


def _star_parents(index: ProjectIndex, module: str) -> list[str]:
    facts = index.modules.get(module)
    if facts is None:
        return []
    return [i.target for i in facts.imports if i.name == "*" and i.target in index.modules]


def star_ancestors(index: ProjectIndex, module: str) -> list[str]:
    """The project modules ``module`` star-imports, directly or through others."""
    seen: list[str] = []
    stack = [module]
    while stack:
        for parent in _star_parents(index, stack.pop()):
            if parent not in seen and parent != module:
                seen.append(parent)
                stack.append(parent)
    return seen


def _siblings(index: ProjectIndex, default: str) -> list[Selection]:
    package = default.rpartition(".")[0]
    if not package:
        return []
    shared = {default, *star_ancestors(index, default)}
    out: list[Selection] = []
    for module in sorted(index.modules):
        head, _, stem = module.rpartition(".")
        if head != package or module in shared:
            continue
        kind = name_kind(stem)
        if kind is None or kind is Kind.SHARED:
            continue
        if shared & set(star_ancestors(index, module)):
            out.append(Selection(module, "sibling", index.modules[module].path))
    return out


def per_unit_production_values(
    config: ProjectConfig, setting: str
) -> dict[str, tuple[ConfigValue, ...]]:
    """production unit -> the writes of ``setting`` effective in it (inherited ones and the
    apps' own production writes included), so that a check can run on each production or
    staging candidate (``staging`` inheriting ``production``) instead of on their union."""
    app_values = tuple(
        v for v in config.app_values() if v.setting == setting and v.reaches_production
    )
    out: dict[str, tuple[ConfigValue, ...]] = {}
    for unit in config.production_units:
        found = [
            v
            for v in config.unit_values(unit).get(setting, [])
            if v.kind not in {Kind.TEST, Kind.DEVELOPMENT}
        ]
        out[unit] = (*found, *app_values)
    return out
