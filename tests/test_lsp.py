"""The language server end to end: a real LSP client (pytest-lsp) drives ``celerylint lsp``
as a subprocess over stdio."""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from celerylint.config import find_config, load_settings
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.lsp import FIX_ALL_KIND
from celerylint.rules import all_rules

pytestmark = pytest.mark.slow  # a real language-server session per test: `-m "not slow"` skips it

SERVER = [sys.executable, "-m", "celerylint", "lsp"]
TIMEOUT = 30.0

TASKS = """
    from celery import shared_task


    @shared_task
    def send_receipt(order_id):
        return order_id
"""
NOT_TASKS = """
    def send_receipt(order_id):
        return order_id
"""
MODELS = """
    from django.db import models

    from shop.tasks import send_receipt


    class Order(models.Model):
        def mark_paid(self):
            send_receipt.delay(self.pk)
"""


def _text(source: str) -> str:
    return inspect.cleandoc(source) + "\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_text(text) if text else "", encoding="utf-8")


def _project(root: Path) -> Path:
    _write(
        root,
        {
            "pyproject.toml": (
                '[tool.celerylint]\nextend-select = ["CEL001"]\n\n'
                "[tool.celerylint.options.retry-not-raised]\nstyle = true\n"
            ),
            "shop/__init__.py": "",
            "shop/apps.py": "from django.apps import AppConfig",  # a Django app
            "shop/tasks.py": TASKS,
            "shop/models.py": MODELS,
        },
    )
    return root


@pytest_asyncio.fixture
async def workspace(tmp_path: Path) -> AsyncIterator[tuple[LanguageClient, Path]]:
    root = _project(tmp_path / "ws")
    async for client in _session(root):
        yield client, root


async def _session(root: Path, spec: str = "visual-studio-code") -> AsyncIterator[LanguageClient]:
    """A client that drives ``celerylint lsp`` as a subprocess, from initialize to exit."""
    client = await ClientServerConfig(server_command=SERVER).start()
    assert isinstance(client, LanguageClient)
    registrations: list[lsp.RegistrationParams] = []

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams) -> None:
        registrations.append(params)

    capabilities = client_capabilities(spec)
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        )
    )
    yield client
    await client.shutdown_session()
    await client.stop()
    assert client.error is None
    watching = capabilities.workspace and capabilities.workspace.did_change_watched_files
    if watching and watching.dynamic_registration:
        assert [r.registrations[0].method for r in registrations] == [
            lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
        ]


