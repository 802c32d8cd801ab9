from __future__ import annotations

from collections.abc import Iterable

from celerylint.diagnostics import Severity
from celerylint.kit.values import DictValue, Ref, Value
from celerylint.project.index import ProjectIndex
from celerylint.rules.base import Finding, Invalid, ProjectRule, Valid
from celerylint.rules.security.cel702_hardcoded_broker_credentials import URL_SETTINGS
from celerylint.rules.settings._projects import django_project
from celerylint.semantics.brokers import parse_url, urls_of
from celerylint.semantics.config_env import Kind

SSL_SETTINGS = frozenset({"broker_use_ssl", "redis_backend_use_ssl"})
_CERT_KEYS = frozenset({"ssl_cert_reqs", "cert_reqs"})
_NONE_REFS = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})


def _disables(value: Value) -> bool:
    if isinstance(value, Ref):
        return value.name in _NONE_REFS
    if isinstance(value, str):
        return value.strip().lower() in {"none", "cert_none"}
    return value == 0 and not isinstance(value, bool)


class TlsVerificationDisabled(ProjectRule):
    """
    ## What it does
    Reports broker and Redis result-backend TLS settings that turn certificate
    verification off.

    That is `ssl_cert_reqs`/`cert_reqs` set to `ssl.CERT_NONE` (or `"none"`,
    `"CERT_NONE"`) in `broker_use_ssl` or `redis_backend_use_ssl`, also in one branch of
    `x if c else y`, and `ssl_cert_reqs=none`/`CERT_NONE` in a `rediss://` URL. Test
    settings are left alone.

    ## Why is this bad?
    Without verification anyone on the network path can impersonate the broker, read the
    task messages and inject their own (a man-in-the-middle).

    ## Use instead
    ```python
    CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": CA_BUNDLE}
    ```

    ## Fix safety
    There is no fix: a managed Redis with a private CA needs its CA bundle configured.
    """

    code = "CEL703"
    name = "tls-verification-disabled"
    message = (
        "`{name}` turns off TLS certificate verification{how}; anyone on the network path "
        "can impersonate the broker and read or inject task messages"
    )
    severity = Severity.WARNING
    examples = (
        Invalid(
            files=django_project(
                {
                    "base": """
                        import ssl

                        import environ

                        env = environ.Env()
                        REDIS_SSL = env.bool("REDIS_SSL", default=False)
                        CELERY_BROKER_URL = env("REDIS_URL", default="redis://redis:6379/0")
                        CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_NONE} if REDIS_SSL else None  # error: CEL703
                    """,
                    "production": """
                        from .base import *  # noqa: F403

                        CELERY_RESULT_BACKEND = "rediss://cache.internal:6380/1?ssl_cert_reqs=none"  # error: CEL703
                    """,
                }
            )
        ),
        Valid(
            files=django_project(
                {
                    "production": """
                        import ssl

                        CELERY_BROKER_URL = "rediss://redis.internal:6380/0?ssl_cert_reqs=required"
                        CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
                    """,
                    "test": """
                        import ssl

                        CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_NONE}
                    """,
                }
            )
        ),
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for value in index.config.all_values:
            if value.setting is None or value.span is None or value.kind is Kind.TEST:
                continue
            how = None
            if value.setting in SSL_SETTINGS:
                for candidate in value.candidates:
                    if isinstance(candidate, DictValue) and any(
                        isinstance(k, str) and k in _CERT_KEYS and _disables(v)
                        for k, v in candidate.items
                    ):
                        how = " (`ssl_cert_reqs` is `CERT_NONE`)"
                        if value.value != candidate:
                            how = " (`ssl_cert_reqs` is `CERT_NONE` in one of its branches)"
                        break
            elif value.setting in URL_SETTINGS:
                for candidate in value.candidates:
                    for url in urls_of(candidate):
                        info = parse_url(url)
                        if info is None:
                            continue
                        reqs = info.query.get("ssl_cert_reqs", [])
                        if any(_disables(r) for r in reqs):
                            how = " (`ssl_cert_reqs=none` in the URL)"
            if how is not None:
                yield Finding(value.path, value.span, {"name": value.name, "how": how})
