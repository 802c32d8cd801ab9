"""The language server: ``celerylint lsp`` speaks LSP over stdio (pygls, ``celerylint[lsp]``).

It reuses the engine instead of duplicating it:

- A :class:`Project` per configuration root keeps the phase-1 result of every file
  (diagnostics, facts, suppressions) in memory. It is built once, in the background, with
  the CLI's own ``plan_jobs`` and ``run_phase_one``.
- An edited buffer is checked again from its unsaved text (phase 1 for that one file,
  debounced); its facts replace the old ones and phase 2 (``finish_diagnostics``: task
  conditions, project rules, selection, per-file-ignores, ``noqa``) runs again for every
  open document of the project, so a cross-file finding follows edits in either file.
- Files changed on disk (``workspace/didChangeWatchedFiles``) are checked again; a
  changed ``pyproject.toml`` reloads the configuration and the projects.

Diagnostics carry real severities, the rule code, ``source: celerylint`` and a link to the
rule's docs. Code actions offer each fix, "fix all safe fixes" and ``# noqa: CODE``;
hovering a code inside a ``# noqa:`` comment shows the rule's summary.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import multiprocessing
import multiprocessing.context
import os
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from celerylint import __version__
from celerylint.config import ConfigError, ConfigResolver, Settings, find_config, load_settings
from celerylint.diagnostics import Diagnostic, Edit, FixSafety, Severity, Span
from celerylint.engine.file_pass import FileResult
from celerylint.engine.fixes import choose_fixes, chosen_edits
from celerylint.engine.runner import (
    UNUSED_NOQA,
    FileJob,
    RunReport,
    RunRequest,
    enabled_codes,
    finish_diagnostics,
    plan_jobs,
    run_phase_one,
    run_project_rules,
)
from celerylint.engine.suppression import NO_NOQA_CODES, directive_codes, noqa_edit
from celerylint.engine.walker import RuleCrash
from celerylint.factdata import ModuleFacts
from celerylint.facts.modules import ModuleNamer
from celerylint.files import DEFAULT_EXCLUDE, is_discovered
from celerylint.kit.edits import line_starts, placed_edits, position
from celerylint.project.index import ProjectIndex
from celerylint.reporters.common import rule_url
from celerylint.rules import all_rules, rules_by_code

logger = logging.getLogger(__name__)

#: wait this long after the last keystroke before checking a buffer again
DEBOUNCE_SECONDS = 0.25
FIX_ALL_KIND = "source.fixAll.celerylint"

_SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# -- text and positions --------------------------------------------------------------------


def source_lines(text: str) -> list[str]:
    """Lines as Python (and libcst) count them: only CR, LF and CRLF end a line."""
    return _LINE_BREAK.split(text)


def encode_source(text: str) -> bytes:
    """The bytes the file would have on disk: in its declared ``coding:`` when that is not
    UTF-8, so that the engine decodes exactly this text."""
    data = text.encode("utf-8", errors="surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data  # a bad coding declaration: the engine reports it
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (LookupError, UnicodeError):
        return data


def to_position(lines: Sequence[str], codec: PositionCodec, line: int, column: int) -> lsp.Position:
    """1-based line and code-point column -> an LSP position in the client's units."""
    index = min(max(line - 1, 0), len(lines) - 1)
    text = lines[index]
    if line - 1 > index:
        return lsp.Position(index, codec.client_num_units(text))
    chars = min(max(column - 1, 0), len(text))
    return lsp.Position(index, codec.client_num_units(text[:chars]))


def to_range(lines: Sequence[str], codec: PositionCodec, span: Span) -> lsp.Range:
    return lsp.Range(
        to_position(lines, codec, span.line, span.column),
        to_position(lines, codec, span.end_line, span.end_column),
    )


def from_position(lines: Sequence[str], codec: PositionCodec, position: lsp.Position) -> int:
    """The 0-based code-point column of an LSP position on its line."""
    if not 0 <= position.line < len(lines):
        return 0
    text = lines[position.line]
    units = 0
    for i, char in enumerate(text):
        if units >= position.character:
            return i
        units += codec.client_num_units(char)
    return len(text)


def _before(a: lsp.Position, b: lsp.Position) -> bool:
    return (a.line, a.character) <= (b.line, b.character)


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    return _before(a.start, b.end) and _before(b.start, a.end)


