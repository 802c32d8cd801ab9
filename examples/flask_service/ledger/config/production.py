from ledger.config.base import *  # noqa: F403

accept_content = ["json", "pickle"]  # error: CEL701
