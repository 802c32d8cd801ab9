"""The fix matrix for the language server (issue 14): the edits of its code actions make the
same text as ``--fix``, in every file shape.

Each fixable rule example is written in each shape (``fix_shapes.SHAPES``); every file is
checked as an open editor buffer (its text as an editor holds it: decoded, no byte-order
mark) and phase 2 runs as the server runs it. Then, for the files the fix changes:

* each fix's quick-fix action, applied to the buffer, gives the text that ``--fix`` makes
  of that fix (``apply_fixes``), and so does "fix all" for the safe ones together;
* when the file has one fix, that is the file ``--fix --unsafe-fixes`` writes;
* the result parses and keeps the buffer's line endings.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
import pytest
from fix_shapes import Shape, decode, fix_cases, newline_kinds, shaped
from lsprotocol import types as lsp
from pygls.workspace import Workspace
from pygls.workspace.position_codec import PositionCodec

from celerylint.config import build_options
from celerylint.diagnostics import Diagnostic, FixSafety
from celerylint.engine.fixes import apply_fixes, fix_run
from celerylint.engine.runner import RunRequest
from celerylint.kit.text_edits import line_starts
from celerylint.lsp import (
    FIX_ALL_KIND,
    Checked,
    Project,
    create_server,
    from_position,
    source_lines,
)
from celerylint.rules import rules_by_code
from celerylint.rules.base import Example, Rule
from celerylint.testing import expected_fixed

pytestmark = (
    pytest.mark.slow
)  # the fix matrix through the language server: `-m "not slow"` skips it

UTF16 = PositionCodec(lsp.PositionEncodingKind.Utf16)


def apply_lsp_edits(text: str, edits: Sequence[lsp.TextEdit]) -> str:
    """What an editor does with the edits of one document (positions refer to ``text``)."""
    lines = source_lines(text)
    starts = line_starts(text)

    def offset(position: lsp.Position) -> int:
        return starts[position.line] + from_position(lines, UTF16, position)

    spans = sorted((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits)
    for (_, end, _), (start, _, _) in itertools.pairwise(spans):
        assert end <= start, "overlapping edits in one workspace edit"
    for start, end, new_text in reversed(spans):
        text = text[:start] + new_text + text[end:]
    return text


def _edits(action: lsp.CodeAction) -> list[lsp.TextEdit]:
    assert action.edit is not None and action.edit.document_changes is not None
    (change,) = action.edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit)
    return [e for e in change.edits if isinstance(e, lsp.TextEdit)]


def _actions(text: str, diagnostics: list[Diagnostic]) -> list[lsp.CodeAction]:
    server = create_server()
    protocol = server.protocol
    protocol.client_capabilities = lsp.ClientCapabilities(
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True)
        )
    )
    protocol._workspace = Workspace(
        None, lsp.TextDocumentSyncKind.Full, [], lsp.PositionEncodingKind.Utf16
    )
    uri = "file:///project/a.py"
    server.workspace.put_text_document(lsp.TextDocumentItem(uri, "python", 1, text))
    lines = source_lines(text)
    checked = Checked(1, lines, text)
    for diag in diagnostics:
        checked.diagnostics.append((diag, server.to_lsp(diag, lines)))
    server.checked[uri] = checked
    everything = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines), 0))
    params = lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri),
        range=everything,
        context=lsp.CodeActionContext(diagnostics=[]),
    )
    return server.code_actions(uri, params)


@pytest.mark.parametrize(("rule", "example", "shape"), fix_cases())
def test_lsp_fix_matrix(rule: type[Rule], example: Example, shape: Shape, tmp_path: Path) -> None:
    root = tmp_path / "project"
    files = shaped(shape, example.sources())
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    project = Project(root, None, scan=False)
    project.enabled = frozenset({rule.code})
    if example.options:
        options_class = rules_by_code()[rule.code].options_class
        assert options_class is not None
        project.options = {rule.code: build_options(options_class, example.options, rule.code)}
    buffers = {str(root / name): decode(shape, data) for name, data in files.items()}
    for abspath, text in buffers.items():
        if abspath.endswith(".py"):
            project.check(abspath, text)
    project.ready.set()
    grouped, crashes = project.diagnostics([str(root / name) for name in expected_fixed(example)])
    assert not crashes

    settings = dataclasses.replace(project.settings, rule_options=project.options)
    request = RunRequest([root], settings, project.enabled, jobs=1, cwd=root)
    by_cli = {f.abspath: f.fixed for f in fix_run(request, unsafe=True).files}

    for abspath, diagnostics in grouped.items():
        text = buffers[abspath]
        with_fixes = [d for d in diagnostics if d.fix is not None and d.fix.edits]
        assert with_fixes, f"no fix offered in {abspath}"
        actions = _actions(text, diagnostics)
        quick = [
            a for a in actions if a.kind == lsp.CodeActionKind.QuickFix and "noqa" not in a.title
        ]
        assert len(quick) == len(with_fixes)
        for diag, action in zip(sorted(with_fixes, key=lambda d: d.sort_key), quick, strict=True):
            got = apply_lsp_edits(text, _edits(action))
            assert got == apply_fixes(text, [diag])[0]
            assert newline_kinds(got) <= (newline_kinds(text) or {"\n"})
            cst.parse_module(got)
            if len(with_fixes) == 1:
                assert got == by_cli[abspath].removeprefix("\ufeff"), "not what --fix writes"
        safe = [d for d in with_fixes if d.fix is not None and d.fix.safety is FixSafety.SAFE]
        fix_all = [a for a in actions if a.kind == FIX_ALL_KIND]
        assert len(fix_all) == (1 if safe else 0)
        if safe:
            assert apply_lsp_edits(text, _edits(fix_all[0])) == apply_fixes(text, safe)[0]