async def _until(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[Sequence[lsp.Diagnostic]], bool],
    what: str,
) -> Sequence[lsp.Diagnostic]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = client.diagnostics.get(uri)
        if found is not None and predicate(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last: {client.diagnostics.get(uri)}")


def _codes(diagnostics: Sequence[lsp.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(
                uri=uri,
                language_id="python",
                version=1,
                text=text if text is not None else path.read_text(encoding="utf-8"),
            )
        )
    )
    return uri


_versions: dict[str, int] = {}


def _change(client: LanguageClient, uri: str, text: str) -> None:
    version = _versions[uri] = _versions.get(uri, 1) + 1
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _offset(text: str, position: lsp.Position) -> int:
    """An LSP position (UTF-16 units, as VS Code uses) -> an index into ``text``."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    units = 0
    column = 0
    line = lines[position.line] if position.line < len(lines) else ""
    while column < len(line) and units < position.character:
        units += 2 if ord(line[column]) > 0xFFFF else 1
        column += 1
    return start + column


def _apply(text: str, edit: lsp.WorkspaceEdit, uri: str) -> str:
    edits: list[lsp.TextEdit] = []
    for change in edit.document_changes or []:
        assert isinstance(change, lsp.TextDocumentEdit)
        assert change.text_document.uri == uri
        edits.extend(e for e in change.edits if isinstance(e, lsp.TextEdit))
    edits.extend((edit.changes or {}).get(uri, []))
    assert edits
    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        text = (
            text[: _offset(text, e.range.start)] + e.new_text + text[_offset(text, e.range.end) :]
        )
    return text


def _cli_findings(root: Path, name: str) -> list[tuple[str, int, int, str]]:
    config = find_config(root)
    settings = load_settings(config, root, [r.code for r in all_rules()])
    report = run(RunRequest([root], settings, enabled_codes(settings), jobs=1, cwd=root))
    return sorted(
        (d.code, d.span.line - 1, d.span.column - 1, d.severity.value)
        for d in report.diagnostics
        if d.path == name
    )


_LSP_SEVERITY = {
    lsp.DiagnosticSeverity.Error: "error",
    lsp.DiagnosticSeverity.Warning: "warning",
    lsp.DiagnosticSeverity.Information: "info",
}


@pytest.mark.asyncio
async def test_diagnostics_match_the_cli_and_carry_metadata(
    workspace: tuple[LanguageClient, Path],
) -> None:
    client, root = workspace
    models = _open(client, root / "shop" / "models.py")
    found = await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101 in models.py")
    actual = sorted(
        (str(d.code), d.range.start.line, d.range.start.character, _LSP_SEVERITY[d.severity])
        for d in found
        if d.severity is not None
    )
    assert actual == _cli_findings(root, "shop/models.py")
    (diag,) = [d for d in found if d.code == "CEL101"]
    assert diag.source == "celerylint"
    assert diag.code_description is not None
    assert diag.code_description.href.endswith("/docs/rules/CEL101.md")
    assert diag.range.start == lsp.Position(line=2, character=0)


@pytest.mark.asyncio
async def test_cross_file_finding_follows_edits_of_either_file(
    workspace: tuple[LanguageClient, Path],
) -> None:
    client, root = workspace
    models = _open(client, root / "shop" / "models.py")
    await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
    tasks = _open(client, root / "shop" / "tasks.py")
    # tasks.py stops defining a task (unsaved): models.py no longer imports a task module
    _change(client, tasks, _text(NOT_TASKS))
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "CEL101 to go away")
    _change(client, tasks, _text(TASKS))
    await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101 to come back")
    # models.py imports inside the method instead (unsaved): gone again
    fixed = _text(MODELS).replace("from shop.tasks import send_receipt\n", "")
    _change(client, models, fixed)
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "CEL101 fixed in models")


@pytest.mark.asyncio
async def test_files_changed_on_disk_and_config_changes_are_reloaded(
    workspace: tuple[LanguageClient, Path],
) -> None:
    client, root = workspace
    models = _open(client, root / "shop" / "models.py")
    await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
    tasks_path = root / "shop" / "tasks.py"
    tasks_path.write_text(_text(NOT_TASKS), encoding="utf-8")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=tasks_path.as_uri(), type=lsp.FileChangeType.Changed)]
        )
    )
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "disk change")
    tasks_path.write_text(_text(TASKS), encoding="utf-8")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=tasks_path.as_uri(), type=lsp.FileChangeType.Changed)]
        )
    )
    await _until(client, models, lambda d: "CEL101" in _codes(d), "disk change back")
    config = root / "pyproject.toml"
    config.write_text('[tool.celerylint]\nignore = ["CEL101"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=config.as_uri(), type=lsp.FileChangeType.Changed)]
        )
    )
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "config reload")


@pytest.mark.asyncio
async def test_suppress_code_action_and_hover(workspace: tuple[LanguageClient, Path]) -> None:
    client, root = workspace
    path = root / "shop" / "models.py"
    text = path.read_text(encoding="utf-8")
    models = _open(client, path, text)
    found = await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
    (diag,) = [d for d in found if d.code == "CEL101"]
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=models),
            range=diag.range,
            context=lsp.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    # CEL101's own fix (when it has one) comes first; the noqa action is always there
    suppress = [a for a in actions if isinstance(a, lsp.CodeAction) and "noqa" in a.title]
    assert [a.title for a in suppress] == ["celerylint (CEL101): Suppress with `# noqa: CEL101`"]
    action = suppress[0]
    assert action.edit is not None
    assert action.kind == lsp.CodeActionKind.QuickFix
    text = _apply(text, action.edit, models)
    assert "from shop.tasks import send_receipt  # noqa: CEL101\n" in text
    _change(client, models, text)
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "suppressed CEL101")
    # hover on the code inside the new noqa comment
    line = text.splitlines().index("from shop.tasks import send_receipt  # noqa: CEL101")
    column = text.splitlines()[line].index("CEL101") + 3
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=models),
            position=lsp.Position(line=line, character=column),
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, lsp.MarkupContent)
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    assert hover.contents.value.startswith("**CEL101** `models-import-tasks`")
    assert "/docs/rules/CEL101.md" in hover.contents.value
    # only source.fixAll actions asked for: nothing else comes back
    only = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=models),
            range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
            context=lsp.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
        )
    )
    assert all(isinstance(a, lsp.CodeAction) and a.kind == FIX_ALL_KIND for a in only or [])


@pytest.mark.asyncio
async def test_noqa_merges_into_an_existing_comment_and_unused_noqa_is_tagged(
    workspace: tuple[LanguageClient, Path],
) -> None:
    client, root = workspace
    path = root / "shop" / "models.py"
    text = _text(MODELS).replace(
        "from shop.tasks import send_receipt\n",
        "from shop.tasks import send_receipt  # noqa: E402\n",
    )
    text += "import os  # noqa: CEL105\n"
    models = _open(client, path, text)
    found = await _until(
        client, models, lambda d: _codes(d) == ["CEL001", "CEL101"], "CEL101 and CEL001"
    )
    unused = next(d for d in found if d.code == "CEL001")
    assert unused.severity == lsp.DiagnosticSeverity.Information
    assert list(unused.tags or ()) == [lsp.DiagnosticTag.Unnecessary]
    diag = next(d for d in found if d.code == "CEL101")
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=models),
            range=diag.range,
            context=lsp.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    (action,) = [a for a in actions if isinstance(a, lsp.CodeAction) and "noqa" in a.title]
    assert action.edit is not None
    assert "send_receipt  # noqa: E402, CEL101\n" in _apply(text, action.edit, models)


@pytest.mark.asyncio
async def test_a_broken_buffer_is_a_cel000_diagnostic_not_a_crash(
    workspace: tuple[LanguageClient, Path],
) -> None:
    client, root = workspace
    models = _open(client, root / "shop" / "models.py")
    await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
    _change(client, models, "def broken(:\n    pass\n")
    found = await _until(client, models, lambda d: _codes(d) == ["CEL000"], "CEL000")
    assert found[0].severity == lsp.DiagnosticSeverity.Error
    assert found[0].range.start == lsp.Position(line=0, character=11)
    # NUL bytes and nonsense do not take the server down either
    _change(client, models, "\x00\x00 garbage \udcff")
    await _until(client, models, lambda d: _codes(d) == ["CEL000"], "CEL000 for NUL bytes")
    _change(client, models, _text(MODELS))
    await _until(client, models, lambda d: "CEL101" in _codes(d), "recovered")


@pytest.mark.asyncio
async def test_positions_are_in_the_clients_units(workspace: tuple[LanguageClient, Path]) -> None:
    client, root = workspace
    text = 'label = "\U0001f600\u00e9"; from shop.tasks import send_receipt\n'
    models = _open(client, root / "shop" / "models.py", text)
    found = await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
    (diag,) = [d for d in found if d.code == "CEL101"]
    # VS Code counts UTF-16 code units: the emoji is two, "é" one
    assert diag.range.start == lsp.Position(line=0, character=text.index("from") + 1)


@pytest.mark.asyncio
async def test_closing_a_buffer_returns_to_the_file_on_disk(
    workspace: tuple[LanguageClient, Path],
) -> None:
    client, root = workspace
    models = _open(client, root / "shop" / "models.py")
    await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
    tasks = _open(client, root / "shop" / "tasks.py")
    _change(client, tasks, _text(NOT_TASKS))
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "unsaved edit")
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=tasks))
    )
    await _until(client, models, lambda d: "CEL101" in _codes(d), "back to the saved file")
    await _until(client, tasks, lambda d: not d, "closed buffer cleared")


RETRYING = """
    from celery import shared_task


    @shared_task(bind=True)
    def sync_user(self, user_id):
        if not ready(user_id):
            self.retry(countdown=30)
        if user_id < 0:
            self.retry(countdown=60)
        return push(user_id)
"""


@pytest.mark.asyncio
async def test_fix_and_fix_all_code_actions_apply(workspace: tuple[LanguageClient, Path]) -> None:
    client, root = workspace
    path = root / "shop" / "sync.py"
    text = _text(RETRYING)
    path.write_text(text, encoding="utf-8")
    uri = _open(client, path, text)
    found = await _until(client, uri, lambda d: _codes(d) == ["CEL202", "CEL202"], "two CEL202")
    first = min(found, key=lambda d: d.range.start.line)
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=first.range,
            context=lsp.CodeActionContext(diagnostics=[first]),
        )
    )
    assert actions is not None
    by_kind = {a.kind: a for a in actions if isinstance(a, lsp.CodeAction)}
    quick = [a for a in actions if isinstance(a, lsp.CodeAction) and a.is_preferred]
    assert [a.title for a in quick] == ["celerylint (CEL202): Raise the retry"]
    assert quick[0].edit is not None
    one = _apply(text, quick[0].edit, uri)
    assert one.count("raise self.retry(") == 1
    fix_all = by_kind["source.fixAll.celerylint"]
    assert fix_all.title == "celerylint: Fix all safe fixes in this file"
    assert fix_all.edit is not None
    fixed = _apply(text, fix_all.edit, uri)
    assert fixed.count("raise self.retry(") == 2
    _change(client, uri, fixed)
    await _until(client, uri, lambda d: not d, "no findings after fix-all")


@pytest.mark.asyncio
async def test_a_workspace_reached_through_a_symlink(tmp_path: Path) -> None:
    real = _project(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    async for client in _session(link, spec="neovim"):
        models = _open(client, link / "shop" / "models.py")
        await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101")
        tasks = _open(client, link / "shop" / "tasks.py")
        _change(client, tasks, _text(NOT_TASKS))
        await _until(client, models, lambda d: "CEL101" not in _codes(d), "edit via the link")


@pytest.mark.asyncio
async def test_files_created_and_deleted_on_disk(workspace: tuple[LanguageClient, Path]) -> None:
    client, root = workspace
    text = _text(MODELS).replace("from shop.tasks import", "from shop.jobs import")
    models = _open(client, root / "shop" / "models.py", text)
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "no jobs module yet")
    await asyncio.sleep(0.5)
    assert "CEL101" not in _codes(client.diagnostics[models])
    jobs = root / "shop" / "jobs.py"
    jobs.write_text(_text(TASKS), encoding="utf-8")
    excluded = root / ".venv" / "lib" / "shop" / "jobs.py"  # never part of the project
    excluded.parent.mkdir(parents=True)
    excluded.write_text(_text(TASKS), encoding="utf-8")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[
                lsp.FileEvent(uri=excluded.as_uri(), type=lsp.FileChangeType.Created),
                lsp.FileEvent(uri=jobs.as_uri(), type=lsp.FileChangeType.Created),
            ]
        )
    )
    await _until(client, models, lambda d: "CEL101" in _codes(d), "the new task module")
    jobs.unlink()
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=jobs.as_uri(), type=lsp.FileChangeType.Deleted)]
        )
    )
    await _until(client, models, lambda d: "CEL101" not in _codes(d), "the deleted module")


@pytest.mark.asyncio
async def test_a_bad_configuration_is_reported_and_defaults_apply(tmp_path: Path) -> None:
    root = _project(tmp_path / "ws")
    (root / "pyproject.toml").write_text('[tool.celerylint]\nselct = ["CEL1"]\n', encoding="utf-8")
    async for client in _session(root):
        models = _open(client, root / "shop" / "models.py")
        await _until(client, models, lambda d: "CEL101" in _codes(d), "CEL101 with defaults")
        errors = [m.message for m in client.messages if m.type == lsp.MessageType.Error]
        assert any("unknown key `selct` (did you mean `select`?)" in m for m in errors), errors
