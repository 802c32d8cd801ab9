"""Side-by-side benchmark of celerylint against peers on real code.

    python benchmarks/bench.py [--runs 5] [--workdir DIR]

Builds a corpus from pinned source releases downloaded from PyPI (``pip download
--no-deps --no-binary :all:``) into a work folder, installs the peers (ruff, Fixit,
celery-audit) into their own virtualenv there, then times in one run:

- celerylint cold (``--no-cache``) and warm (a filled cache),
- celerylint on one file of the corpus with a warm cache, unchanged (an editor or a
  pre-commit run with nothing new), just edited (the pre-commit case: one comment line
  appended before each run, removed after) and with an import added at the top (an edit
  that changes the module's facts, so the project phase runs again),
- ``ruff check`` (default rules, ``--no-cache``, ``--isolated``),
- ``fixit lint`` (its default rules),
- ``celery-audit`` (scans for task declarations, with celery's own config module),

and prints medians, ratios to ruff and peak memory (max RSS from ``/usr/bin/time``).
Nothing from the corpus is committed; the work folder is a temporary directory unless
``--workdir`` is given (then it is reused, which skips the downloads). The corpus root gets
a ``pyproject.toml`` with an empty ``[tool.celerylint]`` table, so that every run (also the
one-file runs) treats the whole corpus as one project.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

CORPUS = [
    "celery==5.7.0",
    "kombu==5.7.0",
    "billiard==4.3.2",
    "amqp==5.4.2",
    "django==5.2.8",
    "django-celery-beat==2.9.0",
    "django-celery-results==2.6.0",
    "flower==2.2.0",
    "djangorestframework==3.18.3",
    "django-extensions==4.1",
    "wagtail==8.0.1",
    "redis==8.1.0",
    "sentry-sdk==2.75.0",
]
PEERS = ["ruff==0.17.6", "fixit==2.2.1", "celery-audit==0.1.0"]
ONE_FILE = "celery-5.7.0/celery/app/task.py"
TIME = "/usr/bin/time"


def sh(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def build_corpus(work: Path) -> Path:
    corpus = work / "corpus"
    if corpus.is_dir() and any(corpus.iterdir()):
        return corpus
    sdists = work / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    for spec in CORPUS:
        print(f"  downloading {spec}", file=sys.stderr)
        sh(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                spec,
                "-d",
                str(sdists),
            ]
        )
    corpus.mkdir(exist_ok=True)
    for archive in sorted(sdists.glob("*.tar.gz")):
        with tarfile.open(archive) as tar:
            tar.extractall(corpus, filter="data")
    return corpus


def install_peers(work: Path) -> Path:
    venv = work / "peers"
    if not (venv / "bin" / "ruff").exists():
        print("  installing peers: " + ", ".join(PEERS), file=sys.stderr)
        sh([sys.executable, "-m", "venv", str(venv)])
        sh([str(venv / "bin" / "pip"), "install", "-q", *PEERS])
    return venv / "bin"


#: how the edited file is changed before each run: a comment line appended (no fact
#: changes), an import added as the first line (the module's facts change)
EDITS = {
    "comment": lambda text, i: text + f"# edited for the benchmark, run {i}\n".encode(),
    "import": lambda text, i: f"import json as _benchmark_{i}\n".encode() + text,
}


def measure(
    cmd: list[str], runs: int, cwd: Path, edit: Path | None = None, how: str = "comment"
) -> dict[str, float]:
    """Median and min wall time and peak memory of ``runs`` runs; with ``edit``, that file
    is changed (``EDITS[how]``, new text each run) before each run and restored after it."""
    times: list[float] = []
    peak_kb = 0
    original = edit.read_bytes() if edit is not None else b""
    for i in range(runs):
        if edit is not None:
            edit.write_bytes(EDITS[how](original, i))
        with tempfile.NamedTemporaryFile("r") as out:
            start = time.perf_counter()
            subprocess.run(
                [TIME, "-f", "%M", "-o", out.name, *cmd],
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            times.append(time.perf_counter() - start)
            text = out.read().strip().splitlines()
            if text and text[-1].isdigit():
                peak_kb = max(peak_kb, int(text[-1]))
        if edit is not None:
            edit.write_bytes(original)
    return {"median_s": statistics.median(times), "min_s": min(times), "peak_mb": peak_kb / 1024}


def count(corpus: Path) -> tuple[int, int]:
    files = lines = 0
    for path in corpus.rglob("*.py"):
        files += 1
        with open(path, "rb") as handle:
            lines += handle.read().count(b"\n")
    return files, lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slow-runs", type=int, default=1, help="runs for Fixit (slow)")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--skip-fixit", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not Path(TIME).exists():
        print("needs GNU time at /usr/bin/time (apt-get install time)", file=sys.stderr)
        return 2
    work = args.workdir or Path(tempfile.mkdtemp(prefix="celerylint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}", file=sys.stderr)
    corpus = build_corpus(work)
    (corpus / "pyproject.toml").write_text("[tool.celerylint]\n")
    peers = install_peers(work)
    files, lines = count(corpus)
    celerylint = [sys.executable, "-m", "celerylint"]
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    subprocess.run(
        [*celerylint, ".", "--cache-dir", str(cache), "--exit-zero", "-q"],
        cwd=corpus,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    celery_config = "celery-5.7.0/celery/app/defaults.py"
    cases: list[tuple[str, list[str], int, Path | None]] = [
        (
            "ruff check (default rules, no cache)",
            [str(peers / "ruff"), "check", "--isolated", "--no-cache", "--exit-zero", "-q", "."],
            args.runs,
            None,
        ),
        (
            "celerylint cold (--no-cache)",
            [*celerylint, ".", "--no-cache", "--exit-zero", "-q"],
            args.runs,
            None,
        ),
        (
            "celerylint warm (cache)",
            [*celerylint, ".", "--cache-dir", str(cache), "--exit-zero", "-q"],
            args.runs,
            None,
        ),
        (
            "celerylint one file (warm cache)",
            [*celerylint, ONE_FILE, "--cache-dir", str(cache), "--exit-zero", "-q"],
            args.runs,
            None,
        ),
        (
            "celerylint one file, just edited",
            [*celerylint, ONE_FILE, "--cache-dir", str(cache), "--exit-zero", "-q"],
            args.runs,
            corpus / ONE_FILE,
        ),
        (
            "celerylint one file, import added",
            [*celerylint, ONE_FILE, "--cache-dir", str(cache), "--exit-zero", "-q"],
            args.runs,
            corpus / ONE_FILE,
        ),
        (
            "celery-audit",
            [str(peers / "celery-audit"), ".", "--config", celery_config],
            args.runs,
            None,
        ),
    ]
    if not args.skip_fixit:
        cases.append(
            (
                "fixit lint (default rules)",
                [str(peers / "fixit"), "lint", "."],
                args.slow_runs,
                None,
            )
        )
    results: dict[str, dict[str, float]] = {}
    for name, cmd, runs, edit in cases:
        print(f"  timing {name} x{runs}", file=sys.stderr)
        how = "import" if name.endswith("import added") else "comment"
        results[name] = measure(cmd, runs, corpus, edit, how)
    ruff = results[cases[0][0]]["median_s"]
    print(f"\ncorpus: {files} files, {lines} lines ({len(CORPUS)} packages)")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'tool':<40} {'median s':>9} {'x ruff':>8} {'peak MB':>8}")
    for name, r in results.items():
        print(f"{name:<40} {r['median_s']:>9.2f} {r['median_s'] / ruff:>8.2f} {r['peak_mb']:>8.0f}")
    if args.json:
        args.json.write_text(
            json.dumps({"files": files, "lines": lines, "results": results}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
