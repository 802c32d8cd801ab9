"""Stable identities for findings, shared by the baseline and the CI reporters.

A finding is identified by its file, its rule code and the *text* it flags (the source
line where it starts, with whitespace collapsed), not by its line number: an edit that
only moves the code up or down keeps the identity. Findings that share all three in one
file are told apart by an occurrence counter in source order.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence

from celerylint.diagnostics import Diagnostic


def flagged_text(diag: Diagnostic, sources: Mapping[str, str]) -> str:
    """The source line where the finding starts, whitespace-normalised ("" if unknown)."""
    text = sources.get(diag.path)
    if text is None:
        return ""
    lines = text.splitlines()
    if not 0 < diag.span.line <= len(lines):
        return ""
    return " ".join(lines[diag.span.line - 1].split())


def portable_path(path: str, base: str | None = None) -> str:
    """``path`` relative to ``base`` (default: as given), with forward slashes."""
    if base is not None:
        try:
            path = os.path.relpath(os.path.abspath(path), base)
        except ValueError:  # another drive on Windows
            path = os.path.abspath(path)
    return path.replace(os.sep, "/")


def content_hash(path: str, code: str, text: str) -> str:
    """A short hash of what identifies a finding apart from where it is."""
    digest = hashlib.sha256(f"{path}\0{code}\0{text}".encode())
    return digest.hexdigest()[:16]


def fingerprints(
    diagnostics: Sequence[Diagnostic], sources: Mapping[str, str], base: str | None = None
) -> list[str]:
    """One stable, unique fingerprint per diagnostic (in the given order)."""
    seen: dict[str, int] = {}
    ordered = sorted(range(len(diagnostics)), key=lambda i: diagnostics[i].sort_key)
    result = [""] * len(diagnostics)
    for i in ordered:
        d = diagnostics[i]
        key = content_hash(portable_path(d.path, base), d.code, flagged_text(d, sources))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        result[i] = hashlib.sha256(f"{key}:{occurrence}".encode()).hexdigest()[:32]
    return result
