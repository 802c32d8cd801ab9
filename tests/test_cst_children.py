"""The generated ``celerylint/kit/cst_children.py`` is what the installed libcst says: it
equals the generator's output byte for byte. When libcst is upgraded, regenerate it with
``python scripts/generate_cst_children.py``."""

from __future__ import annotations

import importlib.metadata

import libcst as cst
from conftest import assert_generated_module_is_current

from celerylint.kit import cst_children

HINT = "run `python scripts/generate_cst_children.py` and commit the result"


def test_generated_for_the_installed_libcst() -> None:
    assert importlib.metadata.version("libcst") == cst_children.LIBCST_VERSION, HINT


def test_generated_module_is_current() -> None:
    assert_generated_module_is_current("generate_cst_children")


def test_the_table_has_what_the_walk_needs() -> None:
    children = cst_children.CHILDREN
    function_def = children["FunctionDef"]
    assert function_def is not None
    order = [field for field, _, _ in function_def]
    # libcst's visit order, not the dataclass field order (which starts with ``name``)
    assert order[:2] == ["leading_lines", "decorators"]
    assert order.index("name") < order.index("params") < order.index("returns")
    assert order[-1] == "body"
    assert children["Comma"] is not None and children["SimpleWhitespace"] == ()
    import_from = children["ImportFrom"]
    assert import_from is not None
    assert ("names", cst_children.EITHER, ("ImportAlias", "ImportStar")) in import_from
    exported = {
        name
        for name in dir(cst)
        if isinstance(getattr(cst, name), type) and issubclass(getattr(cst, name), cst.CSTNode)
    }
    assert set(children) <= exported
    assert {"Module", "Name", "Call", "FunctionDef", "MatchCase", "TypeParam"} <= set(children)
