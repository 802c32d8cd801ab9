"""Which rules are on: ruff's selector semantics (codes, prefixes, ``ALL``; the most
specific selector wins, and on a tie ``ignore`` wins)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


#: one layer of selectors: (select or None, extend-select, ignore)
Layer = tuple[Sequence[str] | None, Sequence[str], Sequence[str]]


def resolve(
    rules: Sequence[type[Rule]],
    select: Sequence[str] | None,
    extend_select: Sequence[str],
    ignore: Sequence[str],
) -> frozenset[str]:
    """The enabled codes for one layer of selectors on top of the default-on rules."""
    return resolve_layers(rules, [(select, extend_select, ignore)])


def resolve_layers(rules: Sequence[type[Rule]], layers: Sequence[Layer]) -> frozenset[str]:
    """ruff's selection: start from the default-on rules, then apply each layer in turn
    (the configuration file, then the command line). Within a layer the most specific
    selector decides a rule (``ALL`` < ``CEL`` < ``CEL1`` < ``CEL101``) and ``ignore`` wins
    a tie; a layer with ``select`` replaces the set, a layer without it edits the set.
    ``CEL000`` (unreadable file) stays on unless its exact code is ignored."""
    enabled = {rule.code for rule in rules if rule.default_enabled}
    parse_errors = True
    for select, extend_select, ignore in layers:
        turn_on = [*(select or ()), *extend_select]
        updates: dict[str, bool] = {}
        for rule in rules:
            best_on = max(_matches(turn_on, rule.code), default=-1)
            best_off = max(_matches(ignore, rule.code), default=-1)
            if best_on > best_off:
                updates[rule.code] = True
            elif best_off >= 0:
                updates[rule.code] = False
        if select is not None:
            enabled = {code for code, on in updates.items() if on}
        else:
            for code, on in updates.items():
                if on:
                    enabled.add(code)
                else:
                    enabled.discard(code)
        if PARSE_ERROR_CODE in ignore:
            parse_errors = False
        elif PARSE_ERROR_CODE in turn_on:
            parse_errors = True
    enabled.discard(PARSE_ERROR_CODE)
    if parse_errors and any(rule.code == PARSE_ERROR_CODE for rule in rules):
        enabled.add(PARSE_ERROR_CODE)
    return frozenset(enabled)


def _matches(selectors: Iterable[str], code: str) -> Iterator[int]:
    for selector in selectors:
        spec = _specificity(selector, code)
        if spec is not None:
            yield spec
