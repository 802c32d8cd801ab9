"""Phase 1 leaves no reference cycle that holds a file's tree.

A large module's libcst tree has some 20,000 nodes. When a cycle (an object keeping its
own bound method, a recursive closure) reaches the tree, the tree outlives the file's
analysis until the cyclic garbage collector runs. A check runs that collector rarely
(``engine/gc_tuning.py``: its passes cost a run up to a fifth of its time), so such a
cycle would keep analysed trees in memory for long (with the collector off, the two
cycles this test found made a cold run on the benchmark corpus peak at 480 MB instead of
210 MB). This test holds phase 1 to freeing its trees by reference counting alone, on
every rule's examples and on the example project, with every rule enabled."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

from celerylint.engine.file_pass import check_file
from celerylint.engine.phase_one import file_rules
from celerylint.facts.modules import ModuleNamer
from celerylint.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _files() -> Iterator[tuple[str, bytes]]:
    for rule in all_rules():
        for example in rule.examples:
            for name, text in example.sources().items():
                yield name, text.encode()
    for path in sorted(EXAMPLES.rglob("*.py")):
        yield path.relative_to(EXAMPLES).as_posix(), path.read_bytes()


def test_an_analysis_frees_its_tree_without_the_cycle_collector() -> None:
    rules = file_rules(frozenset(r.code for r in all_rules()), {})
    files = list(_files())
    assert len(files) > 500
    enabled, flags = gc.isenabled(), gc.get_debug()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds is kept in gc.garbage
    # with a source root, a name comes from the path alone (no file is read)
    namer = ModuleNamer([Path("/project")])
    leaked: dict[str, set[str]] = {}
    try:
        for path, data in files:
            module, is_package = namer.name(f"/project/{path}")
            check_file(path, data, module, is_package, rules)
            # with the collector off, everything since the last pass is in generation 0
            gc.collect(0)
            kinds = {
                f"{type(o).__module__}.{type(o).__qualname__}"
                for o in gc.garbage
                if type(o).__module__.startswith(("libcst", "celerylint"))
            }
            gc.garbage.clear()
            if kinds:
                leaked[path] = kinds
    finally:
        gc.garbage.clear()
        gc.set_debug(flags)
        if enabled:
            gc.enable()
    assert not leaked, sorted(leaked.items())[:5]
