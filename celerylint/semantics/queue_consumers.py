"""Does any worker consume a queue? Decided from the ``celery worker`` commands found in
the deployment files (``WorkerCommand``) and the declared ``task_queues``
(``DeclaredQueues``), both read by ``semantics/routing.py``."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from celerylint.semantics.routing import DeclaredQueues, WorkerCommand


class Consumed(enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Evidence:
    verdict: Consumed
    reason: str  # why, for messages: "every worker command found (Procfile:2) uses `-Q` ..."
    found: bool = True  # False when there was nothing to tell by (no workers, no task_queues)


def queue_consumed(
    queue: str,
    workers: Sequence[WorkerCommand],
    declared: DeclaredQueues,
    default_queue: str,
) -> Evidence:
    """Does any worker consume ``queue``? Worker commands decide when there are some;
    otherwise a declared ``task_queues`` does (workers started without ``-Q`` consume it)."""
    if workers:
        answers = [w.consumes(queue, declared, default_queue) for w in workers]
        if any(a is True for a in answers):
            return Evidence(Consumed.YES, "")
        if any(a is None for a in answers):
            return Evidence(Consumed.UNKNOWN, "")
        places = ", ".join(w.where for w in workers[:3]) + (", ..." if len(workers) > 3 else "")
        if all(w.queues is not None for w in workers):
            reason = f"every worker command found ({places}) uses `-Q` without it"
        else:
            reason = f"no worker command found ({places}) consumes it" + (
                ": `task_queues` does not declare it" if declared.declared else ""
            )
        return Evidence(Consumed.NO, reason)
    known = declared.declares(queue)
    if known is True:
        return Evidence(Consumed.YES, "")
    if known is False:
        return Evidence(
            Consumed.NO,
            "`task_queues` does not declare it, so workers started without `-Q` ignore it",
        )
    return Evidence(Consumed.UNKNOWN, "", found=declared.declared)
