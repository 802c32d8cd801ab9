"""How long a project's production broker lets a message stay unacknowledged (the
visibility timeout of Redis and SQS, RabbitMQ's consumer timeout): CEL506's limit."""

from __future__ import annotations

from dataclasses import dataclass

from celerylint.kit.values import UNKNOWN, CallValue, DictValue, ListValue, Ref, Value
from celerylint.project.config_checks import number
from celerylint.project.config_model import ProjectConfig
from celerylint.semantics.brokers import (
    AMQP_SCHEMES,
    RABBITMQ_CONSUMER_TIMEOUT,
    parse_url,
    urls_in,
    visibility_timeout_default,
)


@dataclass(frozen=True)
class Limit:
    seconds: float
    text: str  # "the Redis visibility timeout (3600 s)"
    redelivers: bool  # True: visibility timeout (redelivery); False: RabbitMQ closes channel


def broker_limit(config: ProjectConfig, app: str | None) -> Limit | None:
    """How long the production broker of ``app`` (None: of every app) lets a message stay
    unacknowledged, if known."""
    transports: set[str] = set()
    for value in config.values_for("broker_url", app):
        if not isinstance(value.value, str):
            return None
        for url in urls_in(value.value):
            info = parse_url(url)
            if info is None:
                return None
            transports.add(info.transport)
    if len(transports) != 1:
        return None
    transport = next(iter(transports))
    if transport in AMQP_SCHEMES:
        if _may_use_quorum_queues(config, app):
            return None  # Celery delays with RabbitMQ's native delayed delivery instead
        return Limit(
            RABBITMQ_CONSUMER_TIMEOUT,
            "RabbitMQ's consumer timeout (30 min by default since RabbitMQ 3.8.17)",
            False,
        )
    default = visibility_timeout_default(transport)
    if default is None:
        return None
    seconds: float = default
    origin = "kombu's default"
    for value in config.values_for("broker_transport_options", app):
        options = value.value
        if not isinstance(options, DictValue) or not options.complete:
            return None
        found = options.get("visibility_timeout", None)
        if found is None:
            continue
        configured = number(found)
        if configured is None:
            return None
        seconds, origin = configured, f"`{value.name}`"
    name = "SQS" if transport.lower() == "sqs" else transport.capitalize()
    return Limit(seconds, f"the {name} visibility timeout ({seconds:g} s, {origin})", True)


def _mentions_quorum(value: Value) -> bool:
    if isinstance(value, str):
        return value == "quorum"
    if isinstance(value, tuple | ListValue):
        items = value.items if isinstance(value, ListValue) else value
        return any(_mentions_quorum(v) for v in items)
    if isinstance(value, DictValue):
        return not value.complete or any(_mentions_quorum(v) for _, v in value.items)
    if isinstance(value, CallValue):
        values = (*value.args, *(v for _, v in value.kwargs))
        return value.starred or any(_mentions_quorum(v) for v in values)
    return value is UNKNOWN or isinstance(value, Ref)


def _may_use_quorum_queues(config: ProjectConfig, app: str | None) -> bool:
    """Quorum queues make Celery (5.5+) send countdowns and ETAs through RabbitMQ's native
    delayed delivery, so the worker does not hold them: a queue type that is, or may be,
    ``"quorum"`` (``task_default_queue_type``, ``x-queue-type`` in ``task_queues``)."""
    for setting in ("task_default_queue_type", "task_queues"):
        for value in config.values_for(setting, app):
            if any(_mentions_quorum(c) for c in value.candidates):
                return True
    return False
