"""Do a call's arguments fit a task's signature? ``inspect.Signature.bind`` on facts.

Celery checks arity only on the producer and only for ``typing=True`` tasks (``send_task``,
beat entries and string signatures are never checked): a mismatch otherwise surfaces as a
``TypeError`` in the worker log, far from the caller. This module emulates Python's own
binding rules on ``ParamFact``s so that rules can tell, from literal arguments alone,
whether a call can bind. Counts and names only: argument *values* never matter here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from celerylint.factdata import ParamFact
from celerylint.kit.values import UNKNOWN, Value

_POSITIONAL = ("posonly", "normal")


@dataclass(frozen=True, slots=True)
class BindProblem:
    """Why arguments cannot bind. ``kind``: ``too-many`` (positionals), ``unexpected``
    (keyword), ``duplicate`` (a keyword also filled by position), ``positional-only``
    (passed by keyword), ``missing`` (required parameters left unfilled)."""

    kind: str
    names: tuple[str, ...] = ()
    accepted: int = 0  # positional slots, for ``too-many``
    given: int = 0  # positionals given, for ``too-many``

    def describe(self) -> str:
        """Python's own wording, e.g. ``missing 1 required argument: 'width'``."""
        quoted = _join(self.names)
        if self.kind == "too-many":
            slots = "argument" if self.accepted == 1 else "arguments"
            were = "was" if self.given == 1 else "were"
            return f"takes {self.accepted} positional {slots} but {self.given} {were} given"
        if self.kind == "unexpected":
            return f"got an unexpected keyword argument {quoted}"
        if self.kind == "duplicate":
            return f"got multiple values for argument {quoted}"
        if self.kind == "positional-only":
            return f"got positional-only arguments passed as keyword arguments: {quoted}"
        count = len(self.names)
        noun = "argument" if count == 1 else "arguments"
        return f"missing {count} required {noun}: {quoted}"


def _join(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def caller_parameters(params: Sequence[ParamFact], bind: Value) -> tuple[ParamFact, ...] | None:
    """The parameters a caller fills: the task's own, ``self`` dropped for ``bind=True``.

    None when it cannot be known (``bind`` is not a literal, or a bound task declares no
    parameter to receive the task instance).
    """
    if bind is UNKNOWN or not isinstance(bind, bool | None):
        return None
    if not bind:
        return tuple(params)
    if params and params[0].kind in _POSITIONAL:
        return tuple(params[1:])
    if params and params[0].kind == "var":
        return tuple(params)  # ``def run(*args)``: the instance is args[0]
    return None


def accepts_var_positional(params: Sequence[ParamFact]) -> bool:
    return any(p.kind == "var" for p in params)


def accepts_var_keyword(params: Sequence[ParamFact]) -> bool:
    return any(p.kind == "varkw" for p in params)


def bind(
    params: Sequence[ParamFact],
    positional: int,
    keywords: Sequence[str] = (),
    *,
    prepended: int = 0,
    partial: bool = False,
) -> BindProblem | None:
    """The first reason the arguments cannot bind to ``params``, or None if they can.

    ``positional`` and ``keywords`` are what the call passes; ``prepended`` counts
    arguments Celery adds in front at run time (the parent's result for a mutable
    signature in a chain or callback). Checked in Python's order: too many positionals,
    then each keyword (positional-only, duplicate, unexpected), then missing required
    parameters (skipped when ``partial``: a mutable signature may get more when called).
    """
    total = positional + prepended
    slots = [p for p in params if p.kind in _POSITIONAL]
    if total > len(slots) and not accepts_var_positional(params):
        return BindProblem("too-many", accepted=len(slots), given=total)
    filled = {p.name for p in slots[:total]}
    by_name = {p.name: p for p in params if p.kind in (*_POSITIONAL, "kwonly")}
    var_keyword = accepts_var_keyword(params)
    posonly_as_keyword: list[str] = []
    for name in keywords:
        param = by_name.get(name)
        if param is None or param.kind == "posonly":
            if var_keyword:
                continue
            if param is not None:
                posonly_as_keyword.append(name)
                continue
            return BindProblem("unexpected", (name,))
        if name in filled:
            return BindProblem("duplicate", (name,))
        filled.add(name)
    if posonly_as_keyword:
        return BindProblem("positional-only", tuple(posonly_as_keyword))
    if partial:
        return None
    missing = tuple(
        p.name
        for p in params
        if p.kind in (*_POSITIONAL, "kwonly") and not p.has_default and p.name not in filled
    )
    if missing:
        return BindProblem("missing", missing)
    return None


def render_signature(params: Sequence[ParamFact]) -> str:
    """``(image_id, width, height=...)`` for messages (``/`` and ``*`` markers included)."""
    parts: list[str] = []
    kinds = [p.kind for p in params]
    for i, param in enumerate(params):
        if param.kind == "kwonly" and "var" not in kinds and (i == 0 or kinds[i - 1] != "kwonly"):
            parts.append("*")
        if param.kind == "var":
            parts.append(f"*{param.name}")
        elif param.kind == "varkw":
            parts.append(f"**{param.name}")
        else:
            parts.append(f"{param.name}=..." if param.has_default else param.name)
        if param.kind == "posonly" and (i + 1 == len(params) or kinds[i + 1] != "posonly"):
            parts.append("/")
    return f"({', '.join(parts)})"
