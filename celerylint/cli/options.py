"""``check``'s command line: the options click parsed (``CheckOptions``), validated into
a ``CheckRun``, which builds each project's ``RunRequest``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from celerylint.cli import fail

if TYPE_CHECKING:
    from celerylint.baseline import Baseline
    from celerylint.config import ConfigResolver
    from celerylint.engine.request import RunRequest
    from celerylint.settings import Settings


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


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

        from celerylint.engine.plan import enabled_codes

        enabled = enabled_codes(request.settings, self.select, self.extend_select, self.ignore)
        return replace(request, enabled=enabled)


def parse(options: CheckOptions) -> CheckRun:
    """Validate the command line (exit 2 with one line on a problem) into a ``CheckRun``."""
    from celerylint.config import ConfigError, ConfigResolver
    from celerylint.rules import rule_codes
    from celerylint.selection import SelectorError, validate_selector

    cwd = Path.cwd()
    if options.baseline_file is not None and options.write_baseline is not None:
        fail("--baseline and --write-baseline cannot be combined (write the new baseline alone)")
    baseline: Baseline | None = None
    if options.baseline_file is not None:
        from celerylint.baseline import BaselineError, load_baseline

        try:
            baseline = load_baseline(options.baseline_file)
        except BaselineError as exc:
            fail(str(exc))
    paths = options.paths
    stdin: tuple[str, bytes] | None = None
    if options.stdin_filename and not paths:  # as ruff: a name for stdin means "read stdin"
        paths = (Path("-"),)
    if any(str(p) == "-" for p in paths):
        if len(paths) != 1:
            fail("'-' (stdin) cannot be combined with other paths")
        stdin = (options.stdin_filename or "stdin.py", sys.stdin.buffer.read())
        paths = ()
    else:
        if not paths:
            paths = (Path("."),)
        for p in paths:
            if not p.exists() and not p.is_symlink():
                fail(f"{p}: no such file or directory")
    if stdin is not None and (options.show_files or options.show_settings):
        fail("--show-settings and --show-files take paths, not '-' (stdin)")
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
        fail(str(exc))

    def adjust(settings: Settings) -> Settings:
        if options.no_respect_gitignore:
            from dataclasses import replace

            return replace(settings, respect_gitignore=False)
        return settings

    # each file uses its nearest configuration (or --config for all of them)
    resolver = ConfigResolver(codes, cwd, options.config_file, adjust)
    return CheckRun(options, cwd, paths, stdin, baseline, select, extend, ignore, resolver)
