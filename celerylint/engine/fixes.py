"""Applying fixes: ``--fix``, ``--unsafe-fixes``, ``--diff``, ``--fix-only``.

The loop (ruff's): check the project, apply every applicable, non-overlapping fix of a
file in one pass, re-check only the files that changed (phase 1 for them, phase 2 for the
project), and repeat until nothing changes, at most ``MAX_ROUNDS`` times; all through one
``engine/session.py::Session``, so the prefilter, the result cache and one process pool
serve every round. A file whose fixed source no longer parses is never written: the fixes
that break it are dropped and reported. Files are written atomically (a temporary file in
the same directory, then ``os.replace``), keeping their permissions, line endings and
encoding.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import difflib
import io
import os
import stat
import tempfile
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from celerylint.diagnostics import Diagnostic, Edit, Fix
from celerylint.diagnostics import is_applicable as is_applicable
from celerylint.engine.plan import FileJob
from celerylint.engine.request import RunReport, RunRequest
from celerylint.engine.session import Plan, Session
from celerylint.engine.source import read_bytes
from celerylint.kit.text_edits import apply_edits

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
    #: the bytes the fixes were computed from: the file is not overwritten if it no
    #: longer has them (None: not read from disk, e.g. standard input)
    source: bytes | None = None
    written: bool = False  # set by ``write_fixes``

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
    #: files not fixed because they changed after phase 1 read them (``report`` is stale
    #: for them)
    changed_on_disk: list[str] = field(default_factory=list)

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


def _intervals(fix: Fix) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return sorted(
        ((e.span.line, e.span.column), (e.span.end_line, e.span.end_column)) for e in fix.edits
    )


def _conflicts(
    a: list[tuple[tuple[int, int], tuple[int, int]]],
    b: list[tuple[tuple[int, int], tuple[int, int]]],
) -> bool:
    # touching edits conflict too (an insertion at the end of another edit is ambiguous)
    return any(s1 <= e2 and s2 <= e1 for s1, e1 in a for s2, e2 in b)


def choose_fixes(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics whose fixes one pass applies: in source order, each fix that does
    not overlap (or touch) one chosen before it. A fix identical to one already chosen
    counts as chosen (several findings may share one rewrite); its edits are not repeated.
    The language server's "fix all" makes the same choice."""
    chosen: list[tuple[Fix, list[tuple[tuple[int, int], tuple[int, int]]]]] = []
    applied: list[Diagnostic] = []
    with_fixes = [d for d in diagnostics if d.fix is not None and d.fix.edits]
    ordered = sorted(with_fixes, key=lambda d: (_intervals(d.fix)[0], d.sort_key))  # type: ignore[arg-type]
    for diag in ordered:
        fix = diag.fix
        assert fix is not None
        if any(fix.edits == other.edits for other, _ in chosen):
            applied.append(diag)
            continue
        spans = _intervals(fix)
        if any(_conflicts(spans, other) for _, other in chosen):
            continue
        chosen.append((fix, spans))
        applied.append(diag)
    return applied


def chosen_edits(applied: Iterable[Diagnostic]) -> list[Edit]:
    """The edits of chosen fixes, each distinct fix once."""
    seen: set[tuple[Edit, ...]] = set()
    edits: list[Edit] = []
    for diag in applied:
        assert diag.fix is not None
        if diag.fix.edits not in seen:
            seen.add(diag.fix.edits)
            edits.extend(diag.fix.edits)
    return edits


