"""The command line: ``celerylint [PATH]...`` (ruff-like), ``rule``, ``rules``, ``lsp``.

Start-up stays light: heavy modules are imported inside the commands that use them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from celerylint import __version__

if TYPE_CHECKING:
    from celerylint.baseline import Baseline
    from celerylint.config import ConfigResolver
    from celerylint.engine.request import RunReport, RunRequest
    from celerylint.settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OUTPUT_FORMATS = (
    "text",
    "concise",
    "full",
    "json",
    "json-lines",
    "github",
    "gitlab",
    "sarif",
    "junit",
)


class _DefaultToCheck(click.Group):
    """``celerylint src/`` means ``celerylint check src/``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version", "-V")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _fail(message: str) -> NoReturn:
    click.echo(f"celerylint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", "-V", prog_name="celerylint", message="%(prog)s %(version)s"
)
def cli() -> None:
    """celerylint: find Celery bugs before they reach production."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--select",
    multiple=True,
    help="Rule codes or prefixes to enable (replaces the configured set), or ALL.",
)
@click.option(
    "--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition."
)
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option(
    "--output-format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only findings that are not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record the current findings in this baseline file and exit 0.",
)
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="Use this pyproject.toml for every file (instead of each file's nearest one).",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Show each project's resolved configuration and the project model celerylint "
    "inferred (Celery apps, settings classification, Celery version, workers, skipped "
    "files), then exit.",
)
@click.option(
    "--show-files",
    is_flag=True,
    help="List the files that would be checked (with their configuration), then exit.",
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0 = all cores)."
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--stdin-filename", help="The name of the file read from stdin (with '-' as PATH).")
@click.option(
    "--no-respect-gitignore", is_flag=True, help="Also check files that .gitignore excludes."
)
@click.option("--fix/--no-fix", default=False, help="Apply safe fixes, then report what is left.")
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=False,
    help="Also apply (and mark as fixable) fixes that may change behaviour.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff and write nothing (exit 1 if there is one).",
)
@click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else (exit 0).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to keep the cache (default: .celerylint_cache/ in the project root).",
)
@click.option(
    "--no-prefilter",
    is_flag=True,
    help="Parse every file, even those that cannot matter to Celery (slower; for debugging).",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply exclude/extend-exclude to files named on the command line too (pre-commit).",
)
def check(**given: Any) -> None:
    """Check PATHS (default: the current directory) for Celery problems.

    Each file is checked with its nearest configuration: the closest pyproject.toml with
    a [tool.celerylint] table, upward from the file (see docs/configuration.md)."""
    run = _parse(CheckOptions(**given))
    if run.options.show_files or run.options.show_settings:
        _show(run)
        return
    report, fixed_count = _run(run)
    _report(run, report, fixed_count)


@dataclass(frozen=True)
class CheckOptions:
    """The ``check`` command line, as click parsed it."""

    paths: tuple[Path, ...]
    select: tuple[str, ...]
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    output_format: str
    output_file: Path | None
    baseline_file: Path | None
    write_baseline: Path | None
    statistics: bool
    exit_zero: bool
    config_file: Path | None
    jobs: int
    quiet: bool
    stdin_filename: str | None
    no_respect_gitignore: bool
    fix: bool
    unsafe_fixes: bool
    diff: bool
    fix_only: bool
    no_cache: bool
    cache_dir: Path | None
    no_prefilter: bool
    force_exclude: bool
    show_settings: bool
    show_files: bool

    @property
    def fixing(self) -> bool:
        return self.fix or self.fix_only or self.diff


@dataclass(frozen=True)
class CheckRun:
    """What one ``celerylint check`` asks for, validated: the inputs (paths or stdin), the
    baseline, the command-line selectors and the configuration resolver."""

    options: CheckOptions
    cwd: Path
    paths: tuple[Path, ...]
    stdin: tuple[str, bytes] | None
    baseline: Baseline | None
    select: list[str] | None
    extend_select: list[str]
    ignore: list[str]
    resolver: ConfigResolver

    def request_for(self, settings: Settings, project_paths: Sequence[Path]) -> RunRequest:
        """The run of one project (``enabled`` is filled in by ``enable``)."""
        from celerylint.engine.cache import CACHE_DIR_NAME
        from celerylint.engine.request import RunRequest

        options = self.options
        cache = None if options.no_cache else (options.cache_dir or settings.root / CACHE_DIR_NAME)
        manifest_key = None
        if cache is not None and self.stdin is None and not options.fixing:
            from celerylint.engine.manifest import manifest_key as make_key

            manifest_key = make_key(
                (
                    repr(settings),
                    self.select,
                    self.extend_select,
                    self.ignore,
                    not options.no_prefilter,
                    str(self.cwd),
                )
            )
        return RunRequest(
            project_paths,
            settings,
            frozenset(),
            options.jobs,
            self.stdin,
            self.cwd,
            prefilter=not options.no_prefilter,
            cache_dir=cache,
            force_exclude=options.force_exclude,
            manifest_key=manifest_key,
            resolver=self.resolver if options.config_file is None else None,
        )

    def enable(self, request: RunRequest) -> RunRequest:
        """The request with the rules it runs: its settings' selection, then the CLI's."""
        from dataclasses import replace

        from celerylint.engine.runner import enabled_codes

        enabled = enabled_codes(request.settings, self.select, self.extend_select, self.ignore)
        return replace(request, enabled=enabled)


def _parse(options: CheckOptions) -> CheckRun:
    """Validate the command line (exit 2 with one line on a problem) into a ``CheckRun``."""
    from celerylint.config import ConfigError, ConfigResolver
    from celerylint.rules import rule_codes
    from celerylint.selection import SelectorError, validate_selector

    cwd = Path.cwd()
    if options.baseline_file is not None and options.write_baseline is not None:
        _fail("--baseline and --write-baseline cannot be combined (write the new baseline alone)")
    baseline: Baseline | None = None
    if options.baseline_file is not None:
        from celerylint.baseline import BaselineError, load_baseline

        try:
            baseline = load_baseline(options.baseline_file)
        except BaselineError as exc:
            _fail(str(exc))
    paths = options.paths
    stdin: tuple[str, bytes] | None = None
    if options.stdin_filename and not paths:  # as ruff: a name for stdin means "read stdin"
        paths = (Path("-"),)
    if any(str(p) == "-" for p in paths):
        if len(paths) != 1:
            _fail("'-' (stdin) cannot be combined with other paths")
        stdin = (options.stdin_filename or "stdin.py", sys.stdin.buffer.read())
        paths = ()
    else:
        if not paths:
            paths = (Path("."),)
        for p in paths:
            if not p.exists() and not p.is_symlink():
                _fail(f"{p}: no such file or directory")
    if stdin is not None and (options.show_files or options.show_settings):
        _fail("--show-settings and --show-files take paths, not '-' (stdin)")
    # the codes from the rule modules' file names: no rule (and no parser) is imported yet
    codes = list(rule_codes())
    select: list[str] | None = None
    extend: list[str] = []
    ignore: list[str] = []
    try:
        if options.config_file is not None and not options.config_file.is_file():
            raise ConfigError(f"{options.config_file}: config file not found")
        select = [validate_selector(s, codes) for s in _split(options.select)] or None
        extend = [validate_selector(s, codes) for s in _split(options.extend_select)]
        ignore = [validate_selector(s, codes) for s in _split(options.ignore)]
    except (ConfigError, SelectorError) as exc:
        _fail(str(exc))

    def adjust(settings: Settings) -> Settings:
        if options.no_respect_gitignore:
            from dataclasses import replace

            return replace(settings, respect_gitignore=False)
        return settings

    # each file uses its nearest configuration (or --config for all of them)
    resolver = ConfigResolver(codes, cwd, options.config_file, adjust)
    return CheckRun(options, cwd, paths, stdin, baseline, select, extend, ignore, resolver)


def _show(run: CheckRun) -> None:
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
        _fail(str(exc))
        return
    click.echo(text, nl=False)


def _run(run: CheckRun) -> tuple[RunReport, int | None]:
    """Every project's run (replayed from the manifest when nothing changed), or the fix
    loop; the merged report and, when fixing, how many fixes were applied."""
    from celerylint.config import ConfigError
    from celerylint.engine.projects import run_projects

    stdin = run.stdin
    try:
        # stdin is checked as the file it names, with that file's configuration
        stdin_settings = run.resolver.settings_for(os.path.abspath(stdin[0])) if stdin else None
        if run.options.fixing:
            fixed: list[Any] = []

            def fix_project(settings: Settings, project_paths: list[Path]) -> RunReport:
                request = run.enable(run.request_for(settings, project_paths))
                result = _fix_one(request, run.options.unsafe_fixes)
                fixed.append((request, result))
                report: RunReport = result.report
                return report

            if stdin_settings is not None:
                fix_project(stdin_settings, [])
            else:
                run_projects(run.paths, run.resolver, fix_project)
            options = run.options
            count, fixed_report = _fix(fixed, stdin, options.diff, options.fix_only, options.quiet)
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
        _fail(str(exc))


def _report(run: CheckRun, report: RunReport, fixed_count: int | None) -> None:
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
    sources = _sources(diagnostics, stdin) if needs_sources else {}
    if options.write_baseline is not None:
        from celerylint.baseline import BaselineError
        from celerylint.baseline import write_baseline as write_baseline_file

        try:
            count = write_baseline_file(options.write_baseline, diagnostics, sources)
        except BaselineError as exc:
            _fail(str(exc))
            return
        _report_crashes(report.crashes)
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
        output = _statistics(diagnostics, options.output_format, options.unsafe_fixes)
    else:
        output = FORMATS[options.output_format](
            diagnostics, sources, unsafe_fixes=options.unsafe_fixes
        )
    if options.output_file is not None:
        try:
            options.output_file.parent.mkdir(parents=True, exist_ok=True)
            options.output_file.write_text(output, encoding="utf-8")
        except OSError as exc:
            _fail(f"{options.output_file}: cannot write the report ({exc.strerror})")
    else:
        # with a fixed stdin on stdout, the findings go to stderr (as ruff does)
        click.echo(output, nl=False, err=stdin is not None and fixed_count is not None)
    _report_crashes(report.crashes)
    if not options.quiet and stdin is None and not report.files_checked:
        # as ruff does: nothing was checked (every file excluded, or none under the paths)
        click.echo("warning: No Python files found under the given path(s)", err=True)
    if not options.quiet and options.output_format in ("text", "concise", "full"):
        baseline_note = (
            f"{hidden} more in the baseline {options.baseline_file} not shown" if hidden else ""
        )
        click.echo(
            _summary(
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


def _summary(
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


def _fix_one(request: Any, unsafe: bool) -> Any:
    """Fix one project in memory (nothing is written yet)."""
    from celerylint.engine.fixes import fix_run

    return fix_run(request, unsafe=unsafe)


def _fix(
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
        _report_crashes(report.crashes)
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
        _report_crashes(report.crashes)
        if not quiet:
            click.echo(f"Fixed {noun}." if count else "No errors fixed.", err=True)
        sys.exit(EXIT_ERROR if report.crashes else EXIT_FINDINGS if unwritten else EXIT_CLEAN)
    return count, report


def _report_crashes(crashes: Sequence[Any]) -> None:
    for crash in crashes:
        # rules have codes; the fact collectors and the engine itself have names
        who = f"rule {crash.code}" if crash.code.startswith("CEL") else f"the {crash.code} pass"
        click.echo(
            f"celerylint: internal error: {who} failed on {crash.path}: {crash.error} "
            "(please report this bug; findings in this file may be missing)",
            err=True,
        )


def _sources(diagnostics: Sequence[Any], stdin: tuple[str, bytes] | None) -> dict[str, str]:
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


def _statistics(diagnostics: Sequence[Any], output_format: str, unsafe_fixes: bool = False) -> str:
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


@cli.command("clean")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
def clean_command(path: Path | None, cache_dir: Path | None) -> None:
    """Remove the result cache of the project at PATH (default: the current directory),
    and those of the projects with a configuration of their own below it."""
    from celerylint.config import find_config
    from celerylint.engine.cache import CACHE_DIR_NAME, clean, own_caches_below

    caches = [cache_dir] if cache_dir is not None else []
    if cache_dir is None:
        start = Path(os.path.abspath(path or "."))
        config = find_config(start)
        root = config.parent if config is not None else (start if start.is_dir() else start.parent)
        caches.append(root / CACHE_DIR_NAME)
        if start.is_dir():
            caches += [c for c in own_caches_below(start) if c != caches[0]]
    for directory in caches:
        removed = clean(directory)
        click.echo(f"Removed {directory}" if removed else f"No cache at {directory}", err=True)


@cli.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Show a rule's documentation (by code or name)."""
    from celerylint.docs import rule_page
    from celerylint.rules import all_rules, rule_lookup

    rule = rule_lookup(code)
    if rule is None:
        import difflib

        choices = [r.code for r in all_rules()] + [r.name for r in all_rules()]
        close = difflib.get_close_matches(code, choices, n=1)
        _fail(f"unknown rule `{code}`" + (f" (did you mean `{close[0]}`?)" if close else ""))
        return
    click.echo(rule_page(rule), nl=False)


@cli.command("rules")
@click.option(
    "--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_command(output_format: str) -> None:
    """List every rule."""
    import json

    from celerylint.reporters.common import rule_url
    from celerylint.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "default_enabled": r.default_enabled,
                "fix": r.fix_safety.value,
                "scope": "project" if r.project else "file",
                "summary": r.summary(),
                "url": rule_url(r.code),
            }
            for r in rules
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for r in rules:
        default = "" if r.default_enabled else " (off by default)"
        click.echo(f"{r.code}  {r.name:<36} {r.severity.value:<7}{default}")


@cli.command("lsp")
def lsp_command() -> None:
    """Run the language server over stdio (for editors; needs `celerylint[lsp]`)."""
    import importlib.util

    if importlib.util.find_spec("pygls") is None:
        _fail("the language server needs pygls: pip install 'celerylint[lsp]'")
    from celerylint.lsp import serve

    serve()


def main(argv: Sequence[str] | None = None, prog_name: str = "celerylint") -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name=prog_name)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
