"""The project's load-time import graph: which project modules an import statement runs,
shortest import chains, everything a set of roots loads (``load_closure``), and the
modules Django may import when it starts. The layering rules (``CEL1xx``) read it as
``index.imports``."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from celerylint.factdata import ImportFact

if TYPE_CHECKING:
    from celerylint.project.index import ProjectIndex


def _loaded_before(module: str) -> frozenset[str]:
    """``module`` and the packages above it: loaded before its body runs, so an import of
    one of them in it runs nothing new."""
    parts = module.split(".")
    return frozenset(".".join(parts[:i]) for i in range(1, len(parts) + 1))


@dataclass(frozen=True, slots=True)
class ImportEdge:
    source: str
    target: str  # the module the statement loads
    fact: ImportFact


class ImportGraph:
    """Load-time imports between the project's modules (``import_edges``), built lazily."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.modules = index.modules
        self._loads: dict[tuple[str, str | None], tuple[str, ...]] = {}

    def imported_module(self, fact: ImportFact) -> str | None:
        """The project module an import loads (``from a import b`` may load ``a.b``)."""
        if fact.name not in (None, "*"):
            sub = f"{fact.target}.{fact.name}"
            if sub in self.modules:
                return sub
        if fact.target in self.modules:
            return fact.target
        return None

    def imported_symbol_module(self, fact: ImportFact) -> str | None:
        """Where the imported name is really defined (through re-exports)."""
        if fact.name in (None, "*"):
            return self.imported_module(fact)
        sub = f"{fact.target}.{fact.name}"
        if sub in self.modules:
            return sub
        module, _ = self.index.split_module(self.index.resolve(sub))
        return module

    def _loaded(self, fact: ImportFact) -> tuple[str, ...]:
        """The project modules a load-time import runs, wherever it stands: the module it
        loads, then every package above the imported one (importing a.b.c also runs
        a/__init__ and a/b/__init__). Worked out once per distinct import (``from
        django.db import models`` stands in hundreds of modules)."""
        key = (fact.target, fact.name)
        found = self._loads.get(key)
        if found is None:
            loaded = []
            target = self.imported_module(fact)
            if target is not None:
                loaded.append(target)
            parts = fact.target.split(".")
            for i in range(1, len(parts) + 1):
                loaded.append(".".join(parts[:i]))
            found = tuple(name for name in dict.fromkeys(loaded) if name in self.modules)
            self._loads[key] = found
        return found

    def _runs(self, module: str) -> Iterator[tuple[str, ImportFact]]:
        """(project module, import) for each module ``module``'s load-time imports run."""
        facts = self.modules.get(module)
        if facts is None:
            return
        before = _loaded_before(module)
        for fact in facts.imports:
            if not fact.load_time:
                continue
            for name in self._loaded(fact):
                if name not in before:
                    yield name, fact

    def import_edges(self, module: str) -> Iterator[ImportEdge]:
        for name, fact in self._runs(module):
            yield ImportEdge(module, name, fact)

    def shortest_import_path(self, start: str, goal: set[str] | frozenset[str]) -> list[str] | None:
        """Module chain from ``start`` to any module in ``goal`` over load-time imports."""
        previous: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            if current in goal and current != start:
                chain = [current]
                while (back := previous[chain[-1]]) is not None:
                    chain.append(back)
                return list(reversed(chain))
            for edge in self.import_edges(current):
                if edge.target not in previous:
                    previous[edge.target] = current
                    queue.append(edge.target)
        return None

    # -- what gets loaded: load closures, task modules, start-up roots (layering rules) ---

    def modules_loaded_by(self, importer: str, target: str, name: str | None) -> list[str]:
        """Project modules that ``from target import name`` (``import target`` when ``name``
        is None) run when executed in ``importer``: the module itself and the packages above
        it, minus ``importer`` and its own packages (loaded before it)."""
        loaded = []
        if name not in (None, "*") and f"{target}.{name}" in self.modules:
            loaded.append(f"{target}.{name}")
        parts = target.split(".")
        loaded.extend(".".join(parts[:i]) for i in range(len(parts), 0, -1))
        before = _loaded_before(importer)
        return [m for m in dict.fromkeys(loaded) if m in self.modules and m not in before]

    @cached_property
    def load_graph(self) -> dict[str, tuple[str, ...]]:
        """module -> the project modules its load-time imports run (``import_edges``)."""
        graph: dict[str, tuple[str, ...]] = {}
        loaded = self._loaded
        for module, facts in self.modules.items():
            before = _loaded_before(module)
            targets: dict[str, None] = {}
            for fact in facts.imports:
                if fact.load_time:
                    for name in loaded(fact):
                        if name not in before:
                            targets[name] = None
            graph[module] = tuple(targets)
        return graph

    @cached_property
    def _importers(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for module, targets in self.load_graph.items():
            for target in targets:
                found.setdefault(target, []).append(module)
        return found

    @cached_property
    def startup_runtime_imports(self) -> dict[str, tuple[str | None, ...]]:
        """module -> modules it loads by other means when a Django process starts: loading
        by name in its body (``importlib.import_module("x")``) and imports inside
        ``ready()`` methods (``AppConfig.ready`` runs in ``django.setup()``). None stands
        for a dynamic import whose module nobody can name."""
        found: dict[str, tuple[str | None, ...]] = {}
        for module, facts in self.modules.items():
            loaded: list[str | None] = []
            for fact in facts.runtime_imports:
                if fact.function and fact.function.rsplit(".", 1)[-1] != "ready":
                    continue
                if fact.target is None:
                    loaded.append(None)
                else:
                    loaded.extend(self.modules_loaded_by(module, fact.target, fact.name))
            if loaded:
                found[module] = tuple(dict.fromkeys(loaded))
        return found

    def load_closure(self, roots: Iterable[str]) -> tuple[frozenset[str], bool]:
        """(every project module loaded when ``roots`` are imported, whether a dynamic import
        was met on the way). Follows load-time imports, the packages above each module, and
        ``startup_runtime_imports``. A dynamic import means the closure may be incomplete."""
        seen: set[str] = set()
        dynamic = False
        queue = deque(m for m in roots if m in self.modules)
        while queue:
            module = queue.popleft()
            if module in seen:
                continue
            seen.add(module)
            parts = module.split(".")
            packages = (".".join(parts[:i]) for i in range(1, len(parts)))
            extra = self.startup_runtime_imports.get(module, ())
            dynamic = dynamic or None in extra
            for target in (*self.load_graph.get(module, ()), *packages, *extra):
                if target is not None and target in self.modules and target not in seen:
                    queue.append(target)
        return frozenset(seen), dynamic

    def next_hops_to(
        self, goal: Iterable[str], through: Callable[[str], bool]
    ) -> dict[str, str | None]:
        """Shortest load-time import paths into ``goal``, for every module at once.

        Maps each module that reaches a ``goal`` module, with every module in between
        satisfying ``through``, to the next module on a shortest such path (None for the
        goal modules themselves). Follow the hops to print the chain."""
        hops: dict[str, str | None] = {}
        queue: deque[str] = deque()
        for module in goal:
            if module in self.modules and module not in hops:
                hops[module] = None
                queue.append(module)
        while queue:
            current = queue.popleft()
            if hops[current] is not None and not through(current):
                continue
            for importer in self._importers.get(current, ()):
                if importer not in hops:
                    hops[importer] = current
                    queue.append(importer)
        return hops

    @cached_property
    def django_startup_roots(self) -> frozenset[str]:
        """Modules Django may import when it starts, over-approximated: every package (the
        INSTALLED_APPS candidates), every ``models``/``apps``/``admin``/``urls`` module, the
        settings modules (those assigning ``INSTALLED_APPS``) and a literal ``ROOT_URLCONF``
        (``django.setup()`` plus the system checks, which load the URLconf). Use it where
        assuming that *more* is loaded can only make a rule quieter."""
        roots: set[str] = set()
        for module, facts in self.modules.items():
            last = module.rsplit(".", 1)[-1]
            if facts.is_package or last in {"models", "apps", "admin", "urls"}:
                roots.add(module)
            for assignment in facts.assignments:
                if assignment.name == "INSTALLED_APPS":
                    roots.add(module)
                elif assignment.name == "ROOT_URLCONF" and isinstance(assignment.value, str):
                    roots.add(assignment.value)
        return frozenset(roots)
