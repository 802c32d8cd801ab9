"""Light facts for files the prefilter skips: load-time imports and module-level names,
read with regular expressions from the raw bytes (no parse).

A file that contains none of the needles of the enabled rules and fact collectors cannot
produce a finding, but it can still be a hop in an import chain (CEL102) or re-export a
name. Only column-0 statements are read (indented imports under ``if TYPE_CHECKING:`` or
``try:`` are skipped), and triple-quoted strings are blanked first so code examples in
docstrings are not mistaken for imports. Missing an edge only loses a finding; it never
invents one.
"""

from __future__ import annotations

import codecs
import re

from celerylint.factdata import ImportFact, ModuleFacts
from celerylint.kit.names import resolve_relative
from celerylint.semantics.worker_launch import launch_line_of

_TRIPLE = re.compile(rb'""".*?"""|\'\'\'.*?\'\'\'', re.S)
_CONTINUED = re.compile(rb"\\\r?\n")
_FROM = re.compile(
    rb"^from[ \t]+(?P<mod>\.*[A-Za-z_][\w.]*|\.+)[ \t]+import[ \t]*(?P<names>\([^)]*\)|[^\r\n#;]*)",
    re.M,
)
_IMPORT = re.compile(rb"^import[ \t]+(?P<names>[^\r\n#;]+)", re.M)
_INDENTED_FROM = re.compile(
    rb"^[ \t]+from[ \t]+(?P<mod>\.*[A-Za-z_][\w.]*|\.+)[ \t]+import[ \t]*(?P<names>\([^)]*\)|[^\r\n#;]*)",
    re.M,
)
_INDENTED_IMPORT = re.compile(rb"^[ \t]+import[ \t]+(?P<names>[^\r\n#;]+)", re.M)
_DEFINE = re.compile(rb"^(?:async[ \t]+def|def|class)[ \t]+(?P<name>[A-Za-z_]\w*)", re.M)
_ASSIGN = re.compile(rb"^(?P<name>[A-Za-z_]\w*)[ \t]*(?::[^=\r\n]*)?=(?!=)", re.M)
_ALIAS = re.compile(r"^([A-Za-z_][\w.]*)(?:\s+as\s+([A-Za-z_]\w*))?$")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.M)


def decode_problem(data: bytes) -> str | None:
    """Why ``data`` cannot be decoded as Python source, cheaply (no parse), or None."""
    if b"\x00" in data:
        return "contains NUL bytes (a binary file?); the file was not checked"
    head = b"\n".join(data.split(b"\n", 2)[:2])
    match = _CODING.search(head)
    encoding = match.group(1).decode("ascii", "replace") if match else "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        return f"declares an unknown encoding `{encoding}`; the file was not checked"
    try:
        data.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        )
    except UnicodeDecodeError as exc:
        return (
            f"could not be decoded as {encoding} (invalid byte at offset {exc.start}); "
            "the file was not checked"
        )
    except LookupError as exc:  # a codec that is not a text encoding (`rot13`)
        return f"declares an unusable encoding ({exc}); the file was not checked"
    return None


def light_facts(data: bytes, path: str, module: str, is_package: bool) -> ModuleFacts:
    text = _CONTINUED.sub(b" ", _TRIPLE.sub(b"", data))
    imports: list[ImportFact] = []
    for m in _FROM.finditer(text):
        raw = m.group("mod").decode("ascii", "replace")
        level = len(raw) - len(raw.lstrip("."))
        base = resolve_relative(module, is_package, level, raw.lstrip(".") or None)
        if base is None:
            continue
        names = m.group("names").decode("utf-8", "replace").strip().strip("()")
        for part in names.replace("\n", " ").split(","):
            part = " ".join(part.split())
            if part == "*":
                imports.append(ImportFact(base, "*", "", True, None))
                continue
            alias = _ALIAS.match(part)
            if alias and "." not in alias.group(1):
                name = alias.group(1)
                imports.append(ImportFact(base, name, alias.group(2) or name, True, None))
    for m in _IMPORT.finditer(text):
        for part in m.group("names").decode("utf-8", "replace").split(","):
            alias = _ALIAS.match(" ".join(part.split()))
            if alias:
                target = alias.group(1)
                bound = alias.group(2) or target.split(".", 1)[0]
                imports.append(ImportFact(target, None, bound, True, None))
    maybe: list[str] = []
    for m in _INDENTED_FROM.finditer(text):
        raw = m.group("mod").decode("ascii", "replace")
        level = len(raw) - len(raw.lstrip("."))
        base = resolve_relative(module, is_package, level, raw.lstrip(".") or None)
        if base is not None:
            maybe.append(base)
            names = m.group("names").decode("utf-8", "replace").strip().strip("()")
            for part in names.replace("\n", " ").split(","):
                alias = _ALIAS.match(" ".join(part.split()))
                if alias and "." not in alias.group(1):
                    maybe.append(f"{base}.{alias.group(1)}")
    for m in _INDENTED_IMPORT.finditer(text):
        for part in m.group("names").decode("utf-8", "replace").split(","):
            alias = _ALIAS.match(" ".join(part.split()))
            if alias:
                maybe.append(alias.group(1))
    defines = [m.group("name").decode() for m in _DEFINE.finditer(text)]
    defines += [m.group("name").decode() for m in _ASSIGN.finditer(text)]
    return ModuleFacts(
        path=path,
        module=module,
        is_package=is_package,
        imports=tuple(imports),
        defines=tuple(dict.fromkeys(defines)),
        maybe_imports=tuple(dict.fromkeys(maybe)),
        worker_launch=launch_line_of(data),
    )
