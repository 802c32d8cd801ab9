"""Bad input never crashes a run: a file that cannot be read, decoded or parsed gets a clear
CEL000 finding naming the path and the reason, every other file is still checked, the exit
code is 1, and there is never a traceback. Odd but valid files (empty, BOM, CRLF, very large,
newer syntax than this interpreter knows) just work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Invoke, install_rules, write_tree

from celerylint.engine import source
from celerylint.engine.file_pass import MAX_BRACKET_DEPTH, check_file
from celerylint.engine.source import MAX_FILE_BYTES, read_bytes

CELERYLINT = str(Path(sys.executable).parent / "celerylint")
NOT_CHECKED = "; the file was not checked"
GOOD = {"pyproject.toml": "[tool.celerylint]\n", "good.py": "x = 1\nbad()\n"}
GOOD_FINDING = "good.py:2:1: CEL990 `bad()` is called"


def _run(invoke: Invoke, root: Path, *args: str) -> list[str]:
    result = invoke("--select", "CEL990,CEL000", *args, cwd=root)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert result.exit_code == (1 if result.stdout else 0), result.stderr
    return [line.replace(os.sep, "/") for line in result.stdout.splitlines()]


# -- files that cannot be checked: CEL000 --------------------------------------------------

UNCHECKABLE: list[tuple[str, bytes, str]] = [
    (
        "syntax-error",
        b"def broken(:\n    pass\n",
        f"m.py:1:12: CEL000 SyntaxError: invalid syntax{NOT_CHECKED}",
    ),
    (
        "jinja-template",
        b"{% if celery %}\nfrom celery import shared_task\n{% endif %}\n",
        f"m.py:1:2: CEL000 SyntaxError: invalid syntax{NOT_CHECKED}",
    ),
    (
        "python-2",
        b'print "hello"\n',
        "m.py:1:1: CEL000 SyntaxError: Missing parentheses in call to 'print'. "
        f"Did you mean print(...)?{NOT_CHECKED}",
    ),
    (
        "tabs-and-spaces",
        b"if x:\n\tif y:\n        pass\n",
        f"m.py:3:1: CEL000 SyntaxError: inconsistent use of tabs and spaces in indentation"
        f"{NOT_CHECKED}",
    ),
    (
        "unterminated-string",
        b'x = """abc\n',
        "m.py:1:5: CEL000 SyntaxError: unterminated triple-quoted string literal (detected at "
        f"line 1){NOT_CHECKED}",
    ),
    (
        "nul-bytes",
        b"x = 1\x00\n",
        f"m.py:1:1: CEL000 contains NUL bytes (a binary file?){NOT_CHECKED}",
    ),
    (
        "binary",
        bytes(range(256)) * 4,
        f"m.py:1:1: CEL000 contains NUL bytes (a binary file?){NOT_CHECKED}",
    ),
    (
        "invalid-utf8",
        b'x = 1\ny = "\xe9t\xe9"\n',
        f"m.py:2:6: CEL000 is not valid utf-8 (undecodable byte 0xe9){NOT_CHECKED}",
    ),
    (
        "invalid-utf8-on-the-first-line",
        b'x = "\xff\xfe"\n',
        f"m.py:1:6: CEL000 is not valid utf-8 (undecodable byte 0xff){NOT_CHECKED}",
    ),
    (
        "unknown-coding-cookie",
        b"# -*- coding: klingon -*-\nx = 1\n",
        "m.py:1:1: CEL000 has an unusable encoding declaration (unknown encoding: klingon)"
        f"{NOT_CHECKED}",
    ),
    (
        "cookie-contradicts-the-bom",
        b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
        "m.py:1:1: CEL000 has an unusable encoding declaration (encoding problem: utf-8)"
        f"{NOT_CHECKED}",
    ),
    (
        "bytes-the-cookie-cannot-decode",
        b"# coding: ascii\nx = '\xe9'\n",
        f"m.py:2:6: CEL000 is not valid ascii (undecodable byte 0xe9){NOT_CHECKED}",
    ),
    (
        "undecodable-escape",
        b'x = "\\N{NO SUCH NAME}"\n',
        "m.py:1:23: CEL000 SyntaxError: (unicode error) 'unicodeescape' codec can't decode "
        f"bytes in position 0-15: unknown Unicode character name{NOT_CHECKED}",
    ),
    (
        "bad-bytes-escape",
        b'x = b"\\x4"\n',
        f"m.py:1:11: CEL000 SyntaxError: (value error) invalid \\x escape at position 0"
        f"{NOT_CHECKED}",
    ),
]


