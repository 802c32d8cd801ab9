"""Running ``check``: every project's run (replayed from its manifest when nothing
changed), or the fix loop and writing (or diffing) its fixes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from celerylint.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, fail
from celerylint.cli.options import CheckRun
from celerylint.cli.report import report_crashes

if TYPE_CHECKING:
    from celerylint.engine.request import RunReport
    from celerylint.settings import Settings


def show_plan(run: CheckRun) -> None:
    """``--show-files`` / ``--show-settings``: the plan and the project model, no findings."""
    from celerylint.config import ConfigError
    from celerylint.show import show

    try:
        text = show(
            run.paths,
            run.resolver,
            lambda s, p: run.enable(run.request_for(s, p)),
            run.options.show_settings,
            run.options.output_format,
        )
    except ConfigError as exc:
        fail(str(exc))
        return
    click.echo(text, nl=False)


def execute(run: CheckRun) -> tuple[RunReport, int | None]:
    """Every project's run (replayed from the manifest when nothing changed), or the fix
    loop; the merged report and, when fixing, how many fixes were applied."""
    from celerylint.config import ConfigError
    from celerylint.engine import gc_tuning
    from celerylint.engine.projects import run_projects

    gc_tuning.for_batch_run()
    stdin = run.stdin
    try:
        # stdin is checked as the file it names, with that file's configuration
        stdin_settings = run.resolver.settings_for(os.path.abspath(stdin[0])) if stdin else None
        if run.options.fixing:
            fixed: list[Any] = []

            def fix_project(settings: Settings, project_paths: list[Path]) -> RunReport:
                request = run.enable(run.request_for(settings, project_paths))
                result = fix_one(request, run.options.unsafe_fixes)
                fixed.append((request, result))
                report: RunReport = result.report
                return report

            if stdin_settings is not None:
                fix_project(stdin_settings, [])
            else:
                run_projects(run.paths, run.resolver, fix_project)
            options = run.options
            count, fixed_report = finish_fixes(
                fixed, stdin, options.diff, options.fix_only, options.quiet
            )
            return fixed_report, count

        def check_project(settings: Settings, project_paths: list[Path]) -> RunReport:
            request = run.request_for(settings, project_paths)
            if request.manifest_key is not None:
                from celerylint.engine.manifest import replay

                # nothing the last whole-project run read has changed: its answer is the
                # answer
                replayed = replay(request)
                if replayed is not None:
                    return replayed
            from celerylint.engine.runner import run as run_project

            return run_project(run.enable(request))

        if stdin_settings is not None:
            return check_project(stdin_settings, []), None
        return run_projects(run.paths, run.resolver, check_project), None
    except ConfigError as exc:
        fail(str(exc))


def fix_one(request: Any, unsafe: bool) -> Any:
    """Fix one project in memory (nothing is written yet)."""
    from celerylint.engine.fixes import fix_run

    return fix_run(request, unsafe=unsafe)


def finish_fixes(
    results: Sequence[tuple[Any, Any]],
    stdin: tuple[str, bytes] | None,
    diff: bool,
    fix_only: bool,
    quiet: bool,
) -> tuple[int, Any]:
    """``--fix``/``--diff``/``--fix-only`` once every project is fixed in memory: write (or
    diff), and return (number of findings fixed, the report of what is left). Exits itself
    for ``--diff``/``--fix-only``."""
    from celerylint.engine.fixes import write_fixes
    from celerylint.engine.request import RunReport

    report = RunReport()
    files = sorted((f for _, r in results for f in r.files), key=lambda f: f.path)
    problems = [p for _, r in results for p in r.problems]
    count = sum(r.fixed for _, r in results)
    for _, result in results:
        report.merge(result.report)
    noun = f"{count} error{'s' if count != 1 else ''}"
    if diff:
        click.echo("".join(f.diff() for f in files), nl=False)
        for problem in problems:
            click.echo(f"celerylint: warning: {problem}", err=True)
        report_crashes(report.crashes)
        if not quiet:
            click.echo(f"Would fix {noun}." if count else "No errors would be fixed.", err=True)
        sys.exit(EXIT_ERROR if report.crashes else EXIT_FINDINGS if count else EXIT_CLEAN)
    if stdin is not None:
        # like ruff: the fixed source goes to stdout (unchanged if nothing was fixed)
        fixed = files[0].data() if files else stdin[1]
        sys.stdout.buffer.write(fixed)
        sys.stdout.flush()
    else:
        problems += write_fixes(files)
    for problem in problems:
        click.echo(f"celerylint: warning: {problem}", err=True)
    unwritten = [f for f in files if not f.written] if stdin is None else []
    if unwritten or any(r.changed_on_disk for _, r in results):
        # those files are as they were: count only what was written, and report what is
        # really on disk now (their findings are still there)
        from celerylint.engine.runner import run

        count -= sum(sum(f.fixed_codes.values()) for f in unwritten)
        noun = f"{count} error{'s' if count != 1 else ''}"
        report = RunReport()
        for request, result in results:
            stale = result.changed_on_disk or any(not f.written for f in result.files)
            report.merge(run(request) if stale and stdin is None else result.report)
    if fix_only:
        report_crashes(report.crashes)
        if not quiet:
            click.echo(f"Fixed {noun}." if count else "No errors fixed.", err=True)
        sys.exit(EXIT_ERROR if report.crashes else EXIT_FINDINGS if unwritten else EXIT_CLEAN)
    return count, report
