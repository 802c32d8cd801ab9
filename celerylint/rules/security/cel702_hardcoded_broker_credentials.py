from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.kit.values import DictValue, Value
from celerylint.project.config_types import ConfigValue
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.brokers import is_placeholder, parse_url, urls_of
from celerylint.semantics.config_env import Kind

URL_SETTINGS = frozenset({"broker_url", "result_backend", "broker_read_url", "broker_write_url"})
PASSWORD_SETTINGS = frozenset(
    {
        "broker_password",
        "redis_password",
        "s3_secret_access_key",
        "security_key_password",
        "cassandra_auth_kwargs",
    }
)
OPTION_SETTINGS = frozenset({"broker_transport_options", "result_backend_transport_options"})
_PASSWORD_KEYS = frozenset({"password", "passwd", "secret", "sasl_password"})
_LOW = frozenset({Kind.TEST, Kind.DEVELOPMENT})


def _dict_passwords(value: Value) -> bool:
    """A literal password under a ``password`` key, at any depth (``sentinel_kwargs``)."""
    if not isinstance(value, DictValue):
        return False
    for key, item in value.items:
        if isinstance(key, str) and key.lower() in _PASSWORD_KEYS:
            if isinstance(item, str) and not is_placeholder(item):
                return True
        elif _dict_passwords(item):
            return True
    return False


class HardcodedBrokerCredentials(ProjectRule):
    """
    ## What it does
    Reports passwords written into the Celery configuration.

    That is a `user:password@` part in
    `broker_url`, `result_backend`, `broker_read_url`, `broker_write_url` (any spelling,
    `Celery(broker=..., backend=...)` too, environment defaults included), literal
    `broker_password`, `redis_password`, `s3_secret_access_key`, `security_key_password`,
    and `password` keys inside `broker_transport_options` (`sentinel_kwargs`).

    It is an error in production settings, a warning for the default of an environment
    variable (drop the default), and info for test and development settings and for
    `localhost`. RabbitMQ's public `guest:guest` default, or a `localhost` URL, as the
    default of an environment variable is no leaked secret and is not reported.

    ## Why is this bad?
    A secret in the repository reaches everyone who can read it, and broker access means
    control of the workers (Security → *Broker*); with pickle accepted (CEL701) it means
    code execution.

    ## Use instead
    ```python
    CELERY_BROKER_URL = env("CELERY_BROKER_URL")
    ```

    ## Fix safety
    There is no fix: the secret must also be rotated.
    """

    code = "CEL702"
    name = "hardcoded-broker-credentials"
    message = "`{name}` contains a hard-coded {what}{where}; {advice}"
    severity = Severity.ERROR
    examples = (
        Invalid(
            files=django_project(
                {
                    "base": """
                        import environ

                        env = environ.Env()
                        CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="amqp://ops:S3cr3t@mq.internal//")  # error: CEL702
                    """,
                    "production": """
                        from .base import *  # noqa: F403

                        CELERY_RESULT_BACKEND = "redis://:S3cr3t@redis.internal:6379/1"  # error: CEL702
                        CELERY_BROKER_TRANSPORT_OPTIONS = {  # error: CEL702
                            "master_name": "shop",
                            "sentinel_kwargs": {"password": "S3cr3t"},
                        }
                    """,
                }
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        import os

                        CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
                        CELERY_RESULT_BACKEND = "redis://redis.internal:6379/1"
                        CELERY_BROKER_TRANSPORT_OPTIONS = {"password": os.environ["SENTINEL_PW"]}
                        CELERY_REDIS_PASSWORD = "${REDIS_PASSWORD}"
                    """
                }
            )
        ),
        # the broker's public default credentials as the default of an environment read
        Valid(
            files=django_project(
                {
                    "production": """
                        import environ

                        env = environ.Env()
                        CELERY_BROKER_URL = env("BROKER_URL", default="amqp://guest:guest@localhost//")
                    """
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for value in index.config.all_values:
            if value.setting is None or value.span is None:
                continue
            found = self._secret(value)
            if found is None:
                continue
            what, host, local = found
            if local and value.env is not None:
                continue  # ``env("BROKER_URL", default="amqp://guest:guest@localhost//")``
            if value.kind in _LOW or local:
                severity = Severity.INFO
            elif value.env is not None:
                severity = Severity.WARNING
            else:
                severity = Severity.ERROR
            where = f" for `{host}`" if host else ""
            if value.env is not None and value.env.var:
                where += f" (the default of `{value.env.var}`)"
            advice = "read it from the environment instead"
            if value.env is not None:
                advice = "drop the default, so a missing variable fails loudly"
            yield Finding(
                value.path,
                value.span,
                {"name": value.name, "what": what, "where": where, "advice": advice},
                severity=severity,
            )

    @staticmethod
    def _secret(value: ConfigValue) -> tuple[str, str, bool] | None:
        """(what, host, local?) of a hard-coded secret, or None."""
        setting = value.setting
        if setting in URL_SETTINGS:
            for candidate in value.candidates:
                for url in urls_of(candidate):
                    info = parse_url(url)
                    if info is None or info.password is None or is_placeholder(info.password):
                        continue
                    local = info.is_local or info.default_credentials
                    return "password", info.host, local
            return None
        if setting in PASSWORD_SETTINGS:
            for candidate in value.candidates:
                if isinstance(candidate, str) and not is_placeholder(candidate):
                    return "password", "", False
                if _dict_passwords(candidate):
                    return "password", "", False
            return None
        if setting in OPTION_SETTINGS:
            for candidate in value.candidates:
                if _dict_passwords(candidate):
                    return "password in its options", "", False
        return None