def select_safe_fixes(diagnostics: Iterable[Diagnostic]) -> list[Edit]:
    """The edits of every safe fix that does not overlap a fix chosen before it: the
    choice one pass of ``--fix`` makes."""
    safe = [d for d in diagnostics if d.fix is not None and d.fix.safety is FixSafety.SAFE]
    return chosen_edits(choose_fixes(safe))


def text_edits(
    text: str, lines: Sequence[str], codec: PositionCodec, edits: Iterable[Edit]
) -> list[lsp.TextEdit]:
    """LSP edits that turn ``text`` into what ``--fix`` makes of it with ``edits``: the
    same placement, and the file's own line breaks in the new text."""
    starts = line_starts(text)
    out = []
    for start, end, content in placed_edits(text, edits):
        first = to_position(lines, codec, *position(starts, start))
        last = to_position(lines, codec, *position(starts, end))
        out.append(lsp.TextEdit(lsp.Range(first, last), content))
    return out


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers for the project scan start without fork(): the server has threads (the
    stdin reader), and forking a threaded process can deadlock the child."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


# -- projects ------------------------------------------------------------------------------


class Project:
    """One configuration root: its settings, the phase-1 result of each of its files, and
    the project index built from their facts (rebuilt lazily after a change)."""

    def __init__(self, root: Path, config: Path | None, scan: bool) -> None:
        self.root = root
        self.config = config
        self.scan_enabled = scan  # False for a lone file outside any workspace or project
        self.results: dict[str, FileResult] = {}
        self.facts: dict[str, ModuleFacts] = {}
        self.ready = asyncio.Event()
        self._index: ProjectIndex | None = None
        #: the project rules' findings for ``_index`` (reused while the index is unchanged)
        self._project_findings: tuple[ProjectIndex, list[Diagnostic], list[RuleCrash]] | None
        self._project_findings = None
        self.error: str | None = None
        self.settings = Settings(root=root)
        self.enabled: frozenset[str] = frozenset()
        self.options: dict[str, Any] = {}
        self.namer = ModuleNamer(None)
        self.load_config()

    def load_config(self) -> None:
        codes = [r.code for r in all_rules()]
        try:
            self.settings = load_settings(self.config, self.root, codes)
            self.error = None
        except ConfigError as exc:
            self.settings = Settings(root=self.root)
            self.error = str(exc)
        self.enabled = enabled_codes(self.settings)
        self.options = dict(self.settings.rule_options)
        self.namer = ModuleNamer(self.settings.src)

    # phase 1 ------------------------------------------------------------------------------

    def scan(self) -> list[FileResult]:
        """Phase 1 for every file of the project, from disk (runs in a worker thread)."""
        if not self.scan_enabled:
            return []
        root = self.settings.root
        codes = [r.code for r in all_rules()]
        # directories with a configuration of their own are projects of their own
        resolver = ConfigResolver(codes, root)
        request = RunRequest([root], self.settings, self.enabled, cwd=root, resolver=resolver)
        jobs, _ = plan_jobs(request)
        # absolute paths, so that per-file-ignores and project rules never depend on the
        # server's working directory
        jobs = [dataclasses.replace(job, path=job.abspath) for job in jobs]
        return run_phase_one(
            jobs, self.enabled, self.options, os.cpu_count() or 1, _worker_context()
        )

    def install(self, results: Iterable[FileResult]) -> None:
        self.results = {}
        self.facts = {}
        for result in results:
            self._store(result)

    def _store(self, result: FileResult) -> None:
        self.results[result.path] = result
        # without facts (the buffer does not parse mid-edit) keep the last good ones, so
        # that cross-file findings in other files do not flicker; with facts equal to the
        # old ones (most keystrokes), keep the index and what it has computed
        if result.facts is not None and self.facts.get(result.path) != result.facts:
            self.facts[result.path] = result.facts
            self._index = None

    def check(self, abspath: str, text: str | None) -> FileResult:
        """Phase 1 for one file, from unsaved ``text`` or (None) from disk."""
        module, is_package = self.namer.name(abspath)
        data = encode_source(text) if text is not None else None
        job = FileJob(abspath, abspath, module, is_package, data=data)
        (result,) = run_phase_one([job], self.enabled, self.options, 1)
        self._store(result)
        return result

    def forget(self, abspath: str) -> None:
        prefix = abspath.rstrip(os.sep) + os.sep
        for path in [p for p in self.results if p == abspath or p.startswith(prefix)]:
            del self.results[path]
            self.facts.pop(path, None)
        for path in [p for p in self.facts if p == abspath or p.startswith(prefix)]:
            del self.facts[path]
        self._index = None

    def owns(self, abspath: str) -> bool:
        """Whether a file on disk is part of this project's scan."""
        if not self.scan_enabled:
            return False
        exclude = (*(self.settings.exclude or DEFAULT_EXCLUDE), *self.settings.extend_exclude)
        if not is_discovered(abspath, self.settings.root, exclude, self.settings.respect_gitignore):
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
        if self._index is None:
            self._index = ProjectIndex(self.facts.values(), self.settings)
        return self._index

    def diagnostics(
        self, abspaths: Sequence[str]
    ) -> tuple[dict[str, list[Diagnostic]], list[RuleCrash]]:
        """Final diagnostics of these files (phase 2 against the whole project).

        Until the project is indexed the answer is *provisional*: per-file findings only.
        Project rules, findings that need the index to confirm a task, and unused-``noqa``
        reports (which depend on all of those) wait for the index rather than guess.
        """
        results = [self.results[p] for p in abspaths if p in self.results]
        report = RunReport()
        enabled = self.enabled
        index = self.index
        project: list[Diagnostic] | None = None
        if not self.ready.is_set():
            enabled = frozenset(
                code
                for code, rule in rules_by_code().items()
                if code in enabled and not rule.project and code != UNUSED_NOQA
            )
            index = ProjectIndex((), self.settings)
        else:
            cached = self._project_findings
            if cached is None or cached[0] is not index:
                rules_report = RunReport()
                found = run_project_rules(index, enabled, self.options, rules_report)
                cached = self._project_findings = (index, found, rules_report.crashes)
            project = cached[1]
            report.crashes.extend(cached[2])
        found = finish_diagnostics(
            results, index, enabled, self.options, self.settings, report, project
        )
        grouped: dict[str, list[Diagnostic]] = {p: [] for p in abspaths}
        for diag in found:
            grouped.setdefault(diag.path, []).append(diag)
        for result in results:
            if result.facts is None:
                # not checked (it does not parse): only its CEL000, no project findings
                # drawn from its last good facts
                own = set(result.diagnostics)
                grouped[result.path] = [d for d in grouped[result.path] if d in own]
        crashes = [*report.crashes, *(c for r in results for c in r.crashes)]
        return grouped, crashes


