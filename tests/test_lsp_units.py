"""The language server's pieces, in process: positions, fixes, ``noqa`` edits, hover text,
and code actions for diagnostics that carry fixes."""

from __future__ import annotations

from click.testing import CliRunner
from lsprotocol import types as lsp
from pygls.workspace import Workspace
from pygls.workspace.position_codec import PositionCodec

from celerylint.cli import cli
from celerylint.diagnostics import Diagnostic, Edit, Fix, FixSafety, Severity, Span
from celerylint.engine.suppression import noqa_edit
from celerylint.lsp import (
    FIX_ALL_KIND,
    Checked,
    create_server,
    encode_source,
    from_position,
    hover_text,
    select_safe_fixes,
    source_lines,
    to_position,
)

UTF16 = PositionCodec(lsp.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(lsp.PositionEncodingKind.Utf8)
UTF32 = PositionCodec(lsp.PositionEncodingKind.Utf32)


def test_positions_round_trip_in_every_encoding() -> None:
    lines = source_lines('x = "\U0001f600é"; y\r\nz\x0cw\n')
    assert lines == ['x = "\U0001f600é"; y', "z\x0cw", ""]  # a form feed does not end a line
    column = lines[0].index("y") + 1  # 1-based code points
    assert to_position(lines, UTF32, 1, column) == lsp.Position(0, 10)
    assert to_position(lines, UTF16, 1, column) == lsp.Position(0, 11)
    assert to_position(lines, UTF8, 1, column) == lsp.Position(0, 14)
    for codec in (UTF8, UTF16, UTF32):
        assert from_position(lines, codec, to_position(lines, codec, 1, column)) == column - 1
    # past the end: clamped, never an exception
    assert to_position(lines, UTF16, 1, 999) == lsp.Position(0, 11 + 1)
    assert to_position(lines, UTF16, 9, 1) == lsp.Position(2, 0)
    assert to_position(lines, UTF16, 2, 3) == lsp.Position(1, 2)


def test_buffers_are_encoded_as_on_disk() -> None:
    assert encode_source("x = 'é'\n") == "x = 'é'\n".encode()
    latin = "# -*- coding: latin-1 -*-\nx = 'é'\n"
    assert encode_source(latin) == latin.encode("latin-1")
    # a declared encoding that cannot hold the text: keep UTF-8 (the engine reports it)
    assert encode_source("# coding: ascii\nx = 'é'\n") == "# coding: ascii\nx = 'é'\n".encode()
    assert encode_source("# coding: nonsense\n") == b"# coding: nonsense\n"


def _fix(line: int, start: int, end: int, content: str, safety: FixSafety) -> Diagnostic:
    edit = Edit(content, Span(line, start, line, end))
    return Diagnostic(
        "CEL001",
        "m",
        "a.py",
        Span(line, start, line, end),
        Severity.WARNING,
        Fix(f"replace with {content}", safety, (edit,)),
    )


def test_fix_all_takes_safe_non_overlapping_fixes() -> None:
    first = _fix(1, 1, 5, "a", FixSafety.SAFE)
    overlapping = _fix(1, 3, 8, "b", FixSafety.SAFE)
    unsafe = _fix(2, 1, 5, "c", FixSafety.UNSAFE)
    later = _fix(3, 1, 5, "d", FixSafety.SAFE)
    twin = _fix(3, 1, 5, "d", FixSafety.SAFE)
    no_fix = Diagnostic("CEL001", "m", "a.py", Span(4, 1, 4, 2), Severity.INFO)
    edits = select_safe_fixes([later, overlapping, first, unsafe, twin, no_fix])
    assert [e.content for e in edits] == ["a", "d"]
    # two insertions at one point conflict too
    insert_a = _fix(5, 1, 1, "x", FixSafety.SAFE)
    insert_b = _fix(5, 1, 1, "y", FixSafety.SAFE)
    assert len(select_safe_fixes([insert_a, insert_b])) == 1


def test_noqa_edits() -> None:
    assert noqa_edit("x = 1\n", 1, "CEL101") == (5, 5, "  # noqa: CEL101")
    assert noqa_edit("x = 1   \n", 1, "CEL101") == (5, 5, "  # noqa: CEL101")
    assert noqa_edit("x = 1  # noqa: E501\n", 1, "CEL101") == (19, 19, ", CEL101")
    assert noqa_edit("x = 1  # keep  # noqa: E1,E2 why\n", 1, "CEL101") == (28, 28, ", CEL101")
    assert noqa_edit("x = 1  # why\n", 1, "CEL101") == (12, 12, "  # noqa: CEL101")
    assert noqa_edit("x = 1  # noqa: CEL1\n", 1, "CEL101") is None  # already covered
    assert noqa_edit("x = 1  # noqa\n", 1, "CEL101") is None
    assert noqa_edit("x = 1  # celerylint: noqa: CEL2\n", 1, "CEL101") is None
    assert noqa_edit('s = """a\nb"""\n', 1, "CEL101") is None  # would land in the string
    assert noqa_edit('s = """a\nb"""\n', 2, "CEL101") == (4, 4, "  # noqa: CEL101")
    assert noqa_edit("x = 1 + \\\n    2\n", 1, "CEL101") is None
    assert noqa_edit("call(\n    1)\n", 1, "CEL101") == (5, 5, "  # noqa: CEL101")
    assert noqa_edit("x = 1\n", 7, "CEL101") is None


def test_hover_text() -> None:
    text = hover_text("CEL000")
    assert text is not None and text.startswith("**CEL000** `unreadable-file` (error)")
    prefix = hover_text("CEL0")
    assert prefix is not None and prefix.startswith("`CEL0` covers")
    assert "**CEL001** `unused-noqa`" in prefix
    assert hover_text("E501") is None


def _server_with(text: str, diagnostics: list[Diagnostic], document_changes: bool):
    server = create_server()
    protocol = server.protocol
    protocol.client_capabilities = lsp.ClientCapabilities(
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=document_changes)
        )
    )
    protocol._workspace = Workspace(
        None, lsp.TextDocumentSyncKind.Full, [], lsp.PositionEncodingKind.Utf16
    )
    uri = "file:///project/a.py"
    server.workspace.put_text_document(lsp.TextDocumentItem(uri, "python", 3, text))
    lines = source_lines(text)
    checked = Checked(3, lines, text)
    for diag in diagnostics:
        checked.diagnostics.append((diag, server.to_lsp(diag, lines)))
    server.checked[uri] = checked
    return server, uri