def apply_fixes(text: str, diagnostics: Sequence[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """One pass: apply the non-overlapping fixes of one file, in source order.

    Returns the new text and the diagnostics whose fix was applied (a fix identical to
    one already applied counts as applied: several findings may share one rewrite).
    """
    applied = choose_fixes(diagnostics)
    return apply_edits(text, chosen_edits(applied)), applied


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
    """Check, fix in memory and re-check until stable. Nothing is written here.

    The project goes through one :class:`Session` (its prefilter and result cache
    included); a fixed file is re-analysed from its new text in memory, whose result is
    cached by that content (so the next run finds it once the file is written)."""
    with Session(request) as session:
        plan = session.plan()
        # taken before phase 1 reads the files: a file that changes after this is not
        # fixed from findings about its older content
        stamps = {job.path: _stamp(job.abspath) for job in plan.jobs if job.data is None}
        session.analyse(plan.jobs)
        fixer = _Fixer(session, stamps)
        report = _report(session, plan)
        for _ in range(rounds):
            changed = fixer.fix(report.diagnostics, unsafe)
            if not changed:
                break
            session.analyse(changed)
            report = _report(session, plan)
        else:
            if any(is_applicable(d.fix, unsafe) for d in report.diagnostics):
                fixer.problems.append(
                    f"fixes did not settle after {rounds} rounds; some fixable findings "
                    "remain (please report this bug)"
                )
    fixed = [f for f in fixer.files.values() if f.fixed != f.original]
    return FixReport(report, fixed, fixer.problems, fixer.changed_on_disk)


def _report(session: Session, plan: Plan) -> RunReport:
    """The findings left in the reported files (phase 2 over the session's state)."""
    report = RunReport()
    report.crashes.extend(session.file_crashes())
    reported = plan.reported
    report.diagnostics = session.finish(sorted(reported), report.crashes)
    report.files_checked = len(reported)
    report.files_indexed = len(plan.jobs)
    report.files_analysed = sum(1 for r in session.results.values() if not r.light)
    report.other_projects = set(plan.other_projects)
    return report


class _Fixer:
    """The files fixed so far (in memory) and what went wrong."""

    def __init__(self, session: Session, stamps: dict[str, tuple[int, int, int] | None]) -> None:
        self.session = session
        self.stamps = stamps
        self.files: dict[str, FixedFile] = {}
        self.problems: list[str] = []
        self.changed_on_disk: list[str] = []

    def fix(self, diagnostics: Iterable[Diagnostic], unsafe: bool) -> list[FileJob]:
        """One round: apply each file's applicable fixes; the jobs of the changed files,
        with their new content."""
        by_path: dict[str, list[Diagnostic]] = {}
        for diag in diagnostics:
            if is_applicable(diag.fix, unsafe):
                by_path.setdefault(diag.path, []).append(diag)
        changed: list[FileJob] = []
        for path, found in by_path.items():
            job = self.session.jobs.get(path)
            current = self.files.get(path) if job is not None else None
            if job is not None and current is None:
                current = self._read(job)
            if job is None or current is None:
                continue
            data = self._apply(current, found)
            if data is not None:
                self.files[path] = current
                changed.append(dataclasses.replace(job, data=data, problem=None))
        return changed

    def _read(self, job: FileJob) -> FixedFile | None:
        """The file as phase 1 saw it, or None (unreadable, undecodable, or changed on disk
        since it was checked)."""
        path = job.path
        data = job.data
        source = None
        if data is None:
            data, _ = read_bytes(job.abspath)
            if data is None:
                return None
            stamp = self.stamps.get(path)
            if stamp is None or stamp != _stamp(job.abspath):
                if path not in self.changed_on_disk:
                    self.changed_on_disk.append(path)
                    self.problems.append(f"{path}: {CHANGED}; it was not fixed (run again)")
                return None
            source = data
        try:
            text, encoding = decode_source(data)
        except UnicodeDecodeError:
            return None
        return FixedFile(path, job.abspath, text, text, encoding, source=source)

    def _apply(self, current: FixedFile, diagnostics: Sequence[Diagnostic]) -> bytes | None:
        """Apply the fixes to ``current``; its new bytes, or None when nothing changed."""
        new_text, applied = _apply_parsable(current.fixed, diagnostics, self.problems)
        if new_text == current.fixed:
            return None
        try:
            data = new_text.encode(current.encoding)
        except UnicodeEncodeError:
            self.problems.append(
                f"{current.path}: the fixed code cannot be written in the file's encoding "
                f"({current.encoding}); the file was not fixed"
            )
            return None
        current.fixed = new_text
        current.fixed_codes.update(d.code for d in applied)
        return data


# -- writing -------------------------------------------------------------------------------


#: why a file is left alone
CHANGED = "changed on disk while celerylint was fixing it"


class NotWritten(Exception):
    """A fixed file that is left as it is on disk, and why (a message for the user)."""


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _read_only(info: os.stat_result, path: str) -> bool:
    # no write bit at all is read-only even for root, whom ``os.access`` lets write
    writable_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    return not info.st_mode & writable_bits or not os.access(path, os.W_OK)


def write_atomic(path: str, data: bytes, expected: bytes | None = None) -> None:
    """Replace ``path``'s content in one step: a temporary file next to it, then rename.

    An interrupted run leaves the old file or the new one, never a mix (the temporary file
    is removed). The file keeps its permissions; a symbolic link keeps pointing at the
    fixed file. Raises :class:`NotWritten` for a read-only file or directory, and when the
    file no longer holds ``expected`` (it changed since it was read).
    """
    target = os.path.realpath(path)
    info = os.stat(target)
    if _read_only(info, target):
        raise NotWritten("the file is read-only")
    directory = os.path.dirname(target) or "."
    if _read_only(os.stat(directory), directory):
        raise NotWritten("its directory is not writable (the file is replaced, not rewritten)")
    mode = stat.S_IMODE(info.st_mode)
    fd, temp = tempfile.mkstemp(prefix=".celerylint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        if expected is not None:
            with open(target, "rb") as current:
                if current.read() != expected:
                    raise NotWritten(CHANGED)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_fixes(files: Iterable[FixedFile]) -> list[str]:
    """Write the fixed files; returns one message per file that could not be written (those
    keep ``written`` false and are left exactly as they are)."""
    problems = []
    for f in files:
        try:
            write_atomic(f.abspath, f.data(), f.source)
        except NotWritten as exc:
            problems.append(f"{f.path}: {exc}; the fixes were not written")
        except OSError as exc:
            problems.append(f"{f.path}: could not write the fixed file ({exc.strerror or exc})")
        else:
            f.written = True
    return problems
