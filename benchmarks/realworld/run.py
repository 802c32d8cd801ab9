"""celerylint on real Celery applications, every finding compared with a person's verdict.

    python benchmarks/realworld/run.py                      # download, run, report precision
    python benchmarks/realworld/run.py --package pretix     # one application
    python benchmarks/realworld/run.py --show unjudged      # print findings without a verdict
    python benchmarks/realworld/run.py --show false --rule CEL401
    python benchmarks/realworld/run.py --write-unjudged new.csv   # rows to fill in

The applications are listed, pinned by version and sha256, in ``packages.toml`` beside this
file. They are downloaded from PyPI into a work folder (``--work``, default
``~/.cache/celerylint-realworld``; downloads are kept there and reused), unpacked without
their front-end assets, and checked one by one the way a user would: ``celerylint .`` from
the application's root. Nothing downloaded is committed.

Every finding is matched on ``(package, path, line, code)`` with ``verdicts.csv`` (columns
``package, path, line, code, verdict, reason``; a verdict is ``true``, ``debatable`` or
``false``). The report gives, per package and per rule, the findings and how they were
judged, precision (true / judged), the findings nobody has judged yet, and the verdicts
whose finding is no longer reported (a fixed false finding, or a true one lost). CEL000
(files celerylint could not read) is counted apart: it judges the input, not Celery code.

Exit status: 0, or 1 with ``--check`` when a finding has no verdict or precision is below
``--min-precision``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
PACKAGES = HERE / "packages.toml"
VERDICTS = HERE / "verdicts.csv"
VERDICT_FIELDS = ("package", "path", "line", "code", "verdict", "reason")
VERDICT_VALUES = ("true", "debatable", "false")
#: what is left out when unpacking: front-end assets and translations, which are most of
#: the bytes of these releases and nothing celerylint reads
_SUFFIXES = (
    ".js .jsx .mjs .cjs .ts .tsx .vue .css .scss .sass .less .map .png .jpg .jpeg .gif .svg"
    " .ico .webp .woff .woff2 .ttf .eot .otf .mo .po .pot .pdf .zip .gz .bz2 .xz .mp3 .mp4"
    " .wasm .snap"
)
SKIPPED_SUFFIXES = frozenset(_SUFFIXES.split(" "))
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    framework: str
    file: str
    sha256: str

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass(frozen=True)
class Finding:
    package: str
    path: str
    line: int
    column: int
    code: str
    message: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.package, self.path, self.line, self.code)


@dataclass(frozen=True)
class Verdict:
    package: str
    path: str
    line: int
    code: str
    verdict: str
    reason: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.package, self.path, self.line, self.code)


def load_packages() -> list[Package]:
    with PACKAGES.open("rb") as f:
        data = tomllib.load(f)
    return [Package(**entry) for entry in data["package"]]


def load_verdicts(path: Path = VERDICTS) -> dict[tuple[str, str, int, str], Verdict]:
    verdicts: dict[tuple[str, str, int, str], Verdict] = {}
    if not path.exists():
        return verdicts
    with path.open(newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.DictReader(f), start=2):
            verdict = Verdict(
                row["package"], row["path"], int(row["line"]), row["code"],
                row["verdict"].strip(), row["reason"].strip(),
            )  # fmt: skip
            if verdict.verdict not in VERDICT_VALUES or not verdict.reason:
                sys.exit(f"{path}:{number}: a verdict is one of {VERDICT_VALUES}, with a reason")
            if verdict.key in verdicts:
                sys.exit(f"{path}:{number}: a second verdict for {verdict.key}")
            verdicts[verdict.key] = verdict
    return verdicts


def download(package: Package, downloads: Path) -> Path:
    """The release file, downloaded once and checked against its pinned sha256."""
    target = downloads / package.file
    if target.exists() and _sha256(target) == package.sha256:
        return target
    index = f"https://pypi.org/pypi/{package.name}/json"
    with urllib.request.urlopen(index, timeout=60) as response:
        releases = json.load(response)["releases"]
    urls = [u["url"] for u in releases.get(package.version, []) if u["filename"] == package.file]
    if not urls:
        sys.exit(f"{package.file} is not among the files of {package.name} {package.version}")
    print(f"  downloading {package.file}", file=sys.stderr)
    downloads.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with urllib.request.urlopen(urllib.parse.urljoin(index, urls[0]), timeout=300) as response:
        partial.write_bytes(response.read())
    if _sha256(partial) != package.sha256:
        partial.unlink()
        sys.exit(f"{package.file}: sha256 does not match the pin in {PACKAGES.name}")
    partial.replace(target)
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wanted(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if any(part in SKIPPED_DIRS or part == ".." for part in parts) or name.startswith("/"):
        return False
    return PurePosixPath(name).suffix.lower() not in SKIPPED_SUFFIXES


def unpack(package: Package, archive: Path, trees: Path) -> Path:
    """The application's root: the sdist's top folder, or the folder a wheel unpacks to."""
    root = trees / package.folder
    done = root / ".unpacked"
    if done.exists():
        return _app_root(root)
    root.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".whl") or archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir() and _wanted(info.filename):
                    zf.extract(info, root)
    else:
        with tarfile.open(archive) as tf:
            members = [m for m in tf.getmembers() if m.isfile() and _wanted(m.name)]
            tf.extractall(root, members=members, filter="data")
    done.touch()
    return _app_root(root)


def _app_root(root: Path) -> Path:
    entries = [p for p in root.iterdir() if p.name != ".unpacked"]
    single = entries[0] if len(entries) == 1 else None
    if single is not None and single.is_dir() and not single.name.endswith(".dist-info"):
        return single
    return root


def check(package: Package, root: Path, cache: Path) -> list[Finding]:
    """Run celerylint on the application's root, as a user would, and read its JSON."""
    command = [
        sys.executable, "-m", "celerylint", "check", ".", "--output-format", "json",
        "--exit-zero", "--quiet", "--cache-dir", str(cache / package.folder),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"celerylint failed on {package.folder} ({result.returncode}):\n{result.stderr}")
    findings = []
    for item in json.loads(result.stdout):
        path = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
        row, column = item["location"]["row"], item["location"]["column"]
        findings.append(Finding(package.name, path, row, column, item["code"], item["message"]))
    return findings


