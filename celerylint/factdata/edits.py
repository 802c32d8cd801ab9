"""Text edits computed in phase 1 for a project rule to attach in phase 2."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.diagnostics import Fix, Span
from celerylint.pickling import fast_pickling


@dataclass(frozen=True, slots=True)
class ModuleEndFact:
    """Where a package module's text ends (CEL103's collector), to append to it."""

    span: Span  # an empty span after the last character
    newline: bool  # the text ends with a line break (or is empty)
    #: the module has no text at all: the appended import needs no blank line before it
    #: (a fact of its own, so that no rule reads meaning into an absolute position)
    empty: bool = False


@dataclass(frozen=True, slots=True)
class FixFact:
    """A ready fix for the node at ``span``, computed in phase 1 for a project rule to
    attach in phase 2 (CEL301's ``on_commit`` rewrite, ``ModuleFacts.hook_fixes``)."""

    span: Span
    fix: Fix


@dataclass(frozen=True, slots=True)
class ImportMoveFact:
    """A top-level import of a models module that can move into the functions using it
    (``rules/layering/_import_moves.py``), with the ready text edits (CEL101's fix)."""

    span: Span  # the Import/ImportFrom statement (as ``ImportFact.span``)
    names: tuple[str, ...]  # the local names it binds
    functions: tuple[str, ...]  # where the uses are (``Order.mark_paid``)
    fix: Fix


fast_pickling(globals())
