"""A project in the language server: one configuration root, its files' phase-1 results
and its index kept in memory across edits, all in one engine session."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import multiprocessing.context
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from celerylint.config import ConfigError, ConfigResolver, Settings, load_settings
from celerylint.diagnostics import Diagnostic
from celerylint.engine.file_pass import FileResult
from celerylint.engine.plan import FileJob, enabled_codes
from celerylint.engine.request import RunRequest
from celerylint.engine.session import Session
from celerylint.engine.walker import RuleCrash
from celerylint.facts.modules import ModuleNamer
from celerylint.files import DEFAULT_EXCLUDE, is_discovered
from celerylint.lsp.text import encode_source
from celerylint.project.index import ProjectIndex
from celerylint.rules import all_rules


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers for the project scan start without fork(): the server has threads (the
    stdin reader), and forking a threaded process can deadlock the child."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


# -- projects ------------------------------------------------------------------------------


class Project:
    """One configuration root: its settings and a :class:`Session` holding the phase-1
    result of each of its files and the project index built from their facts (rebuilt
    lazily after a change of facts; the project rules' findings reused while it is
    unchanged). Phase 1 runs without the prefilter and without a cache: every file is
    analysed in full, from disk or from its unsaved buffer."""

    def __init__(self, root: Path, config: Path | None, scan: bool) -> None:
        self.root = root
        self.config = config
        self.scan_enabled = scan  # False for a lone file outside any workspace or project
        self.ready = asyncio.Event()
        self.error: str | None = None
        self.namer = ModuleNamer(None)
        self.session: Session
        self.load_config()

    def _session(self, settings: Settings, enabled: frozenset[str]) -> Session:
        # absolute cwd: per-file-ignores and project rules never depend on the server's
        # working directory
        request = RunRequest(
            [settings.root],
            settings,
            enabled,
            cwd=settings.root,
            prefilter=False,
            # directories with a configuration of their own are projects of their own
            resolver=ConfigResolver([r.code for r in all_rules()], settings.root),
        )
        return Session(request, mp_context=_worker_context(), sticky_facts=True)

    def load_config(self) -> None:
        codes = [r.code for r in all_rules()]
        try:
            settings = load_settings(self.config, self.root, codes)
            self.error = None
        except ConfigError as exc:
            settings = Settings(root=self.root)
            self.error = str(exc)
        self.session = self._session(settings, enabled_codes(settings))
        self.namer = ModuleNamer(settings.src)

    # the configuration (setting the rules or their options starts a new session) ------

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def enabled(self) -> frozenset[str]:
        return self.session.enabled

    @enabled.setter
    def enabled(self, codes: frozenset[str]) -> None:
        self.session = self._session(self.settings, codes)

    @property
    def options(self) -> dict[str, Any]:
        return self.session.options

    @options.setter
    def options(self, options: dict[str, Any]) -> None:
        settings = dataclasses.replace(self.settings, rule_options=options)
        self.session = self._session(settings, self.enabled)

    @property
    def results(self) -> dict[str, FileResult]:
        return self.session.results

    # phase 1 ------------------------------------------------------------------------------

    def scan(self) -> list[FileResult]:
        """Phase 1 for every file of the project, from disk (runs in a worker thread; the
        results are ``install``ed on the server's thread)."""
        if not self.scan_enabled:
            return []
        session = self.session
        plan = session.plan()
        # absolute paths, so that per-file-ignores and project rules never depend on the
        # server's working directory
        jobs = [dataclasses.replace(job, path=job.abspath) for job in plan.jobs]
        try:
            return session.phase_one(jobs)
        finally:
            session.close()  # no idle worker processes between scans

    def install(self, results: Iterable[FileResult]) -> None:
        self.session.reset()
        for result in results:
            self.session.store(None, result)

    def check(self, abspath: str, text: str | None) -> FileResult:
        """Phase 1 for one file, from unsaved ``text`` or (None) from disk. Without facts
        (the buffer does not parse mid-edit) the file keeps its last good ones, so that
        cross-file findings in other files do not flicker; with facts equal to the old
        ones (most keystrokes), the index and what it has computed are kept."""
        module, is_package = self.namer.name(abspath)
        data = encode_source(text) if text is not None else None
        job = FileJob(abspath, abspath, module, is_package, data=data)
        (result,) = self.session.phase_one([job])
        self.session.store(job, result)
        return result

    def forget(self, abspath: str) -> None:
        self.session.forget(abspath)

    def owns(self, abspath: str) -> bool:
        """Whether a file on disk is part of this project's scan."""
        if not self.scan_enabled:
            return False
        settings = self.settings
        exclude = (*(settings.exclude or DEFAULT_EXCLUDE), *settings.extend_exclude)
        if not is_discovered(abspath, settings.root, exclude, settings.respect_gitignore):
            return False
        # a file below a [tool.celerylint] configuration other than this project's belongs
        # to that configuration's project (as the scan leaves its directory out)
        own = ConfigResolver((), self.root).own_config(os.path.dirname(abspath))
        if own is None:
            return True
        return self.config is not None and os.path.realpath(own) == os.path.realpath(self.config)

    # phase 2 ------------------------------------------------------------------------------

    @property
    def index(self) -> ProjectIndex:
        return self.session.index

    def diagnostics(
        self, abspaths: Sequence[str]
    ) -> tuple[dict[str, list[Diagnostic]], list[RuleCrash]]:
        """Final diagnostics of these files (phase 2 against the whole project).

        Until the project is indexed the answer is *provisional*: per-file findings only.
        Project rules, findings that need the index to confirm a task, and unused-``noqa``
        reports (which depend on all of those) wait for the index rather than guess.
        """
        results = [self.results[p] for p in abspaths if p in self.results]
        crashes: list[RuleCrash] = []
        found = self.session.finish(abspaths, crashes, provisional=not self.ready.is_set())
        grouped: dict[str, list[Diagnostic]] = {p: [] for p in abspaths}
        for diag in found:
            grouped.setdefault(diag.path, []).append(diag)
        for result in results:
            if result.facts is None:
                # not checked (it does not parse): only its CEL000, no project findings
                # drawn from its last good facts
                own = set(result.diagnostics)
                grouped[result.path] = [d for d in grouped[result.path] if d in own]
        crashes.extend(c for r in results for c in r.crashes)
        return grouped, crashes