@pytest.mark.parametrize(
    ("content", "expected"), [p[1:] for p in UNCHECKABLE], ids=[p[0] for p in UNCHECKABLE]
)
def test_uncheckable_file(
    tmp_path: Path, invoke: Invoke, fake_rules: object, content: bytes, expected: str
) -> None:
    write_tree(tmp_path, {**GOOD, "m.py": content})
    assert _run(invoke, tmp_path) == [GOOD_FINDING, expected]


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.py").write_text("bad()\n")  # a directory named x.py is still walked


def _broken_link(path: Path) -> None:
    path.symlink_to(path.parent / "does-not-exist.py")


def _link_loop(path: Path) -> None:
    other = path.with_name("loop_b.py")
    path.symlink_to(other)
    other.symlink_to(path)


def _fifo(path: Path) -> None:
    os.mkfifo(path)  # opening it would block the run forever


def _too_large(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)


FILESYSTEM: list[tuple[str, Callable[[Path], None], list[str]]] = [
    (
        "directory-named-like-a-module",
        _directory,
        [
            "m.py:1:1: CEL000 is a directory, not a Python file",
            "m.py/inside.py:1:1: CEL990 `bad()` is called",
        ],
    ),
    (
        "broken-symlink",
        _broken_link,
        ["m.py:1:1: CEL000 is a broken symbolic link (its target does not exist)"],
    ),
    (
        "symlink-loop",
        _link_loop,
        [
            "loop_b.py:1:1: CEL000 is a symbolic link loop",
            "m.py:1:1: CEL000 is a symbolic link loop",
        ],
    ),
    ("fifo", _fifo, ["m.py:1:1: CEL000 is not a regular file (a pipe, socket or device)"]),
    ("too-large", _too_large, ["m.py:1:1: CEL000 is too large to check (10.0 MiB > 10 MiB)"]),
]


@pytest.mark.parametrize(
    ("make", "expected"), [p[1:] for p in FILESYSTEM], ids=[p[0] for p in FILESYSTEM]
)
def test_unreadable_path(
    tmp_path: Path,
    invoke: Invoke,
    fake_rules: object,
    make: Callable[[Path], None],
    expected: list[str],
) -> None:
    write_tree(tmp_path, GOOD)
    make(tmp_path / "m.py")
    by_path = sorted([GOOD_FINDING, *expected], key=lambda line: line.split(":", 1)[0])
    assert _run(invoke, tmp_path) == by_path
    if (tmp_path / "m.py").is_dir():
        return  # named on the command line, a directory is walked
    # named on the command line, with the good file: the same
    named = _run(invoke, tmp_path, "m.py", "good.py")
    assert [line for line in named if line.startswith("m.py:")] == [
        line for line in expected if line.startswith("m.py:")
    ]
    assert GOOD_FINDING in named


