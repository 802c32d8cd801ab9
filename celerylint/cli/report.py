"""Reporting ``check``'s findings: the chosen format (or statistics, or a baseline),
the summary on standard error, and the exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from celerylint.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, fail

if TYPE_CHECKING:
    from celerylint.cli.options import CheckRun
    from celerylint.engine.request import RunReport


def print_report(run: CheckRun, report: RunReport, fixed_count: int | None) -> None:
    """Print (or write) the report in the chosen format, the summary, and exit 0/1/2."""
    from celerylint.reporters import FORMATS, NEEDS_SOURCES

    options = run.options
    stdin = run.stdin
    diagnostics = report.diagnostics
    needs_sources = (
        options.output_format in NEEDS_SOURCES
        or run.baseline is not None
        or options.write_baseline is not None
    )
    sources = sources_of(diagnostics, stdin) if needs_sources else {}
    if options.write_baseline is not None:
        from celerylint.baseline import BaselineError
        from celerylint.baseline import write_baseline as write_baseline_file

        try:
            count = write_baseline_file(options.write_baseline, diagnostics, sources)
        except BaselineError as exc:
            fail(str(exc))
            return
        report_crashes(report.crashes)
        click.echo(
            f"celerylint: recorded {count} finding{'s' if count != 1 else ''} "
            f"in the baseline {options.write_baseline}",
            err=True,
        )
        sys.exit(EXIT_ERROR if report.crashes else EXIT_CLEAN)
    hidden = 0
    if run.baseline is not None:
        diagnostics, hidden = run.baseline.filter(diagnostics, sources)

    if options.statistics:
        output = statistics(diagnostics, options.output_format, options.unsafe_fixes)
    else:
        output = FORMATS[options.output_format](
            diagnostics, sources, unsafe_fixes=options.unsafe_fixes
        )
    if options.output_file is not None:
        try:
            options.output_file.parent.mkdir(parents=True, exist_ok=True)
            options.output_file.write_text(output, encoding="utf-8")
        except OSError as exc:
            fail(f"{options.output_file}: cannot write the report ({exc.strerror})")
    else:
        # with a fixed stdin on stdout, the findings go to stderr (as ruff does)
        click.echo(output, nl=False, err=stdin is not None and fixed_count is not None)
    report_crashes(report.crashes)
    if not options.quiet and stdin is None and not report.files_checked:
        # as ruff does: nothing was checked (every file excluded, or none under the paths)
        click.echo("warning: No Python files found under the given path(s)", err=True)
    if not options.quiet and options.output_format in ("text", "concise", "full"):
        baseline_note = (
            f"{hidden} more in the baseline {options.baseline_file} not shown" if hidden else ""
        )
        click.echo(
            summary(
                diagnostics, fixed_count, options.unsafe_fixes, baseline_note, report.files_checked
            ),
            err=True,
        )
    if report.crashes:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics and not options.exit_zero else EXIT_CLEAN)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if noun == "info" else f"{n} {noun}{'s' if n != 1 else ''}"


def _counted(diagnostics: Sequence[Any], baseline_note: str) -> str:
    """``2 warnings`` when every finding has one severity, else ``8 findings (3 errors, 5
    warnings)``, most severe first; the baseline's note joins the parenthesis."""
    from celerylint.diagnostics import Severity

    by_severity = {s: sum(1 for d in diagnostics if d.severity == s) for s in Severity}
    present = sorted((s for s, k in by_severity.items() if k), key=lambda s: -s.rank)
    if len(present) == 1:
        noun = "info finding" if present[0] is Severity.INFO else present[0].value
        head, notes = f"{len(diagnostics)} {noun}{'s' if len(diagnostics) != 1 else ''}", []
    else:
        head = _count(len(diagnostics), "finding")
        notes = [", ".join(_count(by_severity[s], s.value) for s in present)]
    notes += [baseline_note] if baseline_note else []
    return f"{head} ({'; '.join(notes)})" if notes else head


def summary(
    diagnostics: Sequence[Any],
    fixed: int | None,
    unsafe_fixes: bool,
    baseline_note: str,
    files_checked: int,
) -> str:
    """ruff's summary: counts, what ``--fix`` would do, and the fixes it keeps hidden; a
    clean run also says how many files it checked (so a run that checked none is visible)."""
    n = len(diagnostics)
    in_baseline = f" ({baseline_note})" if baseline_note else ""
    if fixed is not None and fixed:
        total = n + fixed
        return (
            f"Found {total} finding{'s' if total != 1 else ''} "
            f"({fixed} fixed, {n} remaining){in_baseline}."
        )
    if not n:
        checked = f"{files_checked} file{'s' if files_checked != 1 else ''} checked"
        return f"All checks passed! ({'; '.join(filter(None, (checked, baseline_note)))})"
    from celerylint.diagnostics import is_applicable

    lines = [f"Found {_counted(diagnostics, baseline_note)}."]
    fixable = sum(1 for d in diagnostics if is_applicable(d.fix, unsafe_fixes))
    hidden = sum(
        1 for d in diagnostics if is_applicable(d.fix, True) and not is_applicable(d.fix, False)
    )
    hidden = 0 if unsafe_fixes else hidden
    note = (
        f" ({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the "
        "`--unsafe-fixes` option)"
        if hidden
        else ""
    )
    if fixable and fixed is None:
        lines.append(f"[*] {fixable} fixable with the `--fix` option{note}.")
    elif note:
        lines.append(f"No fixes available{note}.")
    return "\n".join(lines)


def report_crashes(crashes: Sequence[Any]) -> None:
    for crash in crashes:
        # rules have codes; the fact collectors and the engine itself have names
        who = f"rule {crash.code}" if crash.code.startswith("CEL") else f"the {crash.code} pass"
        click.echo(
            f"celerylint: internal error: {who} failed on {crash.path}: {crash.error} "
            "(please report this bug; findings in this file may be missing)",
            err=True,
        )


def sources_of(diagnostics: Sequence[Any], stdin: tuple[str, bytes] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in diagnostics:
        if d.path in out:
            continue
        try:
            if stdin is not None:
                out[d.path] = stdin[1].decode("utf-8", errors="replace")
            else:
                with open(d.path, "rb") as handle:
                    out[d.path] = handle.read().decode("utf-8", errors="replace")
        except OSError:
            continue
    return out


def statistics(diagnostics: Sequence[Any], output_format: str, unsafe_fixes: bool = False) -> str:
    import json
    from collections import Counter

    from celerylint.diagnostics import is_applicable
    from celerylint.reporters.common import rule_name

    counts = Counter(d.code for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if is_applicable(d.fix, unsafe_fixes))
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        data = [
            {
                "code": code,
                "name": rule_name(code),
                "count": n,
                "fixable": fixable[code] == n,
                "fixable_count": fixable[code],
            }
            for code, n in rows
        ]
        return json.dumps(data, indent=2) + "\n"
    width = max((len(str(n)) for _, n in rows), default=1)
    lines = []
    for code, n in rows:
        mark = "[*]" if fixable[code] == n else "[-]" if fixable[code] else "   "
        lines.append(f"{n:>{width}}\t{code}\t{mark} {rule_name(code)}")
    return "".join(line + "\n" for line in lines)
