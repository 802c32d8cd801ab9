"""One vocabulary for how code calls a task, and how it reads the environment.

Every rule and collector that asks "does this call send a task?", "are these the task's
own arguments or ``args=``/``kwargs=``?", "does this build a signature?" takes the answer
from here, so that a method Celery has under two names (``signature``/``subtask``) is
known everywhere at once. The sets are plain method names (the attribute after the task
reference: ``add.delay``), except where noted.
"""

from __future__ import annotations

#: send a message now: what a transaction or a request handler must not do too early
SEND_NOW_METHODS = frozenset({"delay", "apply_async"})
#: ``delay`` and its on-commit form: the task's own arguments, options not accepted
DELAY_METHODS = frozenset({"delay", "delay_on_commit"})
#: every method that sends a message for the task
SEND_METHODS = SEND_NOW_METHODS | DELAY_METHODS
#: ``app.send_task(name, args=None, kwargs=None, ...)``: a message by task name
SEND_TASK = "send_task"

#: build a signature (``add.subtask`` is Celery's old name for ``add.signature``)
SIGNATURE_METHODS = frozenset({"s", "si", "signature", "subtask"})
#: signatures whose arguments a canvas may still complete (``si`` is immutable)
MUTABLE_SIGNATURE_METHODS = SIGNATURE_METHODS - {"si"}
#: many invocations of the task in one message (``add.map([...])``, ``add.chunks(...)``)
BATCH_METHODS = frozenset({"map", "starmap", "chunks"})

#: methods whose positional and keyword arguments go to the task as they are written
DIRECT_METHODS = DELAY_METHODS | {"s", "si"}
#: ``apply_async(args=None, kwargs=None, ...)``, ``signature(args=None, kwargs=None, ...)``:
#: the task's arguments packed in a tuple and a dict
PACKED_METHODS = frozenset({"apply_async", "signature", "subtask"})
assert DIRECT_METHODS.isdisjoint(PACKED_METHODS)
assert SEND_METHODS | SIGNATURE_METHODS == DIRECT_METHODS | PACKED_METHODS

#: every task method that carries task arguments
TASK_CALL_METHODS = SEND_METHODS | SIGNATURE_METHODS | BATCH_METHODS
#: app methods that name a task by string: ``app.send_task("x")``, ``app.signature("x")``
APP_NAME_METHODS = frozenset({SEND_TASK, "signature"})

#: qualified names of the stdlib's environment getters that take ``(name, default)``
OS_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
