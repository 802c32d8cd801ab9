"""How ``kit/edits.py`` turns node fixes into text edits: statements spliced into a body
are rendered in place (a fix that adds an import after the last one does not re-render the
module), and the text the edits make is the text of the whole module rendered anew."""

from __future__ import annotations

import libcst as cst
import pytest

from celerylint.diagnostics import FixSafety
from celerylint.kit.edits import NodeFix, Replacement, realize_fixes
from celerylint.kit.fixkit import add_module_import, import_line
from celerylint.kit.text_edits import apply_edits

SOURCES = {
    "after imports": (
        "import os\n"
        "from celery import shared_task  # the app's tasks\n"
        "\n"
        "\n"
        "class Jobs:\n"
        "    def run(self):\n"
        "        try:\n"
        "            work()\n"
        "        except Exception:\n"
        "            pass\n"
    ),
    "after a docstring": '"""Jobs."""\n\nX = 1\n\n\ndef run():\n    try:\n        work()\n    except Exception:\n        pass\n',
    "no final newline": "import os\nx = 1\ntry:\n    work()\nexcept Exception:\n    pass",
    "nested body": "def run():\n    import os\n    try:\n        work()\n    except Exception:\n        pass\n",
}


def _try_of(tree: cst.Module) -> cst.Try:
    found: list[cst.Try] = []

    class Find(cst.CSTVisitor):
        def visit_Try(self, node: cst.Try) -> None:
            found.append(node)

    tree.visit(Find())
    return found[0]


def _fix(tree: cst.Module) -> NodeFix:
    """What CEL208's fix does: a handler added to a ``try`` deep in the file, and the
    import it needs added at the top."""
    old = _try_of(tree)
    handler = cst.ExceptHandler(
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Raise()])]),
        type=cst.Name("SoftTimeLimitExceeded"),
    )
    replacements: dict[cst.CSTNode, Replacement] = {
        old: old.with_changes(handlers=[handler, *old.handlers])
    }
    imports = add_module_import(
        tree, import_line("celery.exceptions", [("SoftTimeLimitExceeded", None)])
    )
    assert imports is not None
    replacements.update(imports)
    return NodeFix("add", FixSafety.UNSAFE, tuple(replacements.items()))


def _whole_render(tree: cst.Module, fix: NodeFix) -> str:
    table = {id(node): new for node, new in fix.replacements}

    class Swap(cst.CSTTransformer):
        def on_leave(  # type: ignore[override]
            self, original_node: cst.CSTNode, updated_node: cst.CSTNode
        ) -> Replacement:
            return table.get(id(original_node), updated_node)

    return tree.visit(Swap()).code


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_spliced_statements_make_the_module_rendered_anew(name: str) -> None:
    text = SOURCES[name]
    tree = cst.parse_module(text)
    fix = _fix(tree)
    (realized,), unfixable = realize_fixes(tree, text, [fix])
    assert unfixable is None and realized is not None
    assert apply_edits(text, realized.edits) == _whole_render(tree, fix)


def test_the_import_is_one_small_edit() -> None:
    text = SOURCES["after imports"]
    tree = cst.parse_module(text)
    (realized,), _ = realize_fixes(tree, text, [_fix(tree)])
    assert realized is not None
    contents = sorted(edit.content for edit in realized.edits)
    assert "from celery.exceptions import SoftTimeLimitExceeded\n" in contents
    assert all("import os" not in content for content in contents)  # nothing re-written
