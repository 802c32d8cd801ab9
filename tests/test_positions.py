"""Targeted positions are exactly libcst's ``PositionProvider`` ranges, for every node."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from celerylint.engine.positions import node_ranges

SITE = Path(sysconfig.get_paths()["purelib"])
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = [
    *sorted((SITE / "celery" / "app").glob("*.py"))[:8],
    *sorted((SITE / "kombu").glob("*.py"))[:4],
    *sorted(EXAMPLES.rglob("*.py"))[:12],
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_targeted_ranges_equal_position_provider(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = node_ranges(module, reference.keys())
    for node, r in reference.items():
        if isinstance(node, cst.Module):
            continue  # never reported; libcst drops the final newline after recording it
        want = (r.start.line, r.start.column, r.end.line, r.end.column)
        assert ours.get(id(node)) == want, type(node).__name__


def test_only_the_wanted_nodes_are_recorded() -> None:
    module = cst.parse_module("import os\n\n\ndef f():\n    return os.sep\n")
    wanted = module.body[1]
    ranges = node_ranges(module, [wanted])
    assert ranges[id(wanted)] == (4, 0, 5, 17)
    assert id(module.body[0]) not in ranges
