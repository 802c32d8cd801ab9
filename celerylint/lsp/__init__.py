"""The language server: ``celerylint lsp`` speaks LSP over stdio (pygls, ``celerylint[lsp]``).

It reuses the engine instead of duplicating it:

- A :class:`Project` (``project.py``) per configuration root holds an engine
  ``Session`` (``engine/session.py``): the phase-1 result of every file (diagnostics,
  facts, suppressions) in memory. It is built once, in the background, with the CLI's own
  planning and phase 1.
- An edited buffer is checked again from its unsaved text (phase 1 for that one file,
  debounced); its facts replace the old ones and phase 2 (the session's ``finish``: task
  conditions, project rules, selection, per-file-ignores, ``noqa``) runs again for every
  open document of the project, so a cross-file finding follows edits in either file.
- Files changed on disk (``workspace/didChangeWatchedFiles``) are checked again; a
  changed ``pyproject.toml`` reloads the configuration and the projects.

Diagnostics carry real severities, the rule code, ``source: celerylint`` and a link to the
rule's docs. Code actions (``actions.py``) offer each fix, "fix all safe fixes" and
``# noqa: CODE``; hovering a code inside a ``# noqa:`` comment shows the rule's summary.
The server's state is in ``server.py``, the protocol handlers in ``handlers.py``, text and
positions in ``text.py``.
"""

from __future__ import annotations

from celerylint.lsp.actions import FIX_ALL_KIND as FIX_ALL_KIND
from celerylint.lsp.actions import hover_text as hover_text
from celerylint.lsp.handlers import create_server as create_server
from celerylint.lsp.handlers import serve as serve
from celerylint.lsp.project import Project as Project
from celerylint.lsp.server import CelerylintServer as CelerylintServer
from celerylint.lsp.server import Checked as Checked
from celerylint.lsp.text import encode_source as encode_source
from celerylint.lsp.text import from_position as from_position
from celerylint.lsp.text import select_safe_fixes as select_safe_fixes
from celerylint.lsp.text import source_lines as source_lines
from celerylint.lsp.text import text_edits as text_edits
from celerylint.lsp.text import to_position as to_position
from celerylint.lsp.text import to_range as to_range
