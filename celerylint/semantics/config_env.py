"""Which environment a piece of configuration is meant for, and values read from the
environment (RULES.md Appendix B).

* :func:`name_kind` reads a module stem or class name (``production``, ``test_settings``,
  ``LocalConfig``) as production, test, development or shared.
* :func:`guard_kind` reads the test of a module-level ``if`` (``if DEBUG:``,
  ``if "test" in sys.argv:``, ``if os.environ.get("ENV") == "production":``); phase 1 stores
  the answer on the fact as a plain string.
* :func:`env_read` recognises ``os.environ.get(k, d)``, ``os.getenv``, django-environ and
  environs ``env(...)``/``env.bool(...)`` and ``decouple.config(...)`` in evaluated values.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from celerylint.kit.values import (
    ENVIRON_ITEM,
    UNKNOWN,
    CallValue,
    Ref,
    Value,
    string_value,
)
from celerylint.semantics.call_shapes import OS_ENV_GETTERS


class Kind(str, enum.Enum):
    PRODUCTION = "production"
    TEST = "test"
    DEVELOPMENT = "development"
    SHARED = "shared"
    UNKNOWN = "unknown"


_EXACT: dict[str, Kind] = {
    "docker_production": Kind.PRODUCTION,
    "test_settings": Kind.TEST,
    "settings_test": Kind.TEST,
    "bok_choy": Kind.TEST,
    "load_test": Kind.TEST,
    "docker_dev": Kind.DEVELOPMENT,
    "local_settings": Kind.DEVELOPMENT,
}
_TOKENS: dict[str, Kind] = {
    **dict.fromkeys(
        (
            "production",
            "prod",
            "live",
            "staging",
            "stage",
            "aws",
            "heroku",
            "k8s",
            "kube",
            "deploy",
            "release",
        ),
        Kind.PRODUCTION,
    ),
    **dict.fromkeys(
        ("test", "tests", "testing", "ci", "travis", "pytest", "acceptance", "e2e", "unittest"),
        Kind.TEST,
    ),
    **dict.fromkeys(("local", "dev", "develop", "development", "devstack"), Kind.DEVELOPMENT),
    **dict.fromkeys(("base", "common", "defaults", "default", "settings", "shared"), Kind.SHARED),
}
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")


def words(name: str) -> list[str]:
    """``ProductionConfig`` -> [production, config]; ``settings_prod`` -> [settings, prod]."""
    out: list[str] = []
    for part in re.split(r"[_\-.]+", name):
        out.extend(w.lower() for w in _CAMEL.findall(part))
    return out


def name_kind(name: str) -> Kind | None:
    """The environment a module stem or class name is named after, if any.

    Specific words win over ``settings``/``base``: ``settings_test`` is a test module.
    """
    exact = _EXACT.get(name.lower())
    if exact is not None:
        return exact
    found: Kind | None = None
    for word in words(name):
        kind = _TOKENS.get(word)
        if kind is None:
            continue
        if kind is not Kind.SHARED:
            return kind
        found = kind
    return found


# -- runtime guards (phase 1) --------------------------------------------------------------

#: guard strings stored on facts: a ``Kind`` value, ``"!" + value`` when negated, or "other"
OTHER = "other"
#: a test of whether Celery has a broker at all (``if HAS_CELERY:``, ``if BROKER_URL:``,
#: ``if config.has_option("celery", "broker"):``); "!broker" is its ``else`` branch
BROKER = "broker"
NO_BROKER = "!" + BROKER
_SYS_TEST_WORDS = frozenset({"test", "pytest", "py.test", "tests", "testing"})


def _negate(kind: str) -> str:
    if kind == OTHER:
        return OTHER
    return kind[1:] if kind.startswith("!") else "!" + kind


def _kind_of_words(text: str) -> str | None:
    for word in words(text):
        kind = _TOKENS.get(word)
        if kind is not None and kind is not Kind.SHARED:
            return str(kind.value)
    if any(w == "debug" for w in words(text)):
        return Kind.DEVELOPMENT.value
    return None


Resolve = Callable[[cst.BaseExpression], "str | None"]


def _strings(node: cst.CSTNode) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.SimpleString):
            text = string_value(current)
            if isinstance(text, str):
                found.append(text)
        else:
            stack.extend(current.children)
    return found


def _mentions_sys_test(node: cst.CSTNode, resolve: Resolve) -> bool:
    """``"test" in sys.argv``, ``"pytest" in sys.modules``, ``sys.argv[0].endswith("pytest")``."""
    refs: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute | cst.Name):
            ref = resolve(current)
            if ref:
                refs.append(ref)
        stack.extend(current.children)
    if not any(r.startswith(("sys.argv", "sys.modules")) for r in refs):
        return False
    return any(
        s.lower() in _SYS_TEST_WORDS or s.endswith(("pytest", "py.test")) for s in _strings(node)
    )


def guard_kind(test: cst.BaseExpression, resolve: Resolve) -> str:
    """What a module-level ``if`` test selects: "test", "development", "production", the
    negation ("!test") or "other"."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _negate(guard_kind(test.expression, resolve))
    if isinstance(test, cst.BooleanOperation):
        left = guard_kind(test.left, resolve)
        right = guard_kind(test.right, resolve)
        if isinstance(test.operator, cst.And):
            return left if left != OTHER else right
        return left if left == right else OTHER
    if _mentions_sys_test(test, resolve):
        return Kind.TEST.value
    if isinstance(test, cst.Comparison):
        negated = any(
            isinstance(c.operator, cst.NotEqual | cst.NotIn | cst.IsNot) for c in test.comparisons
        )
        for text in _strings(test):
            kind = _kind_of_words(text) if len(text) < 40 else None
            if kind is not None:
                return _negate(kind) if negated else kind
        return OTHER
    if isinstance(test, cst.Name | cst.Attribute):
        name = test.value if isinstance(test, cst.Name) else test.attr.value
        return _kind_of_words(name) or (BROKER if _names_broker(name) else OTHER)
    if isinstance(test, cst.Call):
        # ``env.bool("TESTING")``, ``os.environ.get("DEBUG")``
        for arg in test.args[:1]:
            if isinstance(arg.value, cst.SimpleString):
                value = string_value(arg.value)
                if isinstance(value, str):
                    kind = _kind_of_words(value)
                    if kind is not None:
                        return kind
        texts = _strings(test)
        if any(_names_broker(text) for text in texts if len(text) < 40):
            return BROKER  # ``config.has_option("celery", "broker")``
    return OTHER


