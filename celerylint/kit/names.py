"""Name resolution through imports, without libcst's scope providers.

A module's import table maps local names to dotted qualified names
(``from celery import shared_task as st`` makes ``st`` mean ``celery.shared_task``);
module-level definitions map to ``<module>.<name>``. Function parameters and local
assignments shadow outer bindings and resolve to nothing: prefer silence to a guess.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator

import libcst as cst

BUILTIN_NAMES = frozenset(dir(builtins))

#: marks a binding we know exists but cannot name (a parameter, a local variable)
LOCAL = ""


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """Resolve ``from ..x import y`` inside ``module`` to an absolute module name."""
    if level == 0:
        return target
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        if level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (level - 1)]
    if target:
        parts.append(target)
    return ".".join(parts) if parts else None


def import_bindings(
    node: cst.Import | cst.ImportFrom, module: str, is_package: bool
) -> Iterator[tuple[str, str]]:
    """(local name, qualified name) pairs bound by an import statement."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            target = dotted_name(alias.name)
            if target is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                yield alias.asname.name.value, target
            else:
                head = target.split(".", 1)[0]
                yield head, head
        return
    base = resolve_relative(
        module,
        is_package,
        len(node.relative),
        dotted_name(node.module) if node.module is not None else None,
    )
    if base is None or isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        if not isinstance(alias.name, cst.Name):
            continue
        name = alias.name.value
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        yield local, f"{base}.{name}"


class Frame:
    """One scope: the module, a class body or a function."""

    __slots__ = ("bindings", "kind", "node")

    def __init__(self, kind: str, node: cst.CSTNode | None) -> None:
        self.kind = kind  # "module" | "class" | "function"
        self.node = node
        self.bindings: dict[str, str] = {}


class NameResolver:
    """Resolve names against a stack of frames (innermost last)."""

    def __init__(self, module: str, module_frame: Frame, has_star_import: bool) -> None:
        self.module = module
        self.frames: list[Frame] = [module_frame]
        self.has_star_import = has_star_import

    def lookup(self, name: str) -> str | None:
        frames = self.frames
        innermost = len(frames) - 1
        for i in range(innermost, -1, -1):
            frame = frames[i]
            # a class body's names are not visible from functions nested in it
            if frame.kind == "class" and i != innermost:
                continue
            binding = frame.bindings.get(name)
            if binding is not None:
                return binding or None
        if name in BUILTIN_NAMES:
            # under ``from x import *`` the star import may shadow it: phase 2 decides
            # (``project/star_names.py``); here it stays this module's name
            return f"{self.module}.{name}" if self.has_star_import else f"builtins.{name}"
        return None

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name an expression refers to, or None if unknown."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.lookup(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def bind_local(self, name: str) -> None:
        self.frames[-1].bindings[name] = LOCAL


def bind_target_names(target: cst.BaseExpression) -> Iterator[str]:
    """Names bound by an assignment target (``a``, ``a, b``, ``[a, *b]``)."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for el in target.elements:
            yield from bind_target_names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from bind_target_names(target.value)


def function_parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg
