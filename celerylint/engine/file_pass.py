"""Phase 1 for one file: parse once, run every per-file rule and the fact collector in one
traversal, resolve positions only for the nodes that need them, return plain data."""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from celerylint.diagnostics import Diagnostic, Fix, Severity, Span
from celerylint.engine.context import FileContext
from celerylint.engine.edits import NodeFix, realize_fixes
from celerylint.engine.suppression import Suppressions, parse_suppressions
from celerylint.engine.walker import RuleCrash, Walker
from celerylint.facts.collectors import COLLECTORS
from celerylint.facts.model import ModuleFacts
from celerylint.rules.base import FileRule
from celerylint.semantics.module_scope import build_module_scope

PARSE_ERROR = "CEL000"


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    facts: ModuleFacts | None
    diagnostics: tuple[Diagnostic, ...]
    suppressions: Suppressions
    crashes: tuple[RuleCrash, ...] = ()


def error_result(path: str, reason: str, span: Span | None = None) -> FileResult:
    diag = Diagnostic(PARSE_ERROR, reason, path, span or Span(1, 1, 1, 1), Severity.ERROR)
    return FileResult(path, None, (diag,), Suppressions())


def _decode(data: bytes, encoding: str) -> str:
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _parse(data: bytes, path: str) -> tuple[cst.Module | None, FileResult | None]:
    try:
        return cst.parse_module(data), None
    except cst.ParserSyntaxError as exc:
        line, column, message = _python_syntax_error(data) or _libcst_syntax_error(exc)
        return None, error_result(
            path,
            f"SyntaxError: {message}; the file was not checked",
            Span(line, column, line, column),
        )
    except UnicodeDecodeError as exc:
        return None, error_result(
            path,
            f"could not be decoded as {exc.encoding} (invalid byte at offset {exc.start}); "
            "the file was not checked",
        )
    except (LookupError, SyntaxError) as exc:  # unknown coding cookie, bad encoding declaration
        return None, error_result(path, f"could not be decoded: {exc}; the file was not checked")
    except RecursionError:
        return None, error_result(path, "is nested too deeply to parse; the file was not checked")
    except Exception as exc:  # the parser must never take the run down
        return None, error_result(path, f"could not be parsed ({type(exc).__name__}: {exc})")


def _libcst_syntax_error(exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
    message = re.sub(r"^parser error: (error at \d+:\d+: )?", "", message) or "invalid syntax"
    return max(exc.raw_line, 1), max(exc.raw_column, 0) + 1, message


def _python_syntax_error(data: bytes) -> tuple[int, int, str] | None:
    """CPython's own location and message, which are more precise than libcst's, when this
    interpreter can tell (it may not know newer syntax; then libcst's answer stands)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<celerylint>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return max(exc.lineno or 1, 1), max(exc.offset or 1, 1), exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _span_table(module: cst.Module) -> Any:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _text_fixes(tree: cst.Module, text: str, ctx: FileContext) -> list[Fix | None]:
    """Each finding's fix as text edits, and the facts' fixes into ``ctx.realized_fixes``
    (node fixes are rendered only in files that have them)."""
    node_fixes = [f.fix for f in ctx.findings if isinstance(f.fix, NodeFix)]
    done = realize_fixes(tree, text, [*node_fixes, *ctx.fact_fixes])
    moved = zip(ctx.fact_fixes, done[len(node_fixes) :], strict=True)
    ctx.realized_fixes = {id(f): fix for f, fix in moved}
    realized = iter(done)
    return [next(realized) if isinstance(f.fix, NodeFix) else f.fix for f in ctx.findings]


def check_file(
    path: str,
    data: bytes,
    module_name: str,
    is_package: bool,
    rules: Sequence[tuple[type[FileRule], Any]],
) -> FileResult:
    """Phase 1 for one file. Never raises on user input."""
    if b"\x00" in data:
        return error_result(path, "contains NUL bytes (a binary file?); the file was not checked")
    tree, failed = _parse(data, path)
    if failed is not None:
        return failed
    assert tree is not None
    text = _decode(data, tree.encoding)
    suppressions = parse_suppressions(text)
    scope = build_module_scope(tree, module_name, is_package)
    ctx = FileContext(path, module_name, is_package, scope)
    collectors = [make(ctx) for make in COLLECTORS]
    instances = [rule_class(ctx, options) for rule_class, options in rules]
    walker = Walker(ctx, [*collectors, *instances])
    old_limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(old_limit, 10_000))
        tree.visit(walker)
        positions = _span_table(tree) if ctx.wanted_positions else None
        fixes = _text_fixes(tree, text, ctx)
    except RecursionError:
        return error_result(path, "is nested too deeply to analyse; the file was not checked")
    finally:
        sys.setrecursionlimit(old_limit)

    def span_of(node: cst.CSTNode) -> Span:
        assert positions is not None
        r = positions.get(node)
        if r is None:
            return Span(1, 1, 1, 1)
        return Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

    diagnostics = tuple(
        Diagnostic(f.rule.code, f.message, path, span_of(f.node), f.severity, fix, f.condition)
        for f, fix in zip(ctx.findings, fixes, strict=True)
    )
    fields: dict[str, Any] = {}
    for collector in collectors:
        fields.update(collector.finish(span_of if positions is not None else None))
    facts = ModuleFacts(path=path, module=module_name, is_package=is_package, **fields)
    return FileResult(path, facts, diagnostics, suppressions, tuple(walker.crashes))
