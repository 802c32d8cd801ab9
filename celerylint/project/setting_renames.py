"""Phase 2 of the legacy-setting rename fixes (CEL804, CEL507): whether renaming a name
that ``facts/setting_names.py`` recorded is safe, given who reads the old name."""

from __future__ import annotations

from celerylint.diagnostics import Edit, Fix, FixSafety, Span
from celerylint.project.index import ProjectIndex


def rename_fix(index: ProjectIndex, path: str, site: Span | None, old: str, new: str) -> Fix | None:
    """Phase 2: the fix renaming the legacy setting name written at ``site`` in ``path``.
    Safe unless something reads the old name: this module (``reads``), ``settings.OLD``
    or ``app.conf.OLD`` anywhere, an import of it, or a module that star-imports it."""
    facts = index.by_path.get(path)
    if facts is None or site is None:
        return None
    found = next((f for f in facts.setting_names if f.site == site and f.name == old), None)
    if found is None:
        return None
    read = found.reads > 0 or old in index.names_read
    closing = found.quote.lstrip("rRbBuUfF")
    content = f"{found.quote}{new}{closing}" if found.quote else new
    return Fix(
        f"Rename to `{new}`",
        FixSafety.UNSAFE if read else FixSafety.SAFE,
        (Edit(content, found.span),),
    )