def test_an_unreadable_file_in_process(
    tmp_path: Path, invoke: Invoke, fake_rules: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that fails (permissions, I/O errors) whoever runs the tests, root included."""
    write_tree(tmp_path, {**GOOD, "secret.py": "bad()\n"})
    real_open = open

    def failing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(source, "open", failing_open, raising=False)
    assert _run(invoke, tmp_path) == [
        GOOD_FINDING,
        "secret.py:1:1: CEL000 could not be read: Permission denied",
    ]


def test_an_unreadable_file_for_real(tmp_path: Path) -> None:
    """chmod 000. Root reads such files anyway, so as root the check runs as `nobody`
    (setpriv); without setpriv, root must see the file checked normally instead."""
    root = Path(tempfile.mkdtemp(prefix="celerylint-unreadable-"))  # under /tmp, not 0700
    try:
        root.chmod(0o755)
        write_tree(root, {"pyproject.toml": "[tool.celerylint]\n", "secret.py": "def f(:\n"})
        write_tree(root, {"broken.py": "from celery import shared_task\ndef g(:\n"})
        (root / "secret.py").chmod(0)
        command = [CELERYLINT, "--select", "CEL000", "--exit-zero", "."]
        readable = os.access(root / "secret.py", os.R_OK)
        setpriv = shutil.which("setpriv")
        if readable and setpriv is not None:
            nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
            command = [setpriv, *nobody, *command]
            readable = False
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERYLINT")}
        proc = subprocess.run(
            command, cwd=root, capture_output=True, text=True, env={**env, "HOME": str(root)}
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        secret = (
            f"secret.py:1:7: CEL000 SyntaxError: invalid syntax{NOT_CHECKED}"
            if readable
            else "secret.py:1:1: CEL000 could not be read: Permission denied"
        )
        assert proc.stdout.splitlines() == [
            f"broken.py:2:7: CEL000 SyntaxError: invalid syntax{NOT_CHECKED}",
            secret,
        ]
    finally:
        (root / "secret.py").chmod(0o644)
        shutil.rmtree(root, ignore_errors=True)


def test_read_bytes_reports_every_failure() -> None:
    missing = read_bytes("/nonexistent/dir/x.py")
    assert missing == (None, "could not be read: No such file or directory")


# -- odd files that just work --------------------------------------------------------------

JUST_WORKS: list[tuple[str, bytes, list[str]]] = [
    ("empty", b"", []),
    ("only-whitespace", b"\n\n   \n\t\n", []),
    ("no-final-newline", b"x = 1\nbad()", ["m.py:2:1"]),
    ("utf8-bom", b"\xef\xbb\xbfbad()\n", ["m.py:1:1"]),
    ("bom-and-utf8-cookie", b"\xef\xbb\xbf# coding: utf-8\nbad()\n", ["m.py:2:1"]),
    ("crlf", b"x = 1\r\nbad()\r\n", ["m.py:2:1"]),
    ("mixed-line-endings", b"x = 1\r\ny = 2\nbad()\r\n", ["m.py:3:1"]),
    ("form-feed", b"x = 1\n\x0c\nbad()\n", ["m.py:3:1"]),
    ("latin-1-cookie", b"# -*- coding: latin-1 -*-\nbad('\xe9t\xe9')\n", ["m.py:2:1"]),
    ("non-ascii-identifiers", "café = 1\nbad(café)\n".encode(), ["m.py:2:1"]),
    ("long-line", b"x = [" + b"1, " * 20_000 + b"]\nbad()\n", ["m.py:2:1"]),
    # newer syntax than this interpreter may know: libcst parses Python 3.0-3.14
    ("type-alias-3.12", b"type Vector = list[float]\nbad()\n", ["m.py:2:1"]),
    (
        "pep-695-generics-3.12",
        b"def first[T](xs: list[T]) -> T:\n    return bad(xs)\n\n\nclass Box[T: int, *Ts, **P]:\n"
        b"    pass\n",
        ["m.py:2:12"],
    ),
    ("pep-696-defaults-3.13", b"def f[T = int](x: T) -> T:\n    return bad(x)\n", ["m.py:2:12"]),
    (
        "except-without-parentheses-3.14",
        b"try:\n    pass\nexcept ValueError, TypeError:\n    bad()\n",
        ["m.py:4:5"],
    ),
    ("t-string-3.14", b't = t"hello {name}"\nbad(t)\n', ["m.py:2:1"]),
    ("f-string-nested-quotes-3.12", b'x = f"{d["key"]}"\nbad(x)\n', ["m.py:2:1"]),
    (
        "except-star-3.11",
        b"try:\n    pass\nexcept* ValueError:\n    bad()\n",
        ["m.py:4:5"],
    ),
    ("match", b"match x:\n    case [1, *rest]:\n        bad(rest)\n", ["m.py:3:9"]),
    (
        "deep-but-legal-nesting",
        b"x = " + b"(" * 150 + b"bad()" + b")" * 150 + b"\n",
        ["m.py:1:155"],
    ),
    ("long-operator-chain", b"x = " + b" + ".join([b"1"] * 900) + b"\nbad()\n", ["m.py:2:1"]),
    (
        "long-elif-chain",
        b"if a:\n    pass\n"
        + b"".join(b"elif x%d:\n    pass\n" % i for i in range(500))
        + b"bad()\n",
        ["m.py:1003:1"],
    ),
    ("module-level-await-is-not-a-parse-error", b"await bad()\n", ["m.py:1:7"]),
]


@pytest.mark.parametrize(
    ("content", "found"), [p[1:] for p in JUST_WORKS], ids=[p[0] for p in JUST_WORKS]
)
def test_odd_but_valid_file(
    tmp_path: Path, invoke: Invoke, fake_rules: object, content: bytes, found: list[str]
) -> None:
    write_tree(tmp_path, {**GOOD, "m.py": content})
    expected = sorted([GOOD_FINDING, *(f"{where}: CEL990 `bad()` is called" for where in found)])
    assert _run(invoke, tmp_path) == expected


def test_a_very_large_file(tmp_path: Path, invoke: Invoke, fake_rules: object) -> None:
    """A few MB of generated data module: checked, and fast enough."""
    code = "from celery import shared_task\n\n\n@shared_task\ndef job(x):\n    return x\n\n\n"
    paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20 + "\n"
    data = (
        code
        + 'TEXT = """\n'
        + paragraph * 2000
        + '"""\n'
        + ("# " + "x" * 1000 + "\n") * 400
        + "TABLE = {\n"
        + "".join(f"    'key{i}': ({i}, 'value {i}'),\n" for i in range(2_000))
        + "}\n"
        + "bad()\n"
    )
    assert 2_500_000 < len(data) < MAX_FILE_BYTES
    write_tree(tmp_path, {**GOOD, "m.py": data})
    line = data.count("\n")
    assert _run(invoke, tmp_path) == [GOOD_FINDING, f"m.py:{line}:1: CEL990 `bad()` is called"]


