"""Broker and result-backend URLs: transport, credentials, hosts, TLS options.

Aliases and transport defaults come from the installed celery and kombu
(``celery_config_data``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

from celerylint.kit.values import ListValue, Value
from celerylint.semantics import celery_config_data

TRANSPORT_ALIASES: dict[str, str] = dict(celery_config_data.TRANSPORT_ALIASES)
BACKEND_ALIASES: dict[str, str] = dict(celery_config_data.BACKEND_ALIASES)
#: transport alias -> kombu's default ``visibility_timeout`` (seconds)
VISIBILITY_TIMEOUTS: dict[str, int] = dict(celery_config_data.VISIBILITY_TIMEOUTS)
#: RabbitMQ closes a channel whose delivery is not acknowledged within this many seconds:
#: ``consumer_timeout``, 30 minutes by default since RabbitMQ 3.8.17 (it was introduced in
#: 3.8.15 with 15 minutes); the longer, current default keeps celerylint on the safe side
RABBITMQ_CONSUMER_TIMEOUT = 30 * 60
AMQP_SCHEMES = frozenset({"amqp", "amqps", "pyamqp", "librabbitmq"})
#: result backends that keep every result until something deletes it
PERSISTENT_BACKENDS = frozenset(
    {"db", "database", "mongodb", "cassandra", "django-db", "elasticsearch", "couchdb"}
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", ""})
_PLACEHOLDER = ("${", "{", "%(", "<", "$")


@dataclass(frozen=True, slots=True)
class UrlInfo:
    scheme: str  # lowercased, ``sqla+postgresql`` -> ``sqla+postgresql``
    transport: str  # the kombu transport alias: ``redis``, ``rediss``, ``sqs``, ``amqp``, ``sqla``
    user: str | None
    password: str | None
    host: str
    query: dict[str, list[str]]

    @property
    def is_local(self) -> bool:
        host = self.host.lower()
        return host in _LOCAL_HOSTS or host.endswith(".local") or host.endswith(".localhost")

    @property
    def default_credentials(self) -> bool:
        """``guest:guest`` (RabbitMQ's default, usable only from localhost)."""
        return self.user == "guest" and self.password == "guest"


def parse_url(text: str) -> UrlInfo | None:
    """A broker/backend URL, or None when ``text`` is not one (aliases such as
    ``"django-db"`` have no ``://``)."""
    if "://" not in text:
        return None
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname or ""
        user = urllib.parse.unquote(parts.username) if parts.username is not None else None
        password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return UrlInfo(
        scheme,
        scheme.split("+", 1)[0],
        user,
        password,
        host,
        urllib.parse.parse_qs(parts.query),
    )


def urls_in(text: str) -> list[str]:
    """Failover URL lists are written ``"redis://a;redis://b"``."""
    return [part.strip() for part in text.split(";") if part.strip()]


def urls_of(value: Value) -> Iterator[str]:
    """Every URL in a string, a failover string (``a;b``) or a list of them."""
    if isinstance(value, str):
        yield from urls_in(value)
    elif isinstance(value, ListValue):
        for item in value.items:
            yield from urls_of(item)
    elif isinstance(value, tuple):
        for item in value:
            yield from urls_of(item)


def is_placeholder(secret: str) -> bool:
    """A template or variable reference rather than a real secret."""
    return not secret or any(mark in secret for mark in _PLACEHOLDER) or set(secret) <= {"*", "x"}


def backend_scheme(value: str) -> str:
    """``"django-db"`` -> ``django-db``; ``"db+postgresql://..."`` -> ``db``;
    ``"redis://..."`` -> ``redis``."""
    if "://" not in value:
        return value.strip().lower()
    return value.split("://", 1)[0].split("+", 1)[0].lower()


def visibility_timeout_default(transport: str) -> int | None:
    return VISIBILITY_TIMEOUTS.get(transport)
