"""Small builders for rules' fixes: new nodes that look like hand-written code.

A fix replaces nodes (``FileRule.fix({old: new}, ...)``); these helpers build the ``new``
side with the usual formatting (``name=value`` without spaces, ``", "`` between
arguments), and find where to add an import.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from celerylint.kit.edits import Replacement


def dotted(name: str) -> cst.Name | cst.Attribute:
    """``a.b.c`` as an expression (for ``from a.b import c`` modules and attribute chains)."""
    head, *rest = name.split(".")
    node: cst.Name | cst.Attribute = cst.Name(head)
    for part in rest:
        node = cst.Attribute(node, cst.Name(part))
    return node


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value`` formatted as PEP 8 wants it in calls."""
    return cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )


def with_arguments(call: cst.Call, added: Sequence[cst.Arg], *, first: bool = False) -> cst.Call:
    """``call`` with ``added`` at the end (or before the first keyword with ``first``), in the call's
    own layout: ``f(a, new)``, or one argument per line when the call is written that way.
    Callers keep keyword arguments before ``**spreads`` themselves."""
    if not added:
        return call
    args = list(call.args)
    if not args:
        return call.with_changes(
            args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in added]
        )
    opening = call.whitespace_before_args
    # one argument per line: the same line break and indentation, but not a comment or
    # blank lines that follow the opening parenthesis
    separator = cst.Comma(
        whitespace_after=opening.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
        if isinstance(opening, cst.ParenthesizedWhitespace)
        else cst.SimpleWhitespace(" ")
    )
    if first:
        at = next((i for i, a in enumerate(args) if a.keyword is not None or a.star), len(args))
        if at < len(args):
            spliced = [a.with_changes(comma=separator) for a in added]
            return call.with_changes(args=[*args[:at], *spliced, *args[at:]])
    last = args[-1]
    new = [
        *args[:-1],
        last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace("")),
    ]
    new += [a.with_changes(comma=separator) for a in added[:-1]]
    new.append(
        added[-1].with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    )
    return call.with_changes(args=new)


def string_like(original: cst.SimpleString, value: str) -> cst.SimpleString:
    """A string literal holding ``value`` with ``original``'s prefix and quotes (``value``
    must not need escapes: dotted paths, URLs, setting names)."""
    return cst.SimpleString(f"{original.prefix}{original.quote}{value}{original.quote}")


def import_line(module: str, names: Sequence[tuple[str, str | None]]) -> cst.SimpleStatementLine:
    """``from module import name [as alias], ...`` as a statement line."""
    aliases = [
        cst.ImportAlias(
            cst.Name(name), asname=cst.AsName(cst.Name(alias)) if alias and alias != name else None
        )
        for name, alias in names
    ]
    return cst.SimpleStatementLine([cst.ImportFrom(module=dotted(module), names=aliases)])


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
    )


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def add_module_import(
    module: cst.Module, line: cst.SimpleStatementLine | Sequence[cst.SimpleStatementLine]
) -> dict[cst.CSTNode, Replacement] | None:
    """Replacements that add the import line(s) after the module's top-level imports (or
    after its docstring when it has none). None for an empty module."""
    lines = [line] if isinstance(line, cst.SimpleStatementLine) else list(line)
    body = list(module.body)
    if not body or not lines:
        return None
    last_import = None
    for stmt in body:
        if _is_import_line(stmt):
            last_import = stmt
        elif not _is_docstring(stmt) and last_import is not None:
            break
    if last_import is not None:
        return {last_import: cst.FlattenSentinel([last_import, *lines])}
    first = body[0]
    if _is_docstring(first):
        return {first: cst.FlattenSentinel([first, *lines])}
    assert isinstance(first, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    moved = [lines[0].with_changes(leading_lines=first.leading_lines), *lines[1:]]
    return {first: cst.FlattenSentinel([*moved, first.with_changes(leading_lines=())])}


def _docstring_first(statements: Sequence[cst.BaseStatement]) -> bool:
    return len(statements) > 1 and _is_docstring(statements[0])


def prepend_to_body(
    function: cst.FunctionDef,
    lines: Sequence[cst.BaseStatement],
    *,
    blank_after: bool = False,
) -> dict[cst.CSTNode, Replacement] | None:
    """Replacements that put ``lines`` first in the function body (after its docstring),
    optionally followed by a blank line. None for a one-line body (``def f(): ...``)."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body or not lines:
        return None
    statements = list(body.body)
    at = 1 if _docstring_first(statements) else 0
    following = statements[at]
    if not isinstance(following, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        return None
    blank = [cst.EmptyLine(indent=False)] if blank_after else []
    if at == 1:
        lead = [] if following.leading_lines else blank
        return {
            statements[0]: cst.FlattenSentinel([statements[0], *lines]),
            following: following.with_changes(leading_lines=[*lead, *following.leading_lines]),
        }
    # blank lines and comments above the first statement stay with it (after the blank)
    lead = list(following.leading_lines)
    if blank and lead and lead[0].comment is None:
        blank = []  # it has a blank line of its own
    rest = following.with_changes(leading_lines=[*blank, *lead])
    return {following: cst.FlattenSentinel([*lines, rest])}
