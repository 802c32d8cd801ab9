"""The protocol handlers: what each LSP notification or request does, and the server
they are registered on."""

from __future__ import annotations

import logging
import os

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from celerylint.lsp.actions import FIX_ALL_KIND
from celerylint.lsp.project import Project
from celerylint.lsp.server import CelerylintServer


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
