"""Applying fixes: ``--fix``, ``--unsafe-fixes``, ``--diff``, ``--fix-only``.

The loop (ruff's): check the project, apply every applicable, non-overlapping fix of a
file in one pass, re-check only the files that changed (phase 1 for them, phase 2 for the
project), and repeat until nothing changes, at most ``MAX_ROUNDS`` times. A file whose
fixed source no longer parses is never written: the fixes that break it are dropped and
reported. Files are written atomically (a temporary file in the same directory, then
``os.replace``), keeping their permissions, line endings and encoding.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import difflib
import io
import os
import re
import stat
import tempfile
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from celerylint.diagnostics import Diagnostic, Edit, Fix
from celerylint.diagnostics import is_applicable as is_applicable
from celerylint.engine.edits import apply_edits, line_starts, offset
from celerylint.engine.file_pass import FileResult
from celerylint.engine.runner import (
    FileJob,
    RunReport,
    RunRequest,
    finish_diagnostics,
    plan_jobs,
    run_phase_one,
)
from celerylint.engine.source import read_bytes
from celerylint.facts.index import ProjectIndex

#: re-check rounds before giving up on fixes that keep producing new fixes
MAX_ROUNDS = 10


@dataclass
class FixedFile:
    """A file the fixes changed (in memory; ``write_fixes`` puts it on disk)."""

    path: str  # displayed
    abspath: str
    original: str
    fixed: str
    encoding: str
    fixed_codes: Counter[str] = field(default_factory=Counter)

    def data(self) -> bytes:
        return self.fixed.encode(self.encoding)

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.fixed.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


@dataclass
class FixReport:
    report: RunReport  # the findings left after fixing
    files: list[FixedFile]
    problems: list[str]  # fixes that were dropped, files that could not be written

    @property
    def fixed(self) -> int:
        return sum(sum(f.fixed_codes.values()) for f in self.files)

    def fixed_by_code(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.fixed_codes)
        return total


# -- text and encoding ---------------------------------------------------------------------


def decode_source(data: bytes) -> tuple[str, str]:
    """(text, encoding) as Python reads the file; a BOM is kept through ``utf-8-sig``."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        codecs.lookup(encoding)
    except (SyntaxError, LookupError):
        encoding = "utf-8"
    return data.decode(encoding), encoding


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:  # any parser failure means "do not write this"
        return False
    return True


def _intervals(text: str, fix: Fix) -> list[tuple[int, int]]:
    starts = line_starts(text)
    return sorted(
        (
            offset(starts, e.span.line, e.span.column),
            offset(starts, e.span.end_line, e.span.end_column),
        )
        for e in fix.edits
    )