def _params(uri: str, line: int, only: list[str] | None = None) -> lsp.CodeActionParams:
    return lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri),
        range=lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)),
        context=lsp.CodeActionContext(diagnostics=[], only=only),
    )


def test_code_actions_offer_each_fix_fix_all_and_noqa() -> None:
    text = "import os\nimport sys\n"
    safe = _fix(1, 1, 10, "import os as os", FixSafety.SAFE)
    unsafe = Diagnostic(
        "CEL101",
        "m",
        "a.py",
        Span(2, 1, 2, 11),
        Severity.ERROR,
        Fix("drop it", FixSafety.UNSAFE, (Edit("", Span(2, 1, 3, 1)),)),
    )
    server, uri = _server_with(text, [safe, unsafe], document_changes=True)
    actions = server.code_actions(uri, _params(uri, 1))
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == [
        ("celerylint (CEL101): drop it (unsafe)", lsp.CodeActionKind.QuickFix, False),
        (
            "celerylint (CEL101): Suppress with `# noqa: CEL101`",
            lsp.CodeActionKind.QuickFix,
            None,
        ),
        ("celerylint: Fix all safe fixes in this file", FIX_ALL_KIND, None),
    ]
    edit = actions[0].edit
    assert edit is not None and edit.document_changes is not None
    (change,) = edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit)
    assert change.text_document.version == 3
    assert change.edits == [
        lsp.TextEdit(lsp.Range(lsp.Position(1, 0), lsp.Position(2, 0)), new_text="")
    ]
    fix_all = actions[2].edit
    assert fix_all is not None and fix_all.document_changes is not None
    (all_change,) = fix_all.document_changes
    assert isinstance(all_change, lsp.TextDocumentEdit)
    assert [e.new_text for e in all_change.edits] == ["import os as os"]
    # a client asking only for fix-all actions (e.g. on save) gets only that
    only = server.code_actions(uri, _params(uri, 0, only=["source.fixAll"]))
    assert [a.kind for a in only] == [FIX_ALL_KIND]
    # the first line's safe fix is preferred
    first = server.code_actions(uri, _params(uri, 0, only=[lsp.CodeActionKind.QuickFix]))
    assert first[0].is_preferred is True


