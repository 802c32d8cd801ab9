"""Code actions (each fix, "fix all safe fixes", ``# noqa: CODE``) and hover (a rule's
summary over a code in a ``# noqa:`` comment), from what was last published."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from celerylint.diagnostics import FixSafety, Span
from celerylint.engine.suppression import NO_NOQA_CODES, directive_codes, noqa_edit
from celerylint.lsp.text import (
    from_position,
    overlaps,
    select_safe_fixes,
    source_lines,
    text_edits,
    to_range,
)
from celerylint.reporters.common import rule_url
from celerylint.rules import rules_by_code

if TYPE_CHECKING:
    from celerylint.lsp.server import CelerylintServer

FIX_ALL_KIND = "source.fixAll.celerylint"


def workspace_edit(
    server: CelerylintServer, uri: str, version: int | None, edits: Sequence[lsp.TextEdit]
) -> lsp.WorkspaceEdit:
    if server._client("workspace", "workspace_edit", "document_changes"):
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


def code_actions(
    server: CelerylintServer, uri: str, params: lsp.CodeActionParams
) -> list[lsp.CodeAction]:
    checked = server.checked.get(uri)
    if checked is None or checked.version != server.workspace.get_text_document(uri).version:
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
            edits = text_edits(checked.text, checked.lines, server.codec, fix.edits)
            unsafe = " (unsafe)" if fix.safety is FixSafety.UNSAFE else ""
            actions.append(
                lsp.CodeAction(
                    title=f"celerylint ({diag.code}): {fix.message}{unsafe}",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[published],
                    edit=workspace_edit(server, uri, checked.version, edits),
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
                edit = lsp.TextEdit(to_range(checked.lines, server.codec, span), content)
                actions.append(
                    lsp.CodeAction(
                        title=f"celerylint ({diag.code}): Suppress with `# noqa: {diag.code}`",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[published],
                        edit=workspace_edit(server, uri, checked.version, [edit]),
                    )
                )
    if wanted(FIX_ALL_KIND):
        safe = select_safe_fixes(d for d, _ in checked.diagnostics)
        if safe:
            edits = text_edits(checked.text, checked.lines, server.codec, safe)
            actions.append(
                lsp.CodeAction(
                    title="celerylint: Fix all safe fixes in this file",
                    kind=FIX_ALL_KIND,
                    edit=workspace_edit(server, uri, checked.version, edits),
                )
            )
    return actions


# -- hover ---------------------------------------------------------------------------------


def hover(server: CelerylintServer, uri: str, position: lsp.Position) -> lsp.Hover | None:
    document = server.workspace.get_text_document(uri)
    lines = source_lines(document.source.removeprefix("\ufeff"))
    if not 0 <= position.line < len(lines):
        return None
    line = lines[position.line]
    column = from_position(lines, server.codec, position)
    for start, end, code in directive_codes(line):
        if start <= column <= end:
            text = hover_text(code)
            if text is None:
                return None
            span = Span(position.line + 1, start + 1, position.line + 1, end + 1)
            return lsp.Hover(
                contents=lsp.MarkupContent(kind=_markup(server), value=text),
                range=to_range(lines, server.codec, span),
            )
    return None


def _markup(server: CelerylintServer) -> lsp.MarkupKind:
    formats = server._client("text_document", "hover", "content_format")
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
