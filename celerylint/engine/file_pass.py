"""Phase 1 for one file: parse once, run every per-file rule and the fact collector in one
traversal, resolve positions only for the nodes that need them, return plain data."""

from __future__ import annotations

import ast
import functools
import io
import re
import sys
import threading
import tokenize
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from traceback import format_exc
from typing import Any, TypeVar

import libcst as cst

from celerylint.diagnostics import Diagnostic, Fix, Severity, Span
from celerylint.engine.positions import Range, node_ranges
from celerylint.engine.suppression import Suppressions, parse_suppressions
from celerylint.engine.walker import RuleCrash, Walker
from celerylint.factdata import ModuleFacts
from celerylint.facts.collectors import COLLECTORS
from celerylint.facts.light import light_facts
from celerylint.kit.context import FileContext
from celerylint.kit.cst_walk import walk
from celerylint.kit.edits import NodeFix, realize_fixes
from celerylint.kit.text_edits import SourceMap, line_starts, position
from celerylint.pickling import fast_pickling
from celerylint.rules.base import FileRule, Rule
from celerylint.semantics.module_scope import build_module_scope
from celerylint.semantics.worker_launch import launch_line_of

T = TypeVar("T")

PARSE_ERROR = "CEL000"
#: CPython refuses deeper bracket nesting ("too many nested parentheses"); libcst's native
#: parser has no such guard and overflows its stack on pathological input
MAX_BRACKET_DEPTH = 200
#: one file's pass runs on a thread with this much stack (reserved, not committed): libcst's
#: native parser and the tree walks recurse once per nesting level, and 8 MiB runs out near
#: depth 1,000
STACK_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    facts: ModuleFacts | None
    diagnostics: tuple[Diagnostic, ...]
    suppressions: Suppressions
    crashes: tuple[RuleCrash, ...] = ()
    light: bool = False  # skipped by the prefilter: light facts only, no parse


