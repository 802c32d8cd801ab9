"""Rule discovery: every ``Rule`` subclass in ``celerylint.rules.<family>.<module>``.

Adding a rule means adding one module; nothing else needs to change.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from celerylint.rules.base import Rule

#: a rule module's file name: ``cel101_models_import_tasks.py`` holds CEL101 (the name
#: ``models-import-tasks``); ``tests/test_startup.py`` checks every rule follows it
_RULE_MODULE = re.compile(r"^cel(?P<number>\d{3})_(?P<name>[a-z0-9_]+)$")


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    from celerylint.rules.base import FileRule, ProjectRule, Rule

    found: dict[str, type[Rule]] = {}
    package = importlib.import_module(__name__)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{__name__}."):
        if info.name.endswith(".base"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value not in (Rule, FileRule, ProjectRule)
                and value.__module__ == module.__name__
            ):
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(
                        f"two rules claim {value.code}: {found[value.code]} and {value}"
                    )
                found[value.code] = value
    return tuple(sorted(found.values(), key=lambda r: r.code))


def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


@functools.cache
def rule_modules() -> dict[str, str]:
    """Code and name -> the module that defines the rule, from the file names alone
    (``CEL101`` and ``models-import-tasks`` -> ``celerylint.rules.layering.cel101_...``):
    one rule is found without importing every rule module."""
    found: dict[str, str] = {}
    for family in pkgutil.iter_modules(__path__):
        if not family.ispkg:
            continue
        folders = [os.path.join(path, family.name) for path in __path__]
        for info in pkgutil.iter_modules(folders):
            match = _RULE_MODULE.match(info.name)
            if match is not None and not info.ispkg:
                module = f"{__name__}.{family.name}.{info.name}"
                found[f"CEL{match.group('number')}"] = module
                found[match.group("name").replace("_", "-")] = module
    return found


def rule_codes() -> tuple[str, ...]:
    """Every rule's code, from the rule modules' file names: nothing is imported (the same
    codes as ``all_rules()``; ``tests/test_startup.py`` checks it)."""
    return tuple(sorted(key for key in rule_modules() if key.startswith("CEL")))


def rule_lookup(key: str) -> type[Rule] | None:
    """A rule by code (``CEL101``) or name (``models-import-tasks``). Imports only that
    rule's module when its file is named after it; otherwise looks through every rule."""
    key = key.strip()
    code, name = key.upper(), key.lower()
    from celerylint.rules.base import Rule

    module_name = rule_modules().get(code) or rule_modules().get(name)
    if module_name is not None:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
                and (value.code == code or value.name == name)
            ):
                return value
    for rule in all_rules():
        if rule.code == code or rule.name == name:
            return rule
    return None
