"""The command line: ``celerylint [PATH]...`` (ruff-like), ``rule``, ``rules``, ``lsp``.

Start-up stays light: ``--help`` and ``--version`` import this module alone; heavy
modules are imported inside the commands that use them. ``check`` is parse -> request ->
run -> report: ``options.py`` (the command line validated into a ``CheckRun``, which
builds each project's request), ``execute.py`` (every project's run, or the fix loop),
``report.py`` (the format, the summary, the exit code).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from celerylint import __version__

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


def fail(message: str) -> NoReturn:
    click.echo(f"celerylint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


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
    from celerylint.cli.execute import execute, show_plan
    from celerylint.cli.options import CheckOptions, parse
    from celerylint.cli.report import print_report

    run = parse(CheckOptions(**given))
    if run.options.show_files or run.options.show_settings:
        show_plan(run)
        return
    found, fixed_count = execute(run)
    print_report(run, found, fixed_count)


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
        fail(f"unknown rule `{code}`" + (f" (did you mean `{close[0]}`?)" if close else ""))
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
        fail("the language server needs pygls: pip install 'celerylint[lsp]'")
    from celerylint.lsp import serve

    serve()


def main(argv: Sequence[str] | None = None, prog_name: str = "celerylint") -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name=prog_name)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


def entry() -> NoReturn:
    """The ``celerylint`` command (and ``python -m celerylint``): :func:`main`, then the
    process ends without tearing the interpreter down. Freeing every object of a run one by
    one (the facts of a whole project, the parser's modules) took up to half a second after
    the report was out; every file was written (atomically) and the pool stopped before.
    With a tracer or a profiler attached (coverage, cProfile), the interpreter exits as
    usual so that they can write their results. An uncaught exception exits as usual too."""
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    if sys.gettrace() is not None or sys.getprofile() is not None:
        sys.exit(code)
    status = _status(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (``| head``)
            stream.flush()
    os._exit(status)


def _status(code: object) -> int:
    """The exit status ``sys.exit(code)`` gives (a message is printed, then 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    with contextlib.suppress(OSError, ValueError):
        print(code, file=sys.stderr)
    return 1
