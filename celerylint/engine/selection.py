"""Which rules are on: ruff's selector semantics (codes, prefixes, ``ALL``; the most
specific selector wins, and on a tie ``ignore`` wins)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from celerylint.rules.base import Rule

PARSE_ERROR_CODE = "CEL000"


class SelectorError(ValueError):
    pass


def _specificity(selector: str, code: str) -> int | None:
    if selector == "ALL":
        return 0
    if code.startswith(selector):
        return len(selector)
    return None


def validate_selector(selector: str, codes: Iterable[str]) -> str:
    """Normalise a selector, or raise naming the problem and a close match."""
    value = selector.strip().upper()
    codes = list(codes)
    if value == "ALL" or (
        any(code.startswith(value) for code in codes) and value.startswith("CEL")
    ):
        return value
    close = difflib.get_close_matches(value, codes, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    raise SelectorError(f"unknown rule selector `{selector}`{hint}")


def resolve(
    rules: Sequence[type[Rule]],
    select: Sequence[str] | None,
    extend_select: Sequence[str],
    ignore: Sequence[str],
) -> frozenset[str]:
    enabled: set[str] = set()
    for rule in rules:
        best_on = -1
        if select is None:
            if rule.default_enabled:
                best_on = 0
        else:
            for sel in select:
                spec = _specificity(sel, rule.code)
                if spec is not None:
                    best_on = max(best_on, spec)
        for sel in extend_select:
            spec = _specificity(sel, rule.code)
            if spec is not None:
                best_on = max(best_on, spec)
        best_off = -1
        for sel in ignore:
            spec = _specificity(sel, rule.code)
            if spec is not None:
                best_off = max(best_off, spec)
        if rule.code == PARSE_ERROR_CODE:
            # like ruff's syntax errors: always reported unless ignored by its exact code
            if best_off < len(PARSE_ERROR_CODE):
                enabled.add(rule.code)
            continue
        if best_on >= 0 and best_on > best_off:
            enabled.add(rule.code)
    return frozenset(enabled)