def test_code_actions_without_document_changes_support_and_when_stale() -> None:
    text = "import os\n"
    server, uri = _server_with(text, [_fix(1, 1, 10, "x", FixSafety.SAFE)], document_changes=False)
    actions = server.code_actions(uri, _params(uri, 0))
    assert actions[0].edit is not None
    assert actions[0].edit.changes is not None and uri in actions[0].edit.changes
    server.workspace.get_text_document(uri).version = 4  # edited since the last check
    assert server.code_actions(uri, _params(uri, 0)) == []


def test_lsp_command_without_pygls_says_how_to_install(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pygls" else real(name, *a)
    )
    result = CliRunner().invoke(cli, ["lsp"])
    assert result.exit_code == 2
    assert "pip install 'celerylint[lsp]'" in result.output


def test_until_indexed_only_per_file_findings_are_published(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from celerylint.lsp import Project

    (tmp_path / "pyproject.toml").write_text('[tool.celerylint]\nextend-select = ["CEL001"]\n')
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "__init__.py").write_text("")
    (shop / "apps.py").write_text("from django.apps import AppConfig\n")  # a Django app
    (shop / "tasks.py").write_text(
        "from celery import shared_task\n\n\n@shared_task\ndef send(pk):\n    return pk\n"
    )
    models = shop / "models.py"
    text = "from shop.tasks import send\nimport os  # noqa: CEL101\n"
    models.write_text(text)
    project = Project(tmp_path, tmp_path / "pyproject.toml", scan=True)
    project.check(str(models), text)
    grouped, _ = project.diagnostics([str(models)])
    assert grouped[str(models)] == []  # no CEL101 (a project rule), no guessed CEL001 yet
    project.install(project.scan())
    project.ready.set()
    project.check(str(models), text)
    grouped, _ = project.diagnostics([str(models)])
    assert [(d.code, d.span.line) for d in grouped[str(models)]] == [
        ("CEL101", 1),
        ("CEL001", 2),
    ]


def test_fix_edits_are_placed_as_fix_places_them() -> None:
    """Regression (issue 14): code actions sent the edits' LF line breaks into CRLF and CR
    files, and put a line added after the last line of a file without a final newline at
    the end of that line."""
    from celerylint.lsp import text_edits

    added = Edit("import sys\n", Span(3, 1, 3, 1))  # a line after the last one
    text = "import os\r\nx = 1"
    lines = source_lines(text)
    (edit,) = text_edits(text, lines, UTF16, [added])
    assert edit == lsp.TextEdit(
        lsp.Range(lsp.Position(1, 5), lsp.Position(1, 5)), "\r\nimport sys\r\n"
    )
    cr = "import os\rx = 1\r"
    (edit,) = text_edits(cr, source_lines(cr), UTF16, [added])
    assert edit == lsp.TextEdit(lsp.Range(lsp.Position(2, 0), lsp.Position(2, 0)), "import sys\r")


def test_a_directory_with_its_own_configuration_is_left_to_its_project(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """As on the command line: the root project neither scans nor owns the files below a
    `[tool.celerylint]` of their own; a pyproject.toml for other tools changes nothing."""
    from celerylint.lsp import Project

    (tmp_path / "pyproject.toml").write_text("[tool.celerylint]\n")
    for name, config in (("svc", "[tool.celerylint]\n"), ("lib", "[project]\nname = 'lib'\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "pyproject.toml").write_text(config)
        (tmp_path / name / "m.py").write_text("x = 1\n")
    (tmp_path / "top.py").write_text("x = 1\n")
    root = Project(tmp_path, tmp_path / "pyproject.toml", scan=True)
    scanned = sorted(r.path for r in root.scan())
    assert scanned == [str(tmp_path / "lib/m.py"), str(tmp_path / "top.py")]
    assert root.owns(str(tmp_path / "top.py"))
    assert root.owns(str(tmp_path / "lib/m.py"))
    assert not root.owns(str(tmp_path / "svc/m.py"))
    service = Project(tmp_path / "svc", tmp_path / "svc/pyproject.toml", scan=True)
    assert [r.path for r in service.scan()] == [str(tmp_path / "svc/m.py")]
    assert service.owns(str(tmp_path / "svc/m.py"))