def light_result(
    path: str,
    data: bytes,
    module_name: str,
    is_package: bool,
    rules: Sequence[tuple[type[Rule], Any]],
) -> FileResult:
    """A file the prefilter skips: decoded and syntax-checked by CPython's own compiler
    (about a quarter of a libcst parse), never lost; when CPython rejects it (a syntax error, or
    syntax newer than this interpreter) the file gets the full libcst pass instead, which
    reports a precise CEL000 or analyses the newer syntax."""
    unreadable = _undecodable(path, data)
    if unreadable is not None:
        return unreadable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # to bytecode: cheaper than building the Python AST objects; a program it
            # rejects that the parser accepts (``return`` outside a function) just gets
            # the full pass, which decides
            compile(data, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return check_file(path, data, module_name, is_package, rules)
    suppressions = Suppressions()
    if b"noqa" in data or b"NOQA" in data:
        suppressions = parse_suppressions(data.decode("utf-8", errors="replace"))
    facts = light_facts(data, path, module_name, is_package)
    return FileResult(path, facts, (), suppressions, light=True)


def error_result(path: str, reason: str, span: Span | None = None) -> FileResult:
    diag = Diagnostic(PARSE_ERROR, reason, path, span or Span(1, 1, 1, 1), Severity.ERROR)
    return FileResult(path, None, (diag,), Suppressions())


_LONE_CR = re.compile(rb"\r(?!\n)")


def lone_cr_as_lf(data: bytes) -> bytes:
    """The file with each line ending that is a lone CR (old Mac style) written as LF.

    libcst's parser does not round-trip such files (it loses the last line ending), so the
    engine would offer no fixes there. Python itself reads a lone CR as LF, and the swap
    keeps every character's offset, line and column, so the tree, positions and fixes of
    the LF version are those of the file; the fixes are written with the file's own line
    endings (``engine/fixes.py``). Source encodings are ASCII-compatible: a CR byte is a
    CR character.
    """
    if b"\r" not in data:
        return data
    return _LONE_CR.sub(b"\n", data)


def _decode(data: bytes, encoding: str) -> str:
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _parse(data: bytes, path: str) -> tuple[cst.Module | None, FileResult | None]:
    verdict = _python_verdict(data)
    if verdict is not None and (verdict.too_deep or _bracket_depth(data) > MAX_BRACKET_DEPTH):
        # libcst would overflow its stack (a segfault, not an exception) or take minutes
        reason = verdict.message if verdict.too_deep else "too many nested parentheses"
        return None, error_result(
            path, f"is nested too deeply to parse ({reason}); the file was not checked"
        )
    if verdict is not None and verdict.message.startswith(("(unicode error)", "(value error)")):
        # undecodable bytes, or a literal Python cannot decode (``"\N{NOPE}"``): no newer
        # syntax explains either, and reading the literal's value later would fail
        reason, span = _decoding_problem(data) or (
            f"SyntaxError: {verdict.message}",
            Span(verdict.line, verdict.column, verdict.line, verdict.column),
        )
        return None, error_result(path, f"{reason}; the file was not checked", span)
    try:
        return cst.parse_module(data), None
    except cst.ParserSyntaxError as exc:
        if verdict is None:  # Python accepts the file: a construct libcst does not support
            line, column, message = _libcst_syntax_error(exc)
            detail = "" if message.startswith("expected one of") else f" ({message})"
            reason = f"uses syntax that celerylint's parser (libcst) does not support{detail}"
        else:
            line, column, message = verdict.line, verdict.column, verdict.message
            reason = f"SyntaxError: {message}"
        where = Span(line, column, line, column)
        return None, error_result(path, f"{reason}; the file was not checked", where)
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:  # bytes or coding cookie
        reason, span = _decoding_problem(data) or (f"could not be decoded ({exc})", None)
        return None, error_result(path, f"{reason}; the file was not checked", span)
    except RecursionError:
        return None, error_result(path, "is nested too deeply to parse; the file was not checked")
    except Exception as exc:  # the parser must never take the run down
        return None, error_result(path, f"could not be parsed ({type(exc).__name__}: {exc})")


def _undecodable(path: str, data: bytes) -> FileResult | None:
    """NUL bytes, or bytes the declared encoding cannot decode: the same CEL000 (message and
    position) whether or not the file is analysed in full."""
    if b"\x00" in data:
        return error_result(path, "contains NUL bytes (a binary file?); the file was not checked")
    problem = _decoding_problem(data)
    if problem is None:
        return None
    reason, span = problem
    return error_result(path, f"{reason}; the file was not checked", span)


def _decoding_problem(data: bytes) -> tuple[str, Span | None] | None:
    """What is wrong with the file's encoding, and where, in the words Python would use."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown encoding, or a cookie that contradicts the BOM
        if "invalid or missing" not in str(exc):
            return f"has an unusable encoding declaration ({exc})", None
        encoding = "utf-8"  # no cookie: the first lines are simply not valid UTF-8
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        where = Span(line, column, line, column)
        byte = data[exc.start]
        return f"is not valid {encoding} (undecodable byte {byte:#04x})", where
    except LookupError as exc:
        return f"has an unusable encoding declaration ({exc})", None
    return None


def _libcst_syntax_error(exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
    message = re.sub(r"^parser error: (error at \d+:\d+: )?", "", message) or "invalid syntax"
    return max(exc.raw_line, 1), max(exc.raw_column, 0) + 1, message


@dataclass(frozen=True, slots=True)
class _Verdict:
    """Why CPython's own parser rejects a file."""

    line: int
    column: int
    message: str
    too_deep: bool  # nesting beyond CPython's limits, not a plain syntax error


def _python_verdict(data: bytes) -> _Verdict | None:
    """Ask CPython's parser first (about a tenth of libcst's parse time): it stops cleanly at
    nesting that libcst cannot survive, and its syntax error locations and messages are more
    precise. It may not know newer syntax than this interpreter; then libcst decides."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<celerylint>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        too_deep = "too many nested" in message or "too complex" in message
        return _Verdict(max(exc.lineno or 1, 1), max(exc.offset or 1, 1), message, too_deep)
    except (RecursionError, MemoryError):  # CPython's own guards against deep nesting
        return _Verdict(1, 1, "deeper than Python's parser accepts", True)
    except ValueError:
        return None
    return None


_BRACKET_TOKENS = re.compile(
    rb"#[^\r\n]*"  # a comment
    rb"|'''(?:\\.|[^\\])*?'''"
    rb'|"""(?:\\.|[^\\])*?"""'
    rb"|'(?:\\.|[^\\'\r\n])*'"
    rb'|"(?:\\.|[^\\"\r\n])*"'
    rb"|[(\[{)\]}]",
    re.S,
)


def _bracket_depth(data: bytes) -> int:
    """The deepest bracket nesting outside strings and comments: for syntax this CPython
    does not know, only this byte scan stands between libcst and a pathological file."""
    depth = deepest = 0
    for match in _BRACKET_TOKENS.finditer(data):
        token = match.group()
        if token in (b"(", b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b")", b"]", b"}"):
            depth = max(depth - 1, 0)
    return deepest


def _text_ranges(tree: cst.Module, text: str) -> Callable[[Range], Range] | None:
    """For the rare file libcst does not render exactly (a form feed before a statement):
    node ranges in the rendering -> ranges in the file's text."""
    if "\x0c" not in text:
        return None
    rendered = tree.code
    mapping = SourceMap.build(rendered, text) if rendered != text else None
    if mapping is None:
        return None
    rendered_starts, text_starts = line_starts(rendered), line_starts(text)

    def convert(r: Range) -> Range:
        start = rendered_starts[r[0] - 1] + r[1]
        end = rendered_starts[min(r[2], len(rendered_starts)) - 1] + r[3]
        first, last = mapping.covering(start, max(start, end))
        line, column = position(text_starts, first)
        end_line, end_column = position(text_starts, last)
        return line, column - 1, end_line, end_column - 1

    return convert


def _text_fixes(tree: cst.Module, text: str, ctx: FileContext) -> tuple[list[Fix | None], str]:
    """Each finding's fix as text edits, and the facts' fixes into ``ctx.realized_fixes``
    (node fixes are rendered only in files that have them); and, when the file's shape
    rules out every fix, a note for the findings that would have had one."""
    node_fixes = [f.fix for f in ctx.findings if isinstance(f.fix, NodeFix)]
    done, unfixable = realize_fixes(tree, text, [*node_fixes, *ctx.fact_fixes])
    moved = zip(ctx.fact_fixes, done[len(node_fixes) :], strict=True)
    ctx.realized_fixes = {id(f): fix for f, fix in moved}
    realized = iter(done)
    fixes = [next(realized) if isinstance(f.fix, NodeFix) else f.fix for f in ctx.findings]
    note = f" (no automatic fix: {unfixable})" if unfixable else ""
    return fixes, note


def check_file(
    path: str,
    data: bytes,
    module_name: str,
    is_package: bool,
    rules: Sequence[tuple[type[Rule], Any]],
) -> FileResult:
    """Phase 1 for one file. Never raises on user input, never overflows the stack."""
    work = functools.partial(_check_file, path, data, module_name, is_package, rules)
    if getattr(_STACK, "large", False):
        return work()
    return on_large_stack(work)


#: ``large`` is set on the threads ``on_large_stack`` starts
_STACK = threading.local()


def on_large_stack(work: Callable[[], T]) -> T:
    """Run ``work`` on a thread with ``STACK_BYTES`` of stack (batch many files in one
    ``work``: ``check_file`` inside it runs directly, without a thread of its own)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        _STACK.large = True
        try:
            outcome.append(work())
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    try:
        previous = threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):  # this platform cannot size thread stacks
        return work()
    try:
        thread = threading.Thread(target=target, name="celerylint-file-pass", daemon=True)
        thread.start()
    except RuntimeError:  # no thread can be started (resource limits): run here
        return work()
    finally:
        threading.stack_size(previous)
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _check_file(
    path: str,
    data: bytes,
    module_name: str,
    is_package: bool,
    rules: Sequence[tuple[type[Rule], Any]],
) -> FileResult:
    if b"\x00" in data:
        return error_result(path, "contains NUL bytes (a binary file?); the file was not checked")
    launch = launch_line_of(data)
    data = lone_cr_as_lf(data)
    tree, failed = _parse(data, path)
    if failed is not None:
        return failed
    assert tree is not None
    if "\x0c" in tree.default_indent:
        # the first indented line starts with a form feed (Python resets its indentation
        # count there): new code must not be indented with one
        indent = tree.default_indent.rsplit("\x0c", 1)[-1] or "    "
        tree = tree.with_changes(default_indent=indent)
    text = _decode(data, tree.encoding)
    scope = build_module_scope(tree, module_name, is_package)
    ctx = FileContext(path, module_name, is_package, scope)
    collectors = [make(ctx) for make in COLLECTORS]
    instances = [
        rule_class(ctx, options)
        for rule_class, options in rules
        if issubclass(rule_class, FileRule)
    ]
    owned = [
        (rule_class.code, rule_class.collector(ctx))
        for rule_class, _ in rules
        if rule_class.collector is not None
    ]
    walker = Walker(ctx, [*collectors, *(c for _, c in owned), *instances])
    walked = _walk(tree, text, ctx, walker)
    if isinstance(walked, FileResult):
        return walked
    positions, fixes, note = walked
    span_of = _span_finder(tree, text, positions)
    diagnostics = tuple(
        Diagnostic(
            f.code,
            f"{f.message}{note}" if note and isinstance(f.fix, NodeFix) else f.message,
            path,
            span_of(f.node),
            f.severity,
            fix,
            f.condition,
        )
        for f, fix in zip(ctx.findings, fixes, strict=True)
    )
    spans = span_of if positions is not None else None
    fields: dict[str, Any] = {"worker_launch": launch}
    for collector in collectors:
        fields.update(collector.finish(spans))
    crashes = list(walker.crashes)
    rule_facts = _rule_facts(path, owned, spans, crashes)
    if rule_facts:
        fields["rule_facts"] = rule_facts
    facts = ModuleFacts(path=path, module=module_name, is_package=is_package, **fields)
    return FileResult(path, facts, diagnostics, parse_suppressions(text), tuple(crashes))


def _walk(
    tree: cst.Module, text: str, ctx: FileContext, walker: Walker
) -> tuple[dict[int, Range] | None, list[Fix | None], str] | FileResult:
    """The one traversal, then the positions that were asked for and the findings' fixes
    as text edits; an error result when the tree is too deep to walk."""
    old_limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(old_limit, 50_000))  # safe on the large stack
        walk(tree, walker, walker.interesting_types())
        positions = node_ranges(tree, ctx.wanted_positions) if ctx.wanted_positions else None
        fixes, note = _text_fixes(tree, text, ctx)
    except RecursionError:
        return error_result(ctx.path, "is nested too deeply to analyse; the file was not checked")
    finally:
        sys.setrecursionlimit(old_limit)
    return positions, fixes, note


def _span_finder(
    tree: cst.Module, text: str, positions: dict[int, Range] | None
) -> Callable[[cst.CSTNode], Span]:
    """A node's span in the file's text (1-based columns)."""
    to_text = _text_ranges(tree, text) if positions else None

    def span_of(node: cst.CSTNode) -> Span:
        assert positions is not None
        r = positions.get(id(node))
        if r is None:  # not asked for with ``want_position``: one more (rare) targeted pass
            positions.update(node_ranges(tree, [node]))
            r = positions.get(id(node), (1, 0, 1, 0))
        if to_text is not None:
            r = to_text(r)
        return Span(r[0], r[1] + 1, r[2], r[3] + 1)

    return span_of


def _rule_facts(
    path: str,
    owned: Sequence[tuple[str, Any]],
    spans: Callable[[cst.CSTNode], Span] | None,
    crashes: list[RuleCrash],
) -> tuple[tuple[str, Any], ...]:
    """What the rules' own collectors gathered, by rule code; a collector that fails adds
    to ``crashes`` (a rule bug must not abort the run)."""
    rule_facts = []
    for code, own in owned:
        try:
            gathered = own.finish(spans)
        except Exception as exc:
            crashes.append(RuleCrash(code, path, f"{type(exc).__name__}: {exc}", format_exc()))
            continue
        if gathered is not None:
            rule_facts.append((code, gathered))
    return tuple(rule_facts)


fast_pickling(globals())
