"""Regenerate celerylint/semantics/celery_config_data.py (from the installed celery and
kombu) and, with ``--versions``, celerylint/semantics/celery_versions.py (from the
``defaults.py`` of one celery wheel per minor version, downloaded with pip).

    python scripts/generate_celery_config_data.py            # installed celery/kombu
    python scripts/generate_celery_config_data.py --check    # fail on drift
    python scripts/generate_celery_config_data.py --versions # download wheels (network)
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path

from celerylint.semantics.celery_config_introspect import (
    collect,
    render,
    setting_keys_of,
    since_table,
)

HERE = Path(__file__).resolve().parent.parent / "celerylint" / "semantics"
DATA = HERE / "celery_config_data.py"
VERSIONS = HERE / "celery_versions.py"
#: one release per minor version (the last patch release at the time of sampling)
SAMPLED = ("5.0.5", "5.1.2", "5.2.7", "5.3.6", "5.4.0", "5.5.3", "5.6.0", "5.7.0")


def data_text() -> str:
    return render(
        collect(),
        "Celery and kombu configuration facts read from the installed packages.",
        "python scripts/generate_celery_config_data.py",
    )


def _download_wheel(version: str, directory: Path) -> Path:
    """The ``py3-none-any`` wheel of a celery release, from PyPI's simple index.

    (pip refuses to download some old releases whose metadata newer pips reject, such as
    celery 5.0.5's ``pytz (>dev)``; only ``app/defaults.py`` is read from the wheel.)
    """
    request = urllib.request.Request(
        "https://pypi.org/simple/celery/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},  # PEP 691
    )
    with urllib.request.urlopen(request) as response:
        index = json.load(response)
    url: str = next(
        f["url"] for f in index["files"] if f["filename"] == f"celery-{version}-py3-none-any.whl"
    )
    target = directory / url.rsplit("/", 1)[1]
    with urllib.request.urlopen(url) as response:
        target.write_bytes(response.read())
    return target


def keys_digest(keys: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


def versions_text() -> str:
    keys: dict[str, frozenset[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for version in SAMPLED:
            wheel = _download_wheel(version, Path(tmp))
            with zipfile.ZipFile(wheel) as archive:
                source = archive.read("celery/app/defaults.py").decode("utf-8")
            keys[version] = setting_keys_of(source)
    data = {
        "SAMPLED_VERSIONS": SAMPLED,
        # a digest, not a second copy of celery_data.SETTING_KEYS: the drift test compares
        # it with the installed celery's keys when that is the newest sampled version
        "NEWEST_SAMPLED_KEYS_SHA256": keys_digest(keys[SAMPLED[-1]]),
        "SETTING_SINCE": since_table(keys),
    }
    return render(
        data,
        f"The Celery minor version that introduced each setting newer than {SAMPLED[0]}.\n\n"
        f"From the app/defaults.py of the celery wheels {', '.join(SAMPLED)}.",
        "python scripts/generate_celery_config_data.py --versions",
    )


if __name__ == "__main__":
    if "--versions" in sys.argv:
        VERSIONS.write_text(versions_text())
        print(f"wrote {VERSIONS}")
        sys.exit(0)
    text = data_text()
    if "--check" in sys.argv:
        if DATA.read_text() != text:
            sys.exit(f"{DATA} is out of date; run python scripts/generate_celery_config_data.py")
        sys.exit(0)
    DATA.write_text(text)
    print(f"wrote {DATA}")