def selects_environment(guard: str | None) -> bool:
    """The guard limits a value to an environment (test, development, production or the
    negation of one), rather than to an unknown or a broker condition."""
    return guard is not None and guard not in (OTHER, BROKER, NO_BROKER)


def _names_broker(text: str) -> bool:
    """``HAS_CELERY``, ``CELERY_BROKER_URL``, ``USE_CELERY``: a name that says whether
    Celery (its broker) is configured."""
    return any(w in {"celery", "broker"} for w in words(text))


def guard_classification(guard: str | None) -> Kind | None:
    """The environment a guarded value is limited to (None: no narrower than its module).

    ``if DEBUG:``/``if TESTING:`` limit a value to development/test; ``if not TESTING:``
    leaves it as effective as the module; ``if PRODUCTION:`` makes it production.
    """
    if guard is None or guard in (OTHER, BROKER) or guard.startswith("!"):
        if guard == "!production":
            return Kind.DEVELOPMENT
        return None
    return Kind(guard)


# -- values read from the environment (phase 2) -------------------------------------------


@dataclass(frozen=True, slots=True)
class EnvRead:
    var: str | None  # the variable name, when a literal
    default: Value  # UNKNOWN when there is no default (the variable is required)
    has_default: bool


_OS_GETTERS = OS_ENV_GETTERS | {ENVIRON_ITEM}
_DECOUPLE = frozenset({"decouple.config", "decouple.AutoConfig"})
ENV_CLASSES = frozenset({"environ.Env", "environ.environ.Env", "environs.Env"})
_ENV_METHODS = frozenset(
    {
        "bool",
        "str",
        "int",
        "float",
        "list",
        "tuple",
        "dict",
        "json",
        "url",
        "path",
        "db_url",
        "cache_url",
        "email_url",
        "search_url",
        "timedelta",
        "decimal",
    }
)


def env_read(value: Value, is_env_object: Callable[[str], bool]) -> EnvRead | None:
    """An environment lookup with its default, or None when ``value`` is not one.

    ``is_env_object(ref)`` says whether a name is a django-environ/environs ``Env()``.
    """
    if not isinstance(value, CallValue) or value.starred:
        return None
    func = value.func
    var = value.args[0] if value.args else value.kwarg("var", UNKNOWN)
    var_name = var if isinstance(var, str) else None
    if func in _OS_GETTERS or func in _DECOUPLE:
        if func.startswith("decouple"):
            default = value.kwarg("default", UNKNOWN)
            has = any(k == "default" for k, _ in value.kwargs)
        else:
            has = len(value.args) >= 2 or any(k == "default" for k, _ in value.kwargs)
            default = value.args[1] if len(value.args) >= 2 else value.kwarg("default", UNKNOWN)
        return EnvRead(var_name, default if has else UNKNOWN, has)
    head, _, method = func.rpartition(".")
    if is_env_object(func):  # env("X", default=...): the 2nd positional is ``cast``
        has = any(k == "default" for k, _ in value.kwargs)
        return EnvRead(var_name, value.kwarg("default", UNKNOWN) if has else UNKNOWN, has)
    if method in _ENV_METHODS and head and is_env_object(head):
        has = len(value.args) >= 2 or any(k == "default" for k, _ in value.kwargs)
        default = value.args[1] if len(value.args) >= 2 else value.kwarg("default", UNKNOWN)
        return EnvRead(var_name, default if has else UNKNOWN, has)
    return None


def is_env_class_call(value: Value) -> bool:
    return isinstance(value, CallValue) and value.func in ENV_CLASSES


def truthy(value: Value) -> bool | None:
    """Python truthiness of a known value, None when unknown.

    A string such as ``"false"`` is true to Python but clearly not meant so: unknown.
    """
    if value is UNKNOWN or isinstance(value, CallValue | Ref):
        return None
    if isinstance(value, str):
        if value.strip().lower() in {"false", "0", "no", "off", "n", "f"}:
            return None
        return bool(value)
    try:
        return bool(value)
    except Exception:
        return None
