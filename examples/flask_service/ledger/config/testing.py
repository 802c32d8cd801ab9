from ledger.config.base import *  # noqa: F403

# eager mode is fine here: only the test suite selects this module
task_always_eager = True
task_eager_propagates = True
