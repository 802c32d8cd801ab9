"""The generated ``celerylint/engine/cst_children.py`` is what the installed libcst says: it
equals the generator's output byte for byte. When libcst is upgraded, regenerate it with
``python scripts/generate_cst_children.py``."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import libcst as cst

from celerylint.engine import cst_children

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "generate_cst_children.py"
HINT = "run `python scripts/generate_cst_children.py` and commit the result"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_cst_children", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_for_the_installed_libcst() -> None:
    assert importlib.metadata.version("libcst") == cst_children.LIBCST_VERSION, HINT


def test_generated_module_equals_the_generator_output() -> None:
    script = _script()
    expected = script.formatted(script.render(script.collect()))
    actual = (ROOT / "celerylint" / "engine" / "cst_children.py").read_text(encoding="utf-8")
    assert actual == expected, HINT


def test_generator_check_mode_agrees() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr


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