def _conflicts(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    # touching edits conflict too (an insertion at the end of another edit is ambiguous)
    return any(s1 <= e2 and s2 <= e1 for s1, e1 in a for s2, e2 in b)


def apply_fixes(text: str, diagnostics: Sequence[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """One pass: apply the non-overlapping fixes of one file, in source order.

    Returns the new text and the diagnostics whose fix was applied (a fix identical to
    one already applied counts as applied: several findings may share one rewrite).
    """
    chosen: list[tuple[Fix, list[tuple[int, int]]]] = []
    applied: list[Diagnostic] = []
    ordered = sorted(diagnostics, key=lambda d: (_intervals(text, d.fix)[0], d.sort_key))  # type: ignore[arg-type]
    for diag in ordered:
        fix = diag.fix
        assert fix is not None
        if any(fix.edits == other.edits for other, _ in chosen):
            applied.append(diag)
            continue
        spans = _intervals(text, fix)
        if any(_conflicts(spans, other) for _, other in chosen):
            continue
        chosen.append((fix, spans))
        applied.append(diag)
    edits: list[Edit] = [e for fix, _ in chosen for e in fix.edits]
    newline = _newline(text)
    if newline != "\n":
        edits = [dataclasses.replace(e, content=_LF.sub(newline, e.content)) for e in edits]
    return apply_edits(text, edits), applied


_LF = re.compile(r"(?<!\r)\n")


def _newline(text: str) -> str:
    """The file's line ending (its first one): edits written with ``\\n`` get it."""
    found = re.search(r"\r\n|\n|\r", text)
    return found.group() if found is not None else "\n"


def _apply_parsable(
    text: str, diagnostics: Sequence[Diagnostic], problems: list[str]
) -> tuple[str, list[Diagnostic]]:
    """Like ``apply_fixes``, but never returns unparsable code: fixes that break the file
    on their own are dropped (and reported); if the rest still clash, apply the first."""
    new_text, applied = apply_fixes(text, diagnostics)
    if new_text == text or parses(new_text):
        return new_text, applied
    good: list[Diagnostic] = []
    for diag in applied:
        alone, _ = apply_fixes(text, [diag])
        if parses(alone):
            good.append(diag)
        else:
            problems.append(
                f"{diag.path}:{diag.span.line}:{diag.span.column}: the fix for {diag.code} "
                "would produce invalid code, so it was not applied (please report this bug)"
            )
    new_text, applied = apply_fixes(text, good)
    if new_text != text and not parses(new_text):
        new_text, applied = apply_fixes(text, good[:1])
    return new_text, applied


# -- the loop ------------------------------------------------------------------------------


def fix_run(request: RunRequest, *, unsafe: bool = False, rounds: int = MAX_ROUNDS) -> FixReport:
    """Check, fix in memory and re-check until stable. Nothing is written here."""
    settings = request.settings
    enabled = request.enabled
    options = dict(settings.rule_options)
    processes = request.jobs if request.jobs > 0 else (os.cpu_count() or 1)
    other_projects: set[str] = set()
    jobs, report_only = plan_jobs(request, other_projects=other_projects)
    reported = {job.path for job in jobs if report_only is None or job.abspath in report_only}
    job_by_path = {job.path: job for job in jobs}
    results: dict[str, FileResult] = {
        r.path: r for r in run_phase_one(jobs, enabled, options, processes)
    }
    files: dict[str, FixedFile] = {}
    problems: list[str] = []

    def finish() -> RunReport:
        report = RunReport()
        for result in results.values():
            report.crashes.extend(result.crashes)
        index = ProjectIndex((r.facts for r in results.values() if r.facts is not None), settings)
        report.diagnostics = finish_diagnostics(
            [r for path, r in results.items() if path in reported],
            index,
            enabled,
            options,
            settings,
            report,
        )
        report.files_checked = len(reported)
        report.files_indexed = len(jobs)
        report.other_projects = set(other_projects)
        return report

    report = finish()
    for _ in range(rounds):
        by_path: dict[str, list[Diagnostic]] = {}
        for diag in report.diagnostics:
            if is_applicable(diag.fix, unsafe):
                by_path.setdefault(diag.path, []).append(diag)
        changed: list[FileJob] = []
        for path, diagnostics in by_path.items():
            job = job_by_path.get(path)
            if job is None:
                continue
            current = files.get(path)
            if current is None:
                data = job.data
                if data is None:
                    data, _ = read_bytes(job.abspath)
                    if data is None:
                        continue
                try:
                    text, encoding = decode_source(data)
                except UnicodeDecodeError:
                    continue
                current = FixedFile(path, job.abspath, text, text, encoding)
            new_text, applied = _apply_parsable(current.fixed, diagnostics, problems)
            if new_text == current.fixed:
                continue
            try:
                data = new_text.encode(current.encoding)
            except UnicodeEncodeError:
                problems.append(
                    f"{path}: the fixed code cannot be written in the file's encoding "
                    f"({current.encoding}); the file was not fixed"
                )
                continue
            current.fixed = new_text
            current.fixed_codes.update(d.code for d in applied)
            files[path] = current
            job = dataclasses.replace(job, data=data, problem=None)
            job_by_path[path] = job
            changed.append(job)
        if not changed:
            break
        for result in run_phase_one(changed, enabled, options, processes):
            results[result.path] = result
        report = finish()
    else:
        if any(is_applicable(d.fix, unsafe) for d in report.diagnostics):
            problems.append(
                f"fixes did not settle after {rounds} rounds; some fixable findings remain "
                "(please report this bug)"
            )
    return FixReport(report, [f for f in files.values() if f.fixed != f.original], problems)


# -- writing -------------------------------------------------------------------------------


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path``'s content in one step: a temporary file next to it, then rename.

    The file keeps its permissions; a symbolic link keeps pointing at the fixed file.
    """
    target = os.path.realpath(path)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    directory = os.path.dirname(target) or "."
    fd, temp = tempfile.mkstemp(prefix=".celerylint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_fixes(files: Iterable[FixedFile]) -> list[str]:
    """Write the fixed files; returns one message per file that could not be written."""
    problems = []
    for f in files:
        try:
            write_atomic(f.abspath, f.data())
        except OSError as exc:
            problems.append(f"{f.path}: could not write the fixed file ({exc.strerror or exc})")
    return problems
