"""The result cache: same output cold and warm, invalidation by content, safe to share,
corrupt entries ignored, deleted files pruned, `--no-cache` and `celerylint clean`."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from celerylint.cli import cli
from celerylint.config import Settings, find_config, load_settings
from celerylint.engine.cache import SHARDS, ResultCache
from celerylint.engine.runner import RunRequest, enabled_codes, run
from celerylint.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ALL = frozenset(r.code for r in all_rules() if r.default_enabled)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".celerylint_cache"))
    return target


def _run(root: Path, cache: Path | None, jobs: int = 1) -> list[tuple[str, int, int, str, str]]:
    settings = load_settings(find_config(root), root, sorted(r.code for r in all_rules()))
    request = RunRequest(
        [root], settings, enabled_codes(settings), jobs=jobs, cwd=root, cache_dir=cache
    )
    report = run(request)
    assert not report.crashes
    return [(d.path, d.span.line, d.span.column, d.code, d.message) for d in report.diagnostics]


def test_cold_and_warm_runs_give_the_same_output(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    uncached = _run(project, None)
    cold = _run(project, cache)
    assert list(cache.glob("results-*.pickle")), "the cold run writes the cache"
    warm = _run(project, cache)
    warm_parallel = _run(project, cache, jobs=2)
    assert uncached == cold == warm == warm_parallel
    assert uncached, "the example project has findings"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_an_edit_is_seen_and_an_unchanged_touch_is_a_hit(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = _run(project, cache)
    models = project / "shop" / "models.py"
    os.utime(models, (1, 1))  # stat changes, content does not
    assert _run(project, cache) == before
    models.write_text(
        models.read_text().replace("from shop.tasks import send_receipt  # error: CEL101\n", "")
    )
    after = _run(project, cache)
    assert ("shop/models.py", 5, 1, "CEL101") in {d[:4] for d in before}
    assert ("shop/models.py", 5, 1, "CEL101") not in {d[:4] for d in after}


def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = _run(project, cache)
    shards = sorted(cache.glob("results-*.pickle"))
    for entry in shards:
        entry.write_bytes(entry.read_bytes()[:100])  # truncated
    assert _run(project, cache) == expected
    for entry in sorted(cache.glob("results-*.pickle")):
        entry.write_bytes(pickle.dumps({"key": "x", "entries": {"a": os.system}}))  # not ours
    assert _run(project, cache) == expected


def test_the_unpickler_refuses_anything_but_celerylint_data(tmp_path: Path) -> None:
    key = "k" + "0" * 40
    for shard in range(SHARDS):  # the right key: only the unpickler stands in the way
        path = tmp_path / f"results-{key[:20]}-{shard:02d}.pickle"
        path.write_bytes(pickle.dumps({"key": key, "entries": {"x": (0, 0, "", os.system)}}))
    cache = ResultCache(tmp_path, key)
    assert cache.entries == {}


def test_entries_of_deleted_files_are_pruned(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(project, cache)
    (project / "reports" / "cron.py").unlink()
    _run(project, cache)
    keys = [
        key
        for entry in cache.glob("results-*.pickle")
        for key in pickle.loads(entry.read_bytes())["entries"]
    ]
    assert keys, "the other files stay cached"
    assert not any("cron.py" in key for key in keys)


def test_no_cache_writes_nothing_and_clean_removes_the_cache(project: Path) -> None:
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(project)
    try:
        result = runner.invoke(cli, [".", "--no-cache", "-q"])
        assert result.exit_code == 1
        assert not (project / ".celerylint_cache").exists()
        result = runner.invoke(cli, [".", "-q"])
        assert result.exit_code == 1
        assert (project / ".celerylint_cache").is_dir()
        result = runner.invoke(cli, ["clean"])
        assert result.exit_code == 0
        assert not (project / ".celerylint_cache").exists()
    finally:
        os.chdir(old)


def test_a_read_only_cache_directory_does_not_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from celery import shared_task\n")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings = Settings(root=tmp_path)
    report = run(
        RunRequest([tmp_path], settings, ALL, jobs=1, cwd=tmp_path, cache_dir=blocker / "cache")
    )
    assert not report.crashes


def test_cached_results_load_through_the_fast_state_functions(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every object of a cached result is one of celerylint's slotted dataclasses given
    ``pickling.fast_pickling`` (or a builtin): loading the cache of a large project
    creates some 125,000 of them, and the ``__setstate__`` that ``dataclass(slots=True)``
    writes costs several times as much per object."""
    import dataclasses

    cache = tmp_path / "cache"
    _run(project, cache)
    shards = sorted(cache.glob("results-*.pickle"))
    assert shards
    slow: list[str] = []
    original = dataclasses._dataclass_setstate  # type: ignore[attr-defined]

    def spy(self: object, state: object) -> None:
        slow.append(type(self).__qualname__)
        original(self, state)

    # ``dataclass(slots=True)`` binds its state function per class at class creation,
    # so the spy goes on every class that still has it
    classes = {
        type(value)
        for shard in shards
        for value in _objects(pickle.loads(shard.read_bytes()))
        if getattr(type(value), "__setstate__", None) is original
    }
    for cls in classes:
        monkeypatch.setattr(cls, "__setstate__", spy)
    for shard in shards:
        pickle.loads(shard.read_bytes())
    assert not slow, sorted(set(slow))


def _objects(value: object, seen: set[int] | None = None) -> list[object]:
    """``value`` and every object reachable from it through containers and slots."""
    seen = set() if seen is None else seen
    if id(value) in seen or isinstance(value, (str, bytes, int, float, bool, type(None))):
        return []
    seen.add(id(value))
    found = [value]
    if isinstance(value, dict):
        children: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = list(value)
    else:
        children = [getattr(value, name) for name in getattr(type(value), "__slots__", ())]
    for child in children:
        found.extend(_objects(child, seen))
    return found
