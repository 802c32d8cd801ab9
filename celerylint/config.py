"""``[tool.celerylint]`` in pyproject.toml -> a validated, typed ``Settings``.

Every problem is a ``ConfigError`` with one line naming the file, the key and what is
expected; the CLI prints it and exits 2.

Each file uses its nearest configuration (``ConfigResolver``), as ruff does: the nearest
``pyproject.toml`` upward from the file's directory that has ``[tool.celerylint]``. A
configuration may inherit another with ``extend = "../pyproject.toml"`` (relative to the
file that says it): its own keys override the inherited ones (``options`` per rule and
option), and the relative patterns of an inherited file (``exclude``, ``extend-exclude``,
``per-file-ignores``, ``src``) stay relative to the directory of the file that sets them.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from celerylint.selection import SelectorError, validate_selector
from celerylint.settings import Settings as Settings


class ConfigError(Exception):
    pass


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_LIST = ("a list of strings", _is_str_list)
_BOOL = ("true or false", lambda v: isinstance(v, bool))
_STR = ("a string", lambda v: isinstance(v, str))
_TABLE = ("a table", lambda v: isinstance(v, dict))

#: key -> (what is expected, check)
KEYS: dict[str, tuple[str, typing.Callable[[object], bool]]] = {
    "extend": _STR,
    "select": _LIST,
    "extend-select": _LIST,
    "ignore": _LIST,
    "per-file-ignores": _TABLE,
    "exclude": _LIST,
    "extend-exclude": _LIST,
    "src": _LIST,
    "respect-gitignore": _BOOL,
    "options": _TABLE,
    # project model (settings classification, routing, versions)
    "production-settings": _LIST,
    "test-settings": _LIST,
    "celery-version": _STR,
    "strict-routing": _BOOL,
}


def _suggest(key: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml upward from ``start`` that has ``[tool.celerylint]``,
    else the nearest pyproject.toml at all."""
    start = start if start.is_dir() else start.parent
    first_any: Path | None = None
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return candidate  # let load_settings report the problem
            tool = data.get("tool")
            if isinstance(tool, dict) and "celerylint" in tool:
                return candidate
            first_any = first_any or candidate
    return first_any


