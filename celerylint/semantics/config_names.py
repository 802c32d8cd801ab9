"""What a configuration name means to Celery: the one place that maps names to settings.

Celery looks a setting up under several names (``celery/utils/collections.py``
``ConfigurationView._to_keys``): with a namespace ``N`` it tries ``N_<NEW_NAME>`` (case
matched to the prefix), then the new lowercase name, then the legacy name from
``_TO_OLD_KEY``; without a namespace, the new name and the legacy name. Which names exist,
and their legacy spellings, come from the installed celery (``celery_data``).
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from functools import cache

from celerylint.semantics import celery_config_data, celery_data, celery_versions

SETTING_KEYS: frozenset[str] = frozenset(celery_data.SETTING_KEYS)
OLD_TO_NEW: dict[str, str] = dict(celery_data.OLD_TO_NEW)
NEW_TO_OLD: dict[str, str] = {new: old for old, new in OLD_TO_NEW.items()}
#: names Celery reads although ``defaults.py`` does not declare them
EXTRA_READ: frozenset[str] = frozenset(celery_config_data.SETTINGS_READ_ELSEWHERE)
#: setting -> the Celery minor version that introduced it (settings older than 5.1 absent)
SETTING_SINCE: dict[str, tuple[int, int]] = {
    key: (int(v.split(".")[0]), int(v.split(".")[1]))
    for key, v in celery_versions.SETTING_SINCE.items()
}

#: first words of every Celery setting name, new and legacy (``task``, ``CELERYD`` ...)
_HEADS = frozenset(
    {k.split("_", 1)[0].lower() for k in SETTING_KEYS}
    | {k.split("_", 1)[0].lower() for k in OLD_TO_NEW}
    | {"celery", "celeryd", "celerybeat", "celerymon", "celeryev"}
)


def is_config_name(name: str) -> bool:
    """Could assigning ``name`` configure Celery (or name Django's app list)?

    Phase 1 uses this to decide which module and class attributes become setting facts;
    phase 2 decides what they mean once it knows the config source and its namespace.
    """
    if name in SETTING_KEYS or name in OLD_TO_NEW or name == "INSTALLED_APPS":
        return True
    if not (name.isupper() or name.islower()):
        return False
    return name.split("_", 1)[0].lower() in _HEADS and "_" in name


class Style(str, enum.Enum):
    """How a name spells its setting."""

    NEW = "new"  # ``task_always_eager``
    NAMESPACED = "namespaced"  # ``CELERY_TASK_ALWAYS_EAGER`` under namespace CELERY
    LEGACY = "legacy"  # ``CELERY_ALWAYS_EAGER``, ``CELERYD_CONCURRENCY``, ``BROKER_URL``


@dataclass(frozen=True, slots=True)
class NameMeaning:
    setting: str  # the new lowercase name Celery reads
    style: Style


def _match_case(name: str, prefix: str) -> str:
    return name.upper() if prefix.isupper() else name.lower()


@cache
def _namespaced_table(namespace: str) -> dict[str, str]:
    prefix = namespace.rstrip("_") + "_"
    return {_match_case(prefix + key, prefix): key for key in SETTING_KEYS}


def meaning(name: str, namespace: str | None) -> NameMeaning | None:
    """The setting Celery reads ``name`` as, in a source read with ``namespace``, or None.

    A name that is both the namespaced form and a legacy name (``CELERY_RESULT_BACKEND``
    under ``CELERY``) counts as namespaced: it is the spelling the docs recommend.
    """
    if namespace:
        key = _namespaced_table(namespace).get(name)
        if key is not None:
            return NameMeaning(key, Style.NAMESPACED)
    if name in SETTING_KEYS:
        return NameMeaning(name, Style.NEW)
    new = OLD_TO_NEW.get(name)
    if new is not None:
        return NameMeaning(new, Style.LEGACY)
    return None


def available(setting: str, version: tuple[int, int]) -> bool:
    """Does Celery ``version`` (major, minor) know ``setting``?"""
    return SETTING_SINCE.get(setting, (0, 0)) <= version


def spelling(setting: str, namespace: str | None) -> str:
    """How to write ``setting`` in a source read with ``namespace`` (the recommended form)."""
    if namespace:
        prefix = namespace.rstrip("_") + "_"
        return _match_case(prefix + setting, prefix)
    return setting


#: settings of common extensions, read from the same configuration under the app's
#: namespace: django-celery-email (``CELERY_EMAIL_*``), beat schedulers (celery-redbeat,
#: celerybeat-mongo, celery-sqlalchemy-scheduler), celery-singleton, celery-once,
#: celery-haystack, django-celery-results' ``CELERY_CACHE_BACKEND``, flower
EXTENSION_PREFIXES = (
    "email_",
    "redbeat_",
    "mongodb_scheduler_",
    "beat_dburi",
    "beat_schema",
    "singleton_",
    "once",
    "haystack_",
    "cache_backend",
    "flower_",
)


def is_extra_read(name: str, namespace: str | None) -> bool:
    """Read by Celery (or its Django fix-up, or a common extension) although
    ``defaults.py`` does not list it."""
    if name in EXTRA_READ or name.lower().startswith(EXTENSION_PREFIXES):
        return True
    for prefix in {namespace.rstrip("_") + "_" if namespace else "", "CELERY_"}:
        if prefix and name.startswith(prefix):
            rest = name[len(prefix) :].lower()
            if rest in EXTRA_READ or rest.startswith(EXTENSION_PREFIXES):
                return True
    return False


def _same_words(name: str, candidates: list[str]) -> list[str]:
    """The one candidate with the same words in another order, or with one word more
    (``CELERY_TASK_SEND_EVENTS`` -> ``CELERY_WORKER_SEND_TASK_EVENTS``), which spelling
    distance ranks poorly."""
    mine = frozenset(name.lower().split("_"))
    found = [
        c
        for c in candidates
        if (theirs := frozenset(c.lower().split("_"))) >= mine and len(theirs - mine) <= 1
    ]
    return found if len(found) == 1 else []


def suggest(name: str, namespace: str | None, valid: frozenset[str] | None = None) -> str | None:
    """The close valid spelling of a misspelt ``name`` (``difflib``), if exactly clear."""
    keys = valid if valid is not None else SETTING_KEYS
    candidates = [spelling(k, namespace) for k in keys]
    if namespace is None and name.isupper():
        candidates = [*candidates, *(k.upper() for k in keys)]
    close = _same_words(name, candidates) or difflib.get_close_matches(
        name, candidates, n=1, cutoff=0.8
    )
    if not close:
        return None
    found = close[0]
    if namespace is None and found.isupper() and found.lower() in keys:
        return found.lower()
    return found