# -- nesting beyond what a parser can take ------------------------------------------------

TOO_DEEP = f"is nested too deeply to parse (too many nested parentheses){NOT_CHECKED}"
TOO_DEEP_FOR_PYTHON = (
    f"is nested too deeply to parse (deeper than Python's parser accepts){NOT_CHECKED}"
)
DEEP: list[tuple[str, bytes, str]] = [
    ("parentheses", b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n", TOO_DEEP),
    ("lists", b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", TOO_DEEP),
    ("calls", b"x = " + b"f(" * 5000 + b")" * 5000 + b"\n", TOO_DEEP),
    ("operator-chain", b"x = " + b"+".join([b"1"] * 100_000) + b"\n", TOO_DEEP_FOR_PYTHON),
    ("attribute-chain", b"x = a" + b".b" * 100_000 + b"\n", TOO_DEEP_FOR_PYTHON),
    ("subscript-chain", b"x = a" + b"[0]" * 100_000 + b"\n", TOO_DEEP_FOR_PYTHON),
    ("not-chain", b"x = " + b"not " * 100_000 + b"a\n", TOO_DEEP_FOR_PYTHON),
    ("unary-chain", b"x = " + b"-" * 100_000 + b"a\n", TOO_DEEP_FOR_PYTHON),
    ("lambda-chain", b"x = " + b"lambda: " * 10_000 + b"a\n", TOO_DEEP_FOR_PYTHON),
    (
        "elif-chain",
        b"if a:\n    pass\n" + b"".join(b"elif x:\n    pass\n" for _ in range(100_000)),
        TOO_DEEP_FOR_PYTHON,
    ),
    # newer syntax than this interpreter knows: only the byte scan guards libcst
    (
        "parentheses-after-new-syntax",
        b"type X = int\nx = " + b"(" * (MAX_BRACKET_DEPTH + 100) + b")" * (MAX_BRACKET_DEPTH + 100),
        TOO_DEEP,
    ),
]


@pytest.mark.parametrize(("content", "reason"), [p[1:] for p in DEEP], ids=[p[0] for p in DEEP])
def test_nesting_too_deep_to_parse(
    tmp_path: Path, invoke: Invoke, fake_rules: object, content: bytes, reason: str
) -> None:
    """libcst's native parser overflows its stack on such input (a segfault that would kill
    the whole run); CPython refuses it too, so it is reported and skipped, quickly."""
    write_tree(tmp_path, {**GOOD, "m.py": content})
    assert _run(invoke, tmp_path) == [GOOD_FINDING, f"m.py:1:1: CEL000 {reason}"]


def test_strings_and_comments_do_not_count_as_nesting() -> None:
    deep_text = b"(" * (MAX_BRACKET_DEPTH * 2)
    data = (
        b"type X = int\n"  # new syntax: the byte scan decides
        b"# " + deep_text + b"\n"
        b's = "' + deep_text + b'"\n'
        b"t = '''" + deep_text + b"\n" + deep_text + b"'''\n"
        b"bad()\n"
    )
    result = check_file("m.py", data, "m", False, [])
    assert not result.diagnostics


# -- the real console script over all of it ------------------------------------------------


def test_every_bad_input_through_the_console_script(tmp_path: Path) -> None:
    """No test rules, default options: each bad file gets its CEL000, the run goes on."""
    files: dict[str, str | bytes] = {"pyproject.toml": "[tool.celerylint]\n"}
    for name, content, _ in UNCHECKABLE:
        files[f"bad/{name.replace('-', '_')}.py"] = content
    for name, content, _ in JUST_WORKS:
        files[f"ok/{name.replace('-', '_').replace('.', '_')}.py"] = content
    for name, content, _ in DEEP[:3]:
        files[f"deep/{name.replace('-', '_')}.py"] = content
    write_tree(tmp_path, files)
    for name, make, _ in FILESYSTEM:
        if name != "too-large":
            make(tmp_path / f"fs_{name.replace('-', '_')}.py")
    proc = subprocess.run(
        [CELERYLINT, "--select", "CEL000", "--output-format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    import json

    findings = json.loads(proc.stdout)
    reported = {os.path.relpath(d["filename"], tmp_path).replace(os.sep, "/") for d in findings}
    # the same message and position as when the file is analysed in full (test rules on)
    by_file = {
        os.path.relpath(d["filename"], tmp_path).replace(os.sep, "/"): (
            f"{d['location']['row']}:{d['location']['column']}: CEL000 {d['message']}"
        )
        for d in findings
    }
    for name, _, expected_line in UNCHECKABLE:
        assert by_file[f"bad/{name.replace('-', '_')}.py"] == expected_line.split(":", 1)[1], name
    expected = {
        *(f"bad/{name.replace('-', '_')}.py" for name, _, _ in UNCHECKABLE),
        *(f"deep/{name.replace('-', '_')}.py" for name, _, _ in DEEP[:3]),
        *(f"fs_{name.replace('-', '_')}.py" for name, _, _ in FILESYSTEM if name != "too-large"),
        "loop_b.py",
    }
    assert reported == expected


def test_a_crashing_rule_in_a_real_process(tmp_path: Path) -> None:
    """The file and the rule are named on stderr, other findings are still reported, the
    exit code is 2, and no traceback is printed."""
    write_tree(
        tmp_path, {"pyproject.toml": "[tool.celerylint]\n", "a.py": "x = 1\n", "b.py": "def f(:\n"}
    )
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import pytest\n"
        "from conftest import CRASHING_RULES, install_rules\n"
        "mp = pytest.MonkeyPatch()\n"
        "install_rules(mp, CRASHING_RULES)\n"
        "from celerylint.cli import main\n"
        "main(['--select', 'CEL995,CEL000', '.'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2
    assert proc.stdout == f"b.py:1:7: CEL000 SyntaxError: invalid syntax{NOT_CHECKED}\n"
    assert "Traceback" not in proc.stderr
    assert (
        "celerylint: internal error: rule CEL995 failed on a.py: ZeroDivisionError: the test "
        "rule always fails" in proc.stderr
    )


def test_an_engine_bug_on_one_file_does_not_abort_the_run(
    tmp_path: Path, invoke: Invoke, fake_rules: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a rule: the engine itself fails on a file. The file gets a CEL000 (it is not
    silently lost), the others are checked, and the exit code is 2 (an internal error)."""
    from celerylint.engine import phase_one

    real_check = phase_one.check_file

    def failing_check(path: str, *args: object, **kwargs: object) -> object:
        if path.endswith("victim.py"):
            raise AssertionError("an engine bug")
        return real_check(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(phase_one, "check_file", failing_check)
    write_tree(tmp_path, {**GOOD, "victim.py": "bad()\n"})
    result = invoke("--select", "CEL990,CEL000", "--no-cache", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        GOOD_FINDING,
        "victim.py:1:1: CEL000 internal error while checking: AssertionError: an engine bug",
    ]
    assert result.stderr.splitlines()[0] == (
        "celerylint: internal error: the engine pass failed on victim.py: AssertionError: an "
        "engine bug (please report this bug; findings in this file may be missing)"
    )
    assert "Traceback" not in result.stderr


def test_install_rules_is_importable() -> None:
    assert callable(install_rules)
