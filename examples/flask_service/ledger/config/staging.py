from ledger.config.production import *  # noqa: F403

task_soft_time_limit = 600  # error: CEL504
