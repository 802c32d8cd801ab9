"""Baselines: adopt celerylint in a large project by recording today's findings and
reporting only new ones.

An entry is matched on its file (relative to the baseline file's directory), its rule
code and a hash of the source line it flags, never on the line number alone: an edit
elsewhere in the file that moves the finding up or down keeps it baselined, while a new
finding of the same rule on different code is reported. When a file holds several
identical entries, each current finding is paired with the nearest recorded line, and
the ones left over are new.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from celerylint import __version__
from celerylint.diagnostics import Diagnostic
from celerylint.reporters.fingerprint import content_hash, flagged_text, portable_path

FORMAT_VERSION = 1


class BaselineError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Entry:
    path: str  # relative to the baseline file's directory, forward slashes
    code: str
    fingerprint: str  # content_hash(path, code, flagged text)
    line: int  # where it was when recorded (used only to pair identical entries)
    message: str  # for people reading the file; not matched

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.code, self.fingerprint)


def _entry(diag: Diagnostic, sources: Mapping[str, str], base: str) -> Entry:
    path = portable_path(diag.path, base)
    fingerprint = content_hash(path, diag.code, flagged_text(diag, sources))
    return Entry(path, diag.code, fingerprint, diag.span.line, diag.message)


def _base(file: Path) -> str:
    return os.path.dirname(os.path.abspath(file))


def write_baseline(
    file: Path, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]
) -> int:
    """Record ``diagnostics`` in ``file``; returns how many were recorded."""
    base = _base(file)
    entries = sorted(
        (_entry(d, sources, base) for d in diagnostics),
        key=lambda e: (e.path, e.line, e.code, e.fingerprint),
    )
    data = {
        "celerylint-baseline": FORMAT_VERSION,
        "generated-by": f"celerylint {__version__}",
        "findings": [
            {
                "path": e.path,
                "code": e.code,
                "fingerprint": e.fingerprint,
                "line": e.line,
                "message": e.message,
            }
            for e in entries
        ],
    }
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{file}: cannot write baseline ({exc.strerror})") from None
    return len(entries)


@dataclass(frozen=True)
class Baseline:
    file: Path
    entries: tuple[Entry, ...]

    def filter(
        self, diagnostics: Sequence[Diagnostic], sources: Mapping[str, str]
    ) -> tuple[list[Diagnostic], int]:
        """(the diagnostics not in the baseline, how many were hidden)."""
        base = _base(self.file)
        recorded: dict[tuple[str, str, str], list[int]] = {}
        for entry in self.entries:
            recorded.setdefault(entry.key, []).append(entry.line)
        current: dict[tuple[str, str, str], list[int]] = {}
        for i, diag in enumerate(diagnostics):
            current.setdefault(_entry(diag, sources, base).key, []).append(i)
        hidden: set[int] = set()
        for key, indices in current.items():
            lines = recorded.get(key)
            if not lines:
                continue
            if len(lines) >= len(indices):
                hidden.update(indices)
                continue
            # more findings than entries: pair each entry with the nearest finding
            pairs = sorted(
                (abs(diagnostics[i].span.line - line), n, i)
                for n, line in enumerate(lines)
                for i in indices
            )
            used_entries: set[int] = set()
            for _, n, i in pairs:
                if n in used_entries or i in hidden:
                    continue
                used_entries.add(n)
                hidden.add(i)
        kept = [d for i, d in enumerate(diagnostics) if i not in hidden]
        return kept, len(hidden)


def load_baseline(file: Path) -> Baseline:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"{file}: baseline file not found (create it with `--write-baseline {file}`)"
        ) from None
    except OSError as exc:
        raise BaselineError(f"{file}: cannot read baseline ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{file}: not a celerylint baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or "celerylint-baseline" not in data:
        raise BaselineError(f"{file}: not a celerylint baseline")
    if data["celerylint-baseline"] != FORMAT_VERSION:
        raise BaselineError(
            f"{file}: baseline format {data['celerylint-baseline']!r} is not supported "
            f"(expected {FORMAT_VERSION}); write it again with `--write-baseline`"
        )
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{file}: `findings` must be a list")
    entries = []
    for number, item in enumerate(findings, start=1):
        try:
            entries.append(
                Entry(
                    str(item["path"]),
                    str(item["code"]),
                    str(item["fingerprint"]),
                    int(item.get("line", 0)),
                    str(item.get("message", "")),
                )
            )
        except (TypeError, KeyError, ValueError, AttributeError):
            raise BaselineError(
                f"{file}: finding #{number} needs `path`, `code` and `fingerprint`"
            ) from None
    return Baseline(file, tuple(entries))