def source_line(root: Path, finding: Finding) -> str:
    try:
        lines = (root / finding.path).read_text(encoding="utf-8", errors="replace").splitlines()
        return lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
    except OSError:
        return ""


def _precision(counts: Counter[str]) -> str:
    judged = counts["true"] + counts["debatable"] + counts["false"]
    return f"{100 * counts['true'] / judged:5.1f} %" if judged else "    -  "


def _table(title: str, groups: dict[str, Counter[str]]) -> None:
    print(f"\n{title:<16} {'found':>5} {'true':>5} {'deb.':>5} {'false':>5} {'new':>5}  precision")
    total: Counter[str] = Counter()
    for name in sorted(groups):
        counts = groups[name]
        total.update(counts)
        print(_row(name, counts))
    print(_row("all", total))


def _row(name: str, counts: Counter[str]) -> str:
    found = sum(counts[v] for v in (*VERDICT_VALUES, "unjudged"))
    cells = [counts[v] for v in (*VERDICT_VALUES, "unjudged")]
    return (
        f"{name:<16} {found:>5} " + " ".join(f"{c:>5}" for c in cells) + f"  {_precision(counts)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(
        os.environ.get("CELERYLINT_REALWORLD", Path.home() / ".cache" / "celerylint-realworld")
    ))  # fmt: skip
    parser.add_argument("--package", action="append", help="only this application (repeatable)")
    parser.add_argument("--rule", action="append", help="only findings of this code or prefix")
    parser.add_argument("--show", choices=("unjudged", "false", "debatable", "true", "all", "gone"))
    parser.add_argument("--write-unjudged", type=Path, help="write unjudged findings as CSV rows")
    parser.add_argument("--json", type=Path, help="write every finding to this JSON file")
    parser.add_argument("--check", action="store_true", help="exit 1 on unjudged findings")
    parser.add_argument("--min-precision", type=float, default=90.0)
    args = parser.parse_args(argv)

    packages = [p for p in load_packages() if not args.package or p.name in args.package]
    verdicts = load_verdicts()
    work: Path = args.work.expanduser().resolve()
    findings: list[Finding] = []
    roots: dict[str, Path] = {}
    inputs = 0
    for package in packages:
        root = unpack(package, download(package, work / "downloads"), work / "trees")
        roots[package.name] = root
        for finding in check(package, root, work / "cache"):
            if finding.code == "CEL000":
                inputs += 1
            elif not args.rule or any(finding.code.startswith(r) for r in args.rule):
                findings.append(finding)

    by_package: dict[str, Counter[str]] = defaultdict(Counter)
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    unjudged: list[Finding] = []
    seen: set[tuple[str, str, int, str]] = set()
    for finding in findings:
        verdict = verdicts.get(finding.key)
        label = verdict.verdict if verdict else "unjudged"
        by_package[finding.package][label] += 1
        by_rule[finding.code][label] += 1
        seen.add(finding.key)
        if not verdict:
            unjudged.append(finding)
        if args.show in (label, "all"):
            reason = f"  [{verdict.verdict}: {verdict.reason}]" if verdict else ""
            print(f"{finding.package}/{finding.path}:{finding.line}:{finding.column}: "
                  f"{finding.code} {finding.message}{reason}")  # fmt: skip
            print(f"    | {source_line(roots[finding.package], finding)}")
    names = {p.name for p in packages}
    gone = [
        v for k, v in sorted(verdicts.items())
        if k not in seen and v.package in names
        and (not args.rule or any(v.code.startswith(r) for r in args.rule))
    ]  # fmt: skip
    if args.show == "gone":
        for v in gone:
            print(f"{v.package}/{v.path}:{v.line}: {v.code} no longer reported [{v.verdict}: "
                  f"{v.reason}]")  # fmt: skip

    _table("package", by_package)
    _table("rule", by_rule)
    gone_counts = Counter(v.verdict for v in gone)
    print(
        f"\nno longer reported: {gone_counts['false']} judged false, "
        f"{gone_counts['debatable']} debatable, {gone_counts['true']} true"
        f"{' (see --show gone)' if gone_counts['true'] else ''}"
    )
    print(f"CEL000 (files celerylint could not read): {inputs}")
    if unjudged:
        print(f"{len(unjudged)} findings have no verdict yet (--show unjudged)")
    if args.write_unjudged:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow((*VERDICT_FIELDS, "message", "source"))
        for f in unjudged:
            writer.writerow((f.package, f.path, f.line, f.code, "", "", f.message,
                             source_line(roots[f.package], f)))  # fmt: skip
        args.write_unjudged.write_text(buffer.getvalue(), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps([f.__dict__ for f in findings], indent=1), "utf-8")
    total: Counter[str] = Counter()
    for counts in by_package.values():
        total.update(counts)
    judged = total["true"] + total["debatable"] + total["false"]
    precision = 100 * total["true"] / judged if judged else 100.0
    if args.check and (unjudged or precision < args.min_precision):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
