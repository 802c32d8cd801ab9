"""Module names from file paths, the way Python would import them.

With ``src`` configured, a file's module is its path relative to the deepest source root
that holds it. Otherwise the package chain decides: walk up while the directory has an
``__init__.py``; the first directory without one is the import root, unless it is a
namespace portion inside a package (PEP 420: ``proj/api/views.py`` with ``proj/__init__.py``
but no ``proj/api/__init__.py`` is ``proj.api.views``). That gives the right names for
flat layouts, ``src/`` layouts and Django projects nested in a repository.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class ModuleNamer:
    def __init__(self, src: Sequence[Path] | None) -> None:
        self.src = sorted((str(p) for p in src), key=len, reverse=True) if src else None
        self._is_package_dir: dict[str, bool] = {}

    def _has_init(self, directory: str) -> bool:
        found = self._is_package_dir.get(directory)
        if found is None:
            found = os.path.isfile(os.path.join(directory, "__init__.py"))
            self._is_package_dir[directory] = found
        return found

    def name(self, abspath: str) -> tuple[str, bool]:
        """(dotted module name, is_package) for a file."""
        directory, filename = os.path.split(abspath)
        stem = filename[:-3] if filename.endswith(".py") else filename
        is_package = stem == "__init__"
        if self.src is not None:
            for root in self.src:
                if abspath.startswith(root + os.sep):
                    rel = os.path.relpath(os.path.join(directory, stem), root)
                    parts = rel.split(os.sep)
                    if is_package:
                        parts = parts[:-1]
                    return ".".join(parts), is_package
        parts = [] if is_package else [stem]
        while self._has_init(directory) or self._namespace_portion(directory):
            directory, package = os.path.split(directory)
            parts.append(package)
            if not package:
                break
        return ".".join(reversed(parts)), is_package

    def _namespace_portion(self, directory: str) -> bool:
        """A directory without ``__init__.py`` inside a regular package (PEP 420: Python
        imports ``proj/api/views.py`` as ``proj.api.views`` when ``proj`` is a package):
        its name is an identifier and a package holds it, at most two levels up."""
        parent = directory
        for _ in range(2):
            name = os.path.basename(parent)
            if not name.isidentifier():
                return False
            parent = os.path.dirname(parent)
            if parent == os.path.dirname(parent):
                return False
            if self._has_init(parent):
                return True
        return False
