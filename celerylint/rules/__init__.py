"""Rule discovery: every ``Rule`` subclass in ``celerylint.rules.<family>.<module>``.

Adding a rule means adding one module; nothing else needs to change.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from celerylint.rules.base import FileRule, ProjectRule, Rule


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
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


def rule_lookup(key: str) -> type[Rule] | None:
    """A rule by code (``CEL101``) or name (``models-import-tasks``)."""
    key = key.strip()
    for rule in all_rules():
        if rule.code == key.upper() or rule.name == key.lower():
            return rule
    return None