# -- the server ----------------------------------------------------------------------------


@dataclass
class Checked:
    """What was last published for an open document (code actions refer to it)."""

    version: int | None
    lines: list[str]
    text: str
    diagnostics: list[tuple[Diagnostic, lsp.Diagnostic]] = field(default_factory=list)


class CelerylintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "celerylint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full
        )
        self.projects: dict[tuple[Path, Path | None], Project] = {}
        self.open: dict[str, tuple[str, Project]] = {}  # uri -> (abspath, project)
        self.checked: dict[str, Checked] = {}
        #: uri -> (version, text) of the buffer as last checked: what published spans mean
        self.snapshots: dict[str, tuple[int | None, str]] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self._configs: dict[Path, Path | None] = {}
        self._logged: set[tuple[str, str, str]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- capabilities ----------------------------------------------------------------------

    def _client(self, *names: str) -> Any:
        value: Any = self.client_capabilities
        for name in names:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    # -- messages --------------------------------------------------------------------------

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def _log_crashes(self, crashes: Iterable[RuleCrash]) -> None:
        for crash in crashes:
            key = (crash.code, crash.path, crash.error)
            if key in self._logged:
                continue
            self._logged.add(key)
            self.log(
                f"internal error: rule {crash.code} failed on {crash.path}: {crash.error} "
                f"(please report this bug)\n{crash.traceback}",
                lsp.MessageType.Error,
            )

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- projects --------------------------------------------------------------------------

    def folders(self) -> list[Path]:
        found: list[Path] = []
        for folder in self.workspace.folders.values():
            path = to_fs_path(folder.uri)
            if path:
                found.append(Path(path).resolve())
        if not found and self.workspace.root_path:
            found.append(Path(self.workspace.root_path).resolve())
        return found

    def _config_for(self, directory: Path) -> Path | None:
        if directory not in self._configs:
            self._configs[directory] = find_config(directory)
        return self._configs[directory]

    def project_for(self, abspath: str) -> Project:
        return self.project_at(Path(abspath).parent)

    def project_at(self, directory: Path) -> Project:
        """The project of the files in ``directory``: the nearest configuration root (as the
        CLI finds it), else the workspace folder, else the directory alone (not scanned)."""
        config = self._config_for(directory)
        if config is not None:
            root, scan = config.parent.resolve(), True
        else:
            containing = [f for f in self.folders() if directory.is_relative_to(f)]
            if containing:
                root, scan = max(containing, key=lambda f: len(f.parts)), True
            else:
                root, scan = directory, False
        return self.project(root, config, scan)

    def project(self, root: Path, config: Path | None, scan: bool) -> Project:
        key = (root, config)
        project = self.projects.get(key)
        if project is None:
            project = self.projects[key] = Project(root, config, scan)
            if project.error is not None:
                self.window_show_message(
                    lsp.ShowMessageParams(
                        type=lsp.MessageType.Error,
                        message=f"celerylint: {project.error} (using the default settings)",
                    )
                )
            self.spawn(self._scan(project))
        return project

    async def _scan(self, project: Project) -> None:
        try:
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(None, project.scan)
            project.install(results)
            self.log(f"celerylint: indexed {len(results)} files under {project.root}")
        except Exception as exc:  # never take the server down; check open files alone
            logger.exception("indexing %s failed", project.root)
            self.log(f"celerylint: indexing {project.root} failed: {exc}", lsp.MessageType.Error)
        project.ready.set()
        if self.projects.get((project.root, project.config)) is not project:
            return  # replaced while scanning (the configuration changed)
        for uri, (abspath, owner) in list(self.open.items()):
            if owner is project:
                self._check_buffer(uri, abspath, project)
        self.publish(project)

    def reload_projects(self) -> None:
        """A ``pyproject.toml`` changed: rebuild every project (rare and cheap enough)."""
        self._configs.clear()
        self.projects.clear()
        for folder in self.folders():
            self.project_at(folder)
        for uri, (abspath, _) in list(self.open.items()):
            self.open[uri] = (abspath, self.project_for(abspath))

    # -- checking --------------------------------------------------------------------------

    def _check_buffer(self, uri: str, abspath: str, project: Project) -> None:
        try:
            document = self.workspace.get_text_document(uri)
            text = document.source.removeprefix("\ufeff")
            self.snapshots[uri] = (document.version, text)
            project.check(abspath, text)
        except Exception as exc:  # an engine bug must not kill the server
            logger.exception("checking %s failed", uri)
            self.log(f"celerylint: checking {uri} failed: {exc}", lsp.MessageType.Error)

    def check_now(self, uri: str) -> None:
        """Check one open document from its current text, then publish its project."""
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        entry = self.open.get(uri)
        if entry is None:
            return
        abspath, project = entry
        self._check_buffer(uri, abspath, project)
        self.publish(project)  # provisional until the project is indexed

    def check_later(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(DEBOUNCE_SECONDS, self.check_now, uri)

    def publish(self, project: Project) -> None:
        """Phase 2 for every open document of ``project``, and publish the results."""
        uris = [uri for uri, (_, owner) in self.open.items() if owner is project]
        if not uris:
            return
        try:
            grouped, crashes = project.diagnostics([self.open[uri][0] for uri in uris])
        except Exception as exc:
            logger.exception("phase 2 failed")
            self.log(f"celerylint: checking the project failed: {exc}", lsp.MessageType.Error)
            return
        self._log_crashes(crashes)
        for uri in uris:
            abspath = self.open[uri][0]
            try:
                self._publish_document(uri, grouped.get(abspath, []))
            except Exception as exc:
                logger.exception("publishing %s failed", uri)
                self.log(f"celerylint: publishing {uri} failed: {exc}", lsp.MessageType.Error)

    def _publish_document(self, uri: str, diagnostics: Sequence[Diagnostic]) -> None:
        # positions refer to the text that was checked, which may be older than the buffer
        # (another edit waiting for its debounced check)
        snapshot = self.snapshots.get(uri)
        if snapshot is None:
            document = self.workspace.get_text_document(uri)
            snapshot = (document.version, document.source.removeprefix("\ufeff"))
        version, text = snapshot
        lines = source_lines(text)
        checked = Checked(version, lines, text)
        for diag in diagnostics:
            checked.diagnostics.append((diag, self.to_lsp(diag, lines)))
        self.checked[uri] = checked
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=uri,
                version=version,
                diagnostics=[d for _, d in checked.diagnostics],
            )
        )

    def to_lsp(self, diag: Diagnostic, lines: Sequence[str]) -> lsp.Diagnostic:
        publish = self._client("text_document", "publish_diagnostics")
        description = None
        if publish is not None and publish.code_description_support:
            description = lsp.CodeDescription(href=rule_url(diag.code))
        tags = None
        if diag.code == "CEL001" and publish is not None and publish.tag_support is not None:
            tags = [lsp.DiagnosticTag.Unnecessary]
        return lsp.Diagnostic(
            range=to_range(lines, self.codec, diag.span),
            message=diag.message,
            severity=_SEVERITIES[diag.severity],
            code=diag.code,
            code_description=description,
            source="celerylint",
            tags=tags,
        )

    def clear(self, uri: str) -> None:
        self.checked.pop(uri, None)
        self.snapshots.pop(uri, None)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    # -- code actions ----------------------------------------------------------------------

    def workspace_edit(
        self, uri: str, version: int | None, edits: Sequence[lsp.TextEdit]
    ) -> lsp.WorkspaceEdit:
        if self._client("workspace", "workspace_edit", "document_changes"):
            return lsp.WorkspaceEdit(
                document_changes=[
                    lsp.TextDocumentEdit(
                        text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=version
                        ),
                        edits=list(edits),
                    )
                ]
            )
        return lsp.WorkspaceEdit(changes={uri: list(edits)})

    def code_actions(self, uri: str, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        checked = self.checked.get(uri)
        if checked is None or checked.version != self.workspace.get_text_document(uri).version:
            return []  # not checked yet, or edited since: the next check publishes anew
        only = params.context.only

        def wanted(kind: str) -> bool:
            return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)

        actions: list[lsp.CodeAction] = []
        suppressed: set[tuple[int, str]] = set()
        for diag, published in checked.diagnostics:
            if not overlaps(published.range, params.range):
                continue
            fix = diag.fix
            if fix is not None and fix.edits and wanted(lsp.CodeActionKind.QuickFix):
                edits = text_edits(checked.text, checked.lines, self.codec, fix.edits)
                unsafe = " (unsafe)" if fix.safety is FixSafety.UNSAFE else ""
                actions.append(
                    lsp.CodeAction(
                        title=f"celerylint ({diag.code}): {fix.message}{unsafe}",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[published],
                        edit=self.workspace_edit(uri, checked.version, edits),
                        is_preferred=fix.safety is FixSafety.SAFE,
                    )
                )
            key = (diag.span.line, diag.code)
            if (
                diag.code not in NO_NOQA_CODES
                and key not in suppressed
                and wanted(lsp.CodeActionKind.QuickFix)
            ):
                where = noqa_edit(checked.text, diag.span.line, diag.code)
                if where is not None:
                    suppressed.add(key)
                    start, end, content = where
                    span = Span(diag.span.line, start + 1, diag.span.line, end + 1)
                    edit = lsp.TextEdit(to_range(checked.lines, self.codec, span), content)
                    actions.append(
                        lsp.CodeAction(
                            title=f"celerylint ({diag.code}): Suppress with `# noqa: {diag.code}`",
                            kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[published],
                            edit=self.workspace_edit(uri, checked.version, [edit]),
                        )
                    )
        if wanted(FIX_ALL_KIND):
            safe = select_safe_fixes(d for d, _ in checked.diagnostics)
            if safe:
                edits = text_edits(checked.text, checked.lines, self.codec, safe)
                actions.append(
                    lsp.CodeAction(
                        title="celerylint: Fix all safe fixes in this file",
                        kind=FIX_ALL_KIND,
                        edit=self.workspace_edit(uri, checked.version, edits),
                    )
                )
        return actions

    # -- hover -----------------------------------------------------------------------------

    def hover(self, uri: str, position: lsp.Position) -> lsp.Hover | None:
        document = self.workspace.get_text_document(uri)
        lines = source_lines(document.source.removeprefix("\ufeff"))
        if not 0 <= position.line < len(lines):
            return None
        line = lines[position.line]
        column = from_position(lines, self.codec, position)
        for start, end, code in directive_codes(line):
            if start <= column <= end:
                text = hover_text(code)
                if text is None:
                    return None
                span = Span(position.line + 1, start + 1, position.line + 1, end + 1)
                return lsp.Hover(
                    contents=lsp.MarkupContent(kind=self._markup(), value=text),
                    range=to_range(lines, self.codec, span),
                )
        return None

    def _markup(self) -> lsp.MarkupKind:
        formats = self._client("text_document", "hover", "content_format")
        if formats and lsp.MarkupKind.Markdown not in formats:
            return lsp.MarkupKind.PlainText
        return lsp.MarkupKind.Markdown


