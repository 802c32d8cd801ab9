"""The server's state: open documents, their projects, checking and publishing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from celerylint import __version__
from celerylint.config import find_config
from celerylint.diagnostics import Diagnostic, Severity
from celerylint.engine.walker import RuleCrash
from celerylint.lsp import actions
from celerylint.lsp.project import Project
from celerylint.lsp.text import source_lines, to_range
from celerylint.reporters.common import rule_url

logger = logging.getLogger("celerylint.lsp")

#: wait this long after the last keystroke before checking a buffer again
DEBOUNCE_SECONDS = 0.25

_SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


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

    # -- code actions and hover (``lsp/actions.py``) ---------------------------------------

    def workspace_edit(
        self, uri: str, version: int | None, edits: Sequence[lsp.TextEdit]
    ) -> lsp.WorkspaceEdit:
        return actions.workspace_edit(self, uri, version, edits)

    def code_actions(self, uri: str, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return actions.code_actions(self, uri, params)

    def hover(self, uri: str, position: lsp.Position) -> lsp.Hover | None:
        return actions.hover(self, uri, position)