def _read_section(config_path: Path, where: str | None = None) -> dict[str, Any]:
    """The ``[tool.celerylint]`` table of ``config_path`` (empty when it has none).
    ``where`` names the problem's origin when it is not the file itself (an ``extend``)."""
    name = where or str(config_path)
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{name}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{name}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read config file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: config file is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: invalid TOML ({exc})") from None
    tool = data.get("tool", {})
    section = tool.get("celerylint", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise ConfigError(f"{config_path}: [tool.celerylint] must be a table")
    return section


def _extend_chain(config_path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """``config_path`` and the files it inherits through ``extend``, nearest first."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    seen: set[str] = set()
    path, where = config_path, None
    while True:
        seen.add(os.path.normcase(os.path.realpath(path)))
        section = _read_section(path, where)
        chain.append((path, section))
        target = section.get("extend")
        if target is None:
            return chain
        if not isinstance(target, str):
            raise ConfigError(
                f"{path}: [tool.celerylint] `extend` must be a string, got {_toml_type(target)}"
            )
        base = Path(os.path.abspath(path.parent / os.path.expanduser(target)))
        label = f"{path}: [tool.celerylint] `extend`"
        if os.path.normcase(os.path.realpath(base)) in seen:
            raise ConfigError(f"{label}: {base} extends this file again (a loop)")
        if not base.is_file():
            raise ConfigError(f"{label}: {base}: config file not found")
        path, where = base, f"{label}: {base}"


def load_settings(
    config_path: Path | None, default_root: Path, rule_codes: Sequence[str]
) -> Settings:
    if config_path is None:
        return Settings(root=Path(os.path.abspath(default_root)))
    chain = _extend_chain(config_path)
    settings: Settings | None = None
    for path, section in reversed(chain):  # the farthest base first
        own = settings_from_table(section, path, rule_codes)
        settings = own if settings is None else _inherit(settings, own, section)
    assert settings is not None
    return dataclasses.replace(settings, extends=tuple(path for path, _ in chain[1:]))


#: ``[tool.celerylint]`` key -> the ``Settings`` field it sets
_FIELDS = {
    "per-file-ignores": "per_file_ignores",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "src": "src",
    "respect-gitignore": "respect_gitignore",
}


def anchor_pattern(pattern: str, directory: Path) -> str:
    """A path pattern of the configuration in ``directory``, made absolute so that it keeps
    meaning the same files in a configuration that inherits it from elsewhere. Plain names
    (``migrations``) and ``**/`` patterns match anywhere and stay as they are."""
    bare = pattern.removeprefix("./").rstrip("/")
    if "/" not in bare or pattern.startswith("**/") or os.path.isabs(pattern):
        return pattern
    return f"{directory.as_posix()}/{pattern.removeprefix('./')}"


def _inherit(base: Settings, own: Settings, section: Mapping[str, Any]) -> Settings:
    """``own`` (from ``section``) over the ``base`` it extends: a key set in ``own``
    replaces the inherited value, except the rule selection, which is layered."""
    if base.root != own.root:
        base = dataclasses.replace(
            base,
            exclude=tuple(anchor_pattern(p, base.root) for p in base.exclude),
            extend_exclude=tuple(anchor_pattern(p, base.root) for p in base.extend_exclude),
            per_file_ignores=tuple(
                (anchor_pattern(p, base.root), codes) for p, codes in base.per_file_ignores
            ),
        )
    changes: dict[str, Any] = {
        attr: getattr(own if key in section else base, attr) for key, attr in _FIELDS.items()
    }
    options = dict(base.rule_options)
    from celerylint.rules import rule_lookup

    for key, values in section.get("options", {}).items():
        rule = rule_lookup(key)
        assert rule is not None  # validated by settings_from_table
        mine = own.rule_options[rule.code]
        inherited = options.get(rule.code)
        if inherited is None:
            options[rule.code] = mine
        else:
            names = [k.replace("-", "_") for k in values]
            options[rule.code] = dataclasses.replace(
                inherited, **{n: getattr(mine, n) for n in names}
            )
    layers = (*base.inherited_selection, (base.select, base.extend_select, base.ignore))
    return dataclasses.replace(
        own,
        **changes,
        rule_options=options,
        extra={**base.extra, **own.extra},
        inherited_selection=layers,
    )


class ConfigResolver:
    """The configuration of each file: its nearest one (``find_config`` from the file's
    directory, as ruff does), or ``override`` (``--config``) for every file. Lookups are
    cached per directory and loaded settings per configuration file, so every file of a
    directory costs one dictionary lookup."""

    def __init__(
        self,
        rule_codes: Sequence[str],
        default_root: Path,
        override: Path | None = None,
        adjust: typing.Callable[[Settings], Settings] | None = None,
    ) -> None:
        self.rule_codes = list(rule_codes)
        self.default_root = Path(os.path.abspath(default_root))
        self.override = override  # as given: messages name it so
        self.adjust = adjust  # command-line changes (``--no-respect-gitignore``)
        self._configs: dict[str, Path | None] = {}
        self._upward: dict[str, tuple[Path | None, Path | None]] = {}
        self._settings: dict[Path | None, Settings] = {}

    def config_for(self, path: Path | str) -> Path | None:
        """The configuration file for ``path`` (a file: its directory's; a directory: its
        own), None when there is none."""
        if self.override is not None:
            return self.override
        start = os.path.abspath(path)
        if not os.path.isdir(start):
            start = os.path.dirname(start)
        if start not in self._configs:
            own, nearest_any = self._nearest(start)
            self._configs[start] = own or nearest_any
        return self._configs[start]

    def _nearest(self, directory: str) -> tuple[Path | None, Path | None]:
        """(nearest pyproject.toml with ``[tool.celerylint]``, nearest at all), upward from
        ``directory``: ``find_config``, memoized per directory."""
        found = self._upward.get(directory)
        if found is None:
            parent = os.path.dirname(directory)
            above = self._nearest(parent) if parent != directory else (None, None)
            candidate = Path(directory, "pyproject.toml")
            own: Path | None = None
            if candidate.is_file():
                try:
                    data = tomllib.loads(candidate.read_text(encoding="utf-8"))
                    configures = isinstance(data.get("tool"), dict) and "celerylint" in data["tool"]
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                    configures = True  # let load_settings report the problem
                own = candidate if configures else None
                found = (own, None) if own is not None else (above[0], candidate)
            else:
                found = above
            self._upward[directory] = found
        return found

    def settings(self, config: Path | None) -> Settings:
        """The settings of one configuration file (None: the defaults)."""
        found = self._settings.get(config)
        if found is None:
            found = load_settings(config, self.default_root, self.rule_codes)
            if self.adjust is not None:
                found = self.adjust(found)
            self._settings[config] = found
        return found

    def settings_for(self, path: Path | str) -> Settings:
        return self.settings(self.config_for(path))

    def starts_other_project(self, directory: str, config: Path | None) -> bool:
        """Whether ``directory`` (holding a ``pyproject.toml``) has a ``[tool.celerylint]``
        configuration other than ``config``: its files belong to that configuration's
        project. A ``pyproject.toml`` that does not configure celerylint never splits a
        walk (the project keeps the evidence of every file under it)."""
        if self.override is not None:
            return False
        own = self.own_config(directory)
        return own is not None and own != config

    def own_config(self, directory: str) -> Path | None:
        """The nearest ``pyproject.toml`` with ``[tool.celerylint]`` at or above
        ``directory`` (None when there is none)."""
        return self._nearest(os.path.abspath(directory))[0]


def settings_from_table(
    section: Mapping[str, Any], config_path: Path, rule_codes: Sequence[str]
) -> Settings:
    where = f"{config_path}: [tool.celerylint]"
    for key, value in section.items():
        if key not in KEYS:
            raise ConfigError(f"{where} unknown key `{key}`{_suggest(key, list(KEYS))}")
        expected, check = KEYS[key]
        if not check(value):
            raise ConfigError(f"{where} `{key}` must be {expected}, got {_toml_type(value)}")

    def selectors(key: str) -> tuple[str, ...]:
        out = []
        for sel in section.get(key, []):
            try:
                out.append(validate_selector(sel, rule_codes))
            except SelectorError as exc:
                raise ConfigError(f"{where} `{key}`: {exc}") from None
        return tuple(out)

    per_file: list[tuple[str, tuple[str, ...]]] = []
    for pattern, codes in section.get("per-file-ignores", {}).items():
        if not _is_str_list(codes):
            raise ConfigError(
                f"{where} `per-file-ignores` entry `{pattern}` must be a list of rule codes, "
                f"got {_toml_type(codes)}"
            )
        checked = []
        for code in codes:
            try:
                checked.append(validate_selector(code, rule_codes))
            except SelectorError as exc:
                raise ConfigError(f"{where} `per-file-ignores` entry `{pattern}`: {exc}") from None
        per_file.append((pattern, tuple(checked)))

    # absolute but not resolved: discovered files keep the path the user gave (through any
    # symbolic link), and relative patterns must be matched against that same path
    root = Path(os.path.abspath(config_path.parent))
    src = section.get("src")
    options = parse_rule_options(section.get("options", {}), where)
    extra = {
        k: v
        for k, v in section.items()
        if k in {"production-settings", "test-settings", "celery-version", "strict-routing"}
    }
    return Settings(
        root=root,
        config_path=config_path,
        select=selectors("select") if "select" in section else None,
        extend_select=selectors("extend-select"),
        ignore=selectors("ignore"),
        per_file_ignores=tuple(per_file),
        exclude=tuple(section.get("exclude", ())),
        extend_exclude=tuple(section.get("extend-exclude", ())),
        src=tuple(Path(os.path.abspath(root / s)) for s in src) if src is not None else None,
        respect_gitignore=section.get("respect-gitignore", True),
        rule_options=options,
        extra=extra,
    )


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, int | float):
        return f"number `{value}`"
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def parse_rule_options(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``[tool.celerylint.options.<rule name or code>]`` -> {code: options dataclass}."""
    from celerylint.rules import all_rules, rule_lookup

    parsed: dict[str, Any] = {}
    for key, values in table.items():
        rule = rule_lookup(key)
        if rule is None:
            names = [r.name for r in all_rules()] + [r.code for r in all_rules()]
            raise ConfigError(f"{where} `options`: unknown rule `{key}`{_suggest(key, names)}")
        if rule.options_class is None:
            raise ConfigError(f"{where} `options.{key}`: rule {rule.code} has no options")
        if not isinstance(values, dict):
            raise ConfigError(f"{where} `options.{key}` must be a table, got {_toml_type(values)}")
        parsed[rule.code] = build_options(rule.options_class, values, f"{where} `options.{key}`")
    return parsed


def build_options(options_class: type[Any], values: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(options_class)
    fields = {f.name.replace("_", "-"): f.name for f in dataclasses.fields(options_class)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        attr = fields.get(key)
        if attr is None:
            raise ConfigError(f"{where}: unknown option `{key}`{_suggest(key, list(fields))}")
        expected = hints[attr]
        if not _matches_type(value, expected):
            raise ConfigError(
                f"{where}: `{key}` must be {_describe(expected)}, got {_toml_type(value)}"
            )
        kwargs[attr] = tuple(value) if isinstance(value, list) else value
    return options_class(**kwargs)


def _matches_type(value: object, expected: Any) -> bool:
    origin = typing.get_origin(expected)
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is str:
        return isinstance(value, str)
    if origin is typing.Literal:
        return any(type(value) is type(choice) and value == choice for choice in expected.__args__)
    if origin in (tuple, list):
        return _is_str_list(value)
    return False


def _describe(expected: Any) -> str:
    if expected is bool:
        return "true or false"
    if expected is int:
        return "an integer"
    if expected is float:
        return "a number"
    if expected is str:
        return "a string"
    if typing.get_origin(expected) is typing.Literal:
        return "one of " + ", ".join(
            f'"{c}"' if isinstance(c, str) else str(c) for c in expected.__args__
        )
    return "a list of strings"