def hover_text(code: str) -> str | None:
    """Markdown about a ``noqa`` entry: the rule's summary, or the rules a prefix covers."""
    rules = rules_by_code()
    rule = rules.get(code)
    if rule is not None:
        return (
            f"**{rule.code}** `{rule.name}` ({rule.severity.value})\n\n{rule.summary()}\n\n"
            f"[Documentation]({rule_url(rule.code)})"
        )
    covered = [r for r in rules.values() if r.code.startswith(code)]
    if not covered:
        return None
    shown = "\n".join(f"- **{r.code}** `{r.name}`" for r in covered[:20])
    more = f"\n- ... and {len(covered) - 20} more" if len(covered) > 20 else ""
    return (
        f"`{code}` covers {len(covered)} rule{'s' if len(covered) != 1 else ''}:\n\n{shown}{more}"
    )


# -- protocol handlers ---------------------------------------------------------------------


def _path(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    # symbolic links resolved, as the project scan sees them (a buffer and its file on
    # disk must be one entry of the index)
    return os.path.realpath(path) if path else None


def _is_python(uri: str, language_id: str | None) -> bool:
    return uri.endswith(".py") or language_id == "python"


def did_open(ls: CelerylintServer, params: lsp.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    abspath = _path(document.uri)
    if abspath is None or not _is_python(document.uri, document.language_id):
        return
    ls.open[document.uri] = (abspath, ls.project_for(abspath))
    ls.check_now(document.uri)


def did_change(ls: CelerylintServer, params: lsp.DidChangeTextDocumentParams) -> None:
    if params.text_document.uri in ls.open:
        ls.check_later(params.text_document.uri)


def did_save(ls: CelerylintServer, params: lsp.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri.endswith("pyproject.toml"):
        ls.reload_projects()
        return
    if uri in ls.open:
        ls.check_now(uri)


async def did_close(ls: CelerylintServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    entry = ls.open.pop(uri, None)
    ls.clear(uri)
    if entry is None:
        return
    abspath, project = entry
    await project.ready.wait()
    # the unsaved text is gone: the file is what is on disk again, or out of the project
    if os.path.isfile(abspath) and project.owns(abspath):
        project.check(abspath, None)
    else:
        project.forget(abspath)
    ls.publish(project)


async def did_change_watched_files(
    ls: CelerylintServer, params: lsp.DidChangeWatchedFilesParams
) -> None:
    open_paths = {abspath for abspath, _ in ls.open.values()}
    touched: list[Project] = []
    for change in params.changes:
        abspath = _path(change.uri)
        if abspath is None:
            continue
        if os.path.basename(abspath) == "pyproject.toml":
            ls.reload_projects()
            return
        if abspath in open_paths:
            continue  # the editor's buffer is the truth for an open file
        for project in list(ls.projects.values()):
            await project.ready.wait()
            if change.type == lsp.FileChangeType.Deleted:
                project.forget(abspath)
            elif project.owns(abspath) and os.path.isfile(abspath):
                project.check(abspath, None)
            else:
                continue
            if project not in touched:
                touched.append(project)
    for project in touched:
        ls.publish(project)


def did_change_workspace_folders(
    ls: CelerylintServer, params: lsp.DidChangeWorkspaceFoldersParams
) -> None:
    ls.reload_projects()


async def initialized(ls: CelerylintServer, params: lsp.InitializedParams) -> None:
    for folder in ls.folders():
        ls.project_at(folder)
    if ls._client("workspace", "did_change_watched_files", "dynamic_registration"):
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[
                lsp.FileSystemWatcher(glob_pattern="**/*.py"),
                lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
            ]
        )
        try:
            await ls.client_register_capability_async(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="celerylint-watched-files",
                            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=options,
                        )
                    ]
                )
            )
        except Exception as exc:  # the client may refuse; edits still work
            ls.log(f"celerylint: could not watch files: {exc}")


def code_action(ls: CelerylintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    return ls.code_actions(params.text_document.uri, params)


def hover(ls: CelerylintServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return ls.hover(params.text_document.uri, params.position)


def create_server() -> CelerylintServer:
    server = CelerylintServer()
    server.feature(lsp.INITIALIZED)(initialized)
    server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
    server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(did_change_workspace_folders)
    server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False
        ),
    )(code_action)
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(hover)
    return server


def serve() -> None:
    """Run the server over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="celerylint lsp: %(levelname)s %(message)s")
    create_server().start_io()
