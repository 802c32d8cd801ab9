"""How often the cyclic garbage collector runs during a check.

A check creates millions of short-lived objects (a large module's libcst tree alone has
some 20,000 nodes) and, on a large project, keeps some 170,000 loaded from the result
cache. With CPython's default thresholds the collector passes over the young objects
every 700 allocations and over everything alive every so often. On the benchmark corpus
that was up to a tenth of a cold run's CPU and up to a fifth of a run after an edit that
changes facts, spent finding nothing, because celerylint's trees, facts and results hold no reference cycles and are freed by
reference counting alone (``tests/test_cyclic_garbage.py`` keeps phase 1 that way).

So a check run, and each phase-1 worker, lets the collector run far less often. It is
not switched off: a cycle that slips in (from a library, say) is still collected, only
later. The language server keeps the default thresholds in its own process: it lives for
hours and edits make garbage there at a different pace.
"""

from __future__ import annotations

import gc

#: generation 0 is collected after this many more allocations than deallocations;
#: generations 1 and 2 after this many collections of the generation below
THRESHOLDS = (200_000, 30, 30)


def for_batch_run() -> None:
    """Collect cyclic garbage rarely, for the rest of this process."""
    gc.set_threshold(*THRESHOLDS)
