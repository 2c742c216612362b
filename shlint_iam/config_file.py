"""Finding and reading the configuration file, and merging the command line over it.

Discovery (like Ruff): from the starting directory (the current one, or the directory of
``--stdin-filename``) up to the file-system root, the first directory that holds a
``.shlint-iam.toml`` (top-level keys) or a ``pyproject.toml`` with a ``[tool.shlint-iam]`` table
wins; ``.shlint-iam.toml`` wins over ``pyproject.toml`` in one directory, and a ``pyproject.toml``
without the table is skipped. ``--config FILE`` replaces discovery. There is no merging: the
nearest file is the whole configuration.

Every error names the file and the 1-based line of the offending key or value.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .config import Config, ConfigError
from .lazyre import lazy
from .model import Severity

if TYPE_CHECKING:
    from .registry import Registry


def _toml() -> Any:
    """The TOML parser, imported when a configuration file is read (not for a run without one)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib

DOTFILE = ".shlint-iam.toml"
PYPROJECT = "pyproject.toml"
TABLE = ("tool", "shlint-iam")

# key -> kind of value
_KEYS: dict[str, str] = {
    "select": "codes",
    "ignore": "codes",
    "extend-select": "codes",
    "per-file-ignores": "per-file-ignores",
    "exclude": "strings",
    "invoker-service-accounts": "strings",
    "required-resources": "strings",
    "default-region": "string",
    "severity": "severity",
    "plugins": "strings",
    "source-path": "strings",
    "respect-gitignore": "bool",
    "force-exclude": "bool",
    "cache-dir": "string",
}


# -- discovery ---------------------------------------------------------------------------------


def find_config_file(start: Path | None = None) -> Path | None:
    """The nearest configuration file at or above ``start`` (default: the current directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        dotfile = folder / DOTFILE
        if _is_file(dotfile):
            return dotfile
        pyproject = folder / PYPROJECT
        if _is_file(pyproject) and _has_table(pyproject):
            return pyproject
    return None


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False also for a folder we may not look into (its files are reported
    as unreadable where they are linted)."""
    try:
        return path.is_file()
    except OSError:
        return False


# Where a [tool.shlint-iam] table can come from in TOML: a header or dotted key naming
# tool.shlint-iam (bare or quoted, spaces around the dot), a [tool] header (the table's keys
# under it), or an inline table at the top (`tool = {...}`). A pyproject.toml with none of these
# holds no such table, whatever else says "shlint-iam" (the project's own name, a dependency, a
# console script): it is not parsed (tomllib's import, its regular expressions and the parse cost
# more than the rest of an on-save lint's configuration). Keys spelled with escapes
# ("shlint\u002diam") are not recognised.
_MAY_HOLD_TABLE = lazy(
    r"""tool["']?[ \t]*\.[ \t]*["']?shlint-iam"""
    r"""|^[ \t]*\[[ \t]*["']?tool["']?[ \t]*\]"""
    r"""|^[ \t]*["']?tool["']?[ \t]*=""",
    re.MULTILINE,
)


def _has_table(pyproject: Path) -> bool:
    try:
        text = _read(pyproject)
    except ConfigError:
        return False
    if "shlint-iam" not in text or not _MAY_HOLD_TABLE().search(text):
        return False
    data = _parse(pyproject, text)
    tool = data.get("tool")
    return isinstance(tool, dict) and TABLE[1] in tool


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The configuration for a run: ``explicit`` (``--config``) or the nearest file found from
    ``start``; the built-in defaults when there is none."""
    if explicit is not None:
        path = explicit
        if not path.exists():  # (/dev/null is fine: an empty configuration)
            raise ConfigError(f"{_show(path)}: configuration file not found")
        in_pyproject = path.name == PYPROJECT
    else:
        found = find_config_file(start)
        if found is None:
            return Config()
        path = found
        in_pyproject = path.name == PYPROJECT
    text = _read(path)
    data = _parse(path, text)
    if in_pyproject:
        tool = data.get("tool", {})
        table = tool.get(TABLE[1]) if isinstance(tool, dict) else None
        if table is None:
            # An explicit pyproject without our table: defaults, but globs relative to it.
            return Config(path=path, root=path.resolve().parent)
        if not isinstance(table, dict):
            line = _Lines(text, ()).key(TABLE)
            raise ConfigError(f"{_show(path)}:{line}: [tool.shlint-iam] must be a table")
        prefix: tuple[str, ...] = TABLE
    else:
        table = data
        prefix = ()
    return _build(path, text, table, prefix)


# -- reading -----------------------------------------------------------------------------------


def _show(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _read(path: Path) -> str:
    """A configuration file's text: regular files only (a FIFO or a device such as /dev/zero
    could hang or exhaust memory; /dev/null reads as an empty configuration), at most
    MAX_CONFIG_BYTES."""
    from .files import MAX_CONFIG_BYTES, TooLarge, read_regular

    try:
        if _is_devnull(path):
            return ""
        return read_regular(path, MAX_CONFIG_BYTES).decode("utf-8", "replace")
    except TooLarge as exc:
        raise ConfigError(f"{_show(path)}: cannot read: configuration file {exc.strerror}") from None
    except OSError as exc:
        raise ConfigError(f"{_show(path)}: cannot read: {exc.strerror or exc}") from None


def _is_devnull(path: Path) -> bool:
    try:
        return os.path.samefile(path, os.devnull)
    except OSError:
        return False


_AT_LINE = lazy(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = lazy(r"\s*\(at end of document\)\s*$")


# The last file parsed: discovery parses a pyproject.toml to see whether it holds our table,
# and loading it then reads the same text again (parsed once; the data is only read).
_last_parsed: tuple[str, str, dict[str, Any]] | None = None


def _parse(path: Path, text: str) -> dict[str, Any]:
    global _last_parsed
    if _last_parsed is not None and _last_parsed[0] == str(path) and _last_parsed[1] == text:
        return _last_parsed[2]
    data = _parse_toml(path, text)
    _last_parsed = (str(path), text, data)
    return data


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    tomllib = _toml()
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib recurses per level of nested arrays and inline tables
        raise ConfigError(f"{_show(path)}: invalid TOML: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None)
        m = _AT_LINE().search(message)
        if m:
            line = line or int(m.group(1))
            message = message[: m.start()] + f" (column {m.group(2)})"
        elif _AT_END().search(message):
            line = line or text.count("\n") + 1
            message = _AT_END().sub(" (at end of file)", message)
        raise ConfigError(f"{_show(path)}:{line or 1}: invalid TOML: {message}") from None


# -- building the Config -----------------------------------------------------------------------


def _builtin_codes() -> set[str]:
    from .registry import builtin_rules

    return {r.code for r in builtin_rules()}


def _is_known_selector(selector: str, codes: Iterable[str]) -> bool:
    sel = selector.strip().upper()
    return sel == "ALL" or any(code.startswith(sel) for code in codes)


def _build(path: Path, text: str, table: dict[str, Any], prefix: tuple[str, ...]) -> Config:
    lines = _Lines(text, prefix)
    shown = _show(path)
    where = " in [tool.shlint-iam]" if prefix else ""

    def fail(line: int, message: str) -> ConfigError:
        return ConfigError(f"{shown}:{line}: {message}")

    for name in table:
        if name not in _KEYS:
            import difflib

            close = difflib.get_close_matches(name, list(_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(lines.key((name,)), f"unknown key {name!r}{where}{hint}")

    plugins = _strings(table, "plugins", lines, fail)
    codes = _builtin_codes()
    deferred: list[tuple[str, str, int]] = []

    def check_code(key: tuple[str, ...], code: str, *, exact: bool, line: int | None = None) -> str:
        upper = code.strip().upper()
        if not upper:
            raise fail(line or lines.key(key), f"empty rule code in {key[0]!r}")
        if exact:
            known = upper in codes or upper == "ALL"
        else:
            known = _is_known_selector(upper, codes)
        if not known:
            where_line = line or lines.value(key, code)
            if not plugins:
                kind = "rule code" if exact else "rule code or prefix"
                raise fail(where_line, f"unknown {kind} {code!r} in {key[0]!r}")
            deferred.append((key[0], upper, where_line))
        return upper

    config = Config(path=path, root=path.resolve().parent)
    if "select" in table:
        selected = _strings(table, "select", lines, fail)
        config.select = [check_code(("select",), c, exact=False) for c in selected]
    config.ignore = [check_code(("ignore",), c, exact=False) for c in _strings(table, "ignore", lines, fail)]
    config.extend_select = [
        check_code(("extend-select",), c, exact=False) for c in _strings(table, "extend-select", lines, fail)
    ]
    config.exclude = _strings(table, "exclude", lines, fail)
    for glob in config.exclude:
        _check_glob(glob, "exclude", lines.value(("exclude",), glob), fail)
    config.invoker_service_accounts = [
        _service_account(a, lines.value(("invoker-service-accounts",), a), fail)
        for a in _strings(table, "invoker-service-accounts", lines, fail)
    ]
    config.required_resources = _strings(table, "required-resources", lines, fail)
    positions = lines.values(("required-resources",), config.required_resources)
    config.required_resource_lines = {name: line for name, (line, _) in positions.items()}
    config.required_resource_columns = {name: col for name, (_, col) in positions.items() if col is not None}
    config.plugins = plugins
    # Relative to the configuration file's folder, like every other path in it.
    config.source_path = [config.root / folder for folder in _strings(table, "source-path", lines, fail)]

    if "cache-dir" in table:
        folder = table["cache-dir"]
        if not isinstance(folder, str) or not folder.strip():
            raise fail(lines.key(("cache-dir",)), "'cache-dir' must be a non-empty string (a folder)")
        config.cache_dir = config.root / folder

    if "default-region" in table:
        region = table["default-region"]
        if not isinstance(region, str) or not region.strip():
            raise fail(lines.key(("default-region",)), "'default-region' must be a non-empty string")
        config.default_region = region.strip()
        from .gcloud.regions import REGIONS

        if config.default_region not in REGIONS:
            import difflib

            close = difflib.get_close_matches(config.default_region, list(REGIONS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(
                lines.key(("default-region",)),
                f"'default-region' {config.default_region!r} is not a Cloud Run / Cloud Functions region{hint}",
            )

    for flag in ("respect-gitignore", "force-exclude"):
        if flag in table:
            if not isinstance(table[flag], bool):
                raise fail(lines.key((flag,)), f"{flag!r} must be true or false")
            setattr(config, flag.replace("-", "_"), table[flag])

    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise fail(lines.key(("per-file-ignores",)), "'per-file-ignores' must be a table of glob = [codes]")
    for glob, values in pfi.items():
        key = ("per-file-ignores", glob)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise fail(lines.key(key), f"per-file-ignores {glob!r} must be a list of rule codes")
        _check_glob(glob, "per-file-ignores", lines.key(key), fail)
        config.per_file_ignores[glob] = [check_code(key, v, exact=False) for v in values]

    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        raise fail(
            lines.key(("severity",)), "'severity' must be a table of CODE = \"error\"|\"warning\"|\"info\""
        )
    for code, value in sev.items():
        key = ("severity", code)
        upper = check_code(key, code, exact=True, line=lines.key(key))
        if upper == "ALL":
            raise fail(lines.key(key), "'severity' takes rule codes such as IAM001, not 'ALL'")
        if not isinstance(value, str):
            raise fail(lines.key(key), f"severity of {code} must be \"error\", \"warning\" or \"info\"")
        try:
            config.severity[upper] = Severity.parse(value)
        except ValueError:
            raise fail(
                lines.key(key), f"unknown severity {value!r} for {code} (expected error, warning or info)"
            ) from None

    config.unverified_codes = deferred
    return config


def _check_glob(glob: str, key: str, line: int, fail: Any) -> None:
    """A glob with a ``[`` that no ``]`` closes can never match what it was meant to: an error."""
    index = 0
    while index < len(glob):
        if glob[index] == "[":
            # fnmatch: a class is `[...]`, where a `]` right after `[` or `[!` is part of it.
            end = index + 1
            if end < len(glob) and glob[end] == "!":
                end += 1
            if end < len(glob) and glob[end] == "]":
                end += 1
            close = glob.find("]", end)
            if close == -1:
                raise fail(line, f"glob {glob!r} in {key!r} has a '[' that is never closed")
            index = close
        index += 1


def _service_account(entry: str, line: int, fail: Any) -> str:
    """An ``invoker-service-accounts`` entry as an e-mail address: ``serviceAccount:EMAIL`` (the
    IAM member form) is accepted and normalised; other member kinds are not service accounts."""
    text = entry.strip()
    kind, sep, rest = text.partition(":")
    if sep:
        if kind.lower() != "serviceaccount":
            raise fail(
                line,
                f"'invoker-service-accounts' takes service account e-mails (or serviceAccount:EMAIL), not {entry!r}",
            )
        text = rest.strip()
    if "@" not in text or text.startswith("@") or text.endswith("@"):
        raise fail(line, f"'invoker-service-accounts' entry {entry!r} is not a service account e-mail address")
    return text.lower()


def _strings(table: dict[str, Any], key: str, lines: _Lines, fail: Any) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(lines.key((key,)), f"{key!r} must be a list of strings")
    return list(value)


# -- the line of a key or value ----------------------------------------------------------------

_HEADER = lazy(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_PART = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY_LINE = lazy(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


_QUOTED = lazy(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')


class _Lines:
    """Locates keys and values in the TOML text by scanning it (tomllib gives no positions)."""

    def __init__(self, text: str, prefix: tuple[str, ...]) -> None:
        self.lines = text.split("\n")
        self.prefix = prefix
        # full key path -> (line, index of the character after '=') for `key = ...` lines,
        # and header path -> line for `[table]` lines.
        self.keys: dict[tuple[str, ...], tuple[int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            header = _HEADER().match(line) if stripped.startswith("[") else None
            if header:
                table = _split_key(header.group(1))
                self.keys.setdefault(table, (number, len(line)))
                continue
            m = _KEY_LINE().match(line)
            if m:
                self.keys.setdefault(table + _split_key(m.group(1)), (number, m.end()))

    def key(self, key: tuple[str, ...]) -> int:
        """The line where ``key`` (relative to the configuration table) is defined."""
        full = self.prefix + key
        if full in self.keys:
            return self.keys[full][0]
        # Inside an inline table: `severity = { IAM001 = "x" }` or a dotted `severity.IAM001`.
        for cut in range(len(full) - 1, len(self.prefix) - 1, -1):
            parent = full[:cut]
            if parent in self.keys:
                number, col = self.keys[parent]
                rest = full[cut:]
                hit = self._search(rest[-1], number, col, as_key=True)
                return hit or number
        if self.prefix in self.keys:
            return self.keys[self.prefix][0]
        return 1

    def value(self, key: tuple[str, ...], value: str) -> int:
        """The line of the string ``value`` in the array at ``key``."""
        start = self.key(key)
        col = self.keys.get(self.prefix + key, (start, 0))[1]
        hit = self._search(value, start, col, as_key=False) or start
        return hit

    def values(self, key: tuple[str, ...], values: list[str]) -> dict[str, tuple[int, int | None]]:
        """The line and 0-based column (of the opening quote; None when not found) of each string
        of ``values`` in the array at ``key``, in one scan of the array (``value`` for each
        would cost the array's length squared: 20,000 entries took 26 s)."""
        start = self.key(key)
        col = self.keys.get(self.prefix + key, (start, 0))[1]
        wanted = set(values)
        found: dict[str, tuple[int, int | None]] = {}
        depth = 0
        opened = False
        for index in range(start - 1, len(self.lines)):
            offset = col if index == start - 1 else 0
            line = self.lines[index][offset:]
            line = line.split(" #", 1)[0]
            for m in _QUOTED().finditer(line):
                word = m.group(1) if m.group(1) is not None else m.group(2)
                if word in wanted:
                    found.setdefault(word, (index + 1, offset + m.start()))
            depth += sum(line.count(c) for c in "[{") - sum(line.count(c) for c in "]}")
            opened = opened or any(c in line for c in "[{")
            if depth <= 0 and (opened or index == start - 1):
                break
        return {value: found.get(value, (start, None)) for value in values}

    def _search(self, word: str, number: int, col: int, *, as_key: bool) -> int | None:
        """The first line from ``number`` (from column ``col`` on it) that holds ``word`` (as a
        quoted string, or as a key when ``as_key``) before the array or inline table that starts
        there is closed."""
        alternatives = [f'"{word}"', f"'{word}'"] + ([word] if as_key else [])
        body = "|".join(re.escape(a) for a in alternatives)
        pattern = re.compile(rf"(?:^|[{{,\s.])(?:{body})\s*[=.]" if as_key else body)
        depth = 0
        opened = False
        for index in range(number - 1, len(self.lines)):
            line = self.lines[index][col:] if index == number - 1 else self.lines[index]
            line = line.split(" #", 1)[0]
            if pattern.search(line):
                return index + 1
            for char in line:
                if char in "[{":
                    depth += 1
                    opened = True
                elif char in "]}":
                    depth -= 1
            if depth <= 0 and (opened or index == number - 1):
                break
        return None


# -- the command line over the file ------------------------------------------------------------


def merge_cli(
    config: Config,
    registry: Registry,
    select: list[str] | None,
    ignore: list[str],
    extend_select: list[str],
) -> Config:
    """Apply ``--select/--ignore/--extend-select`` over the file's selection, Ruff style: the
    command line is a later layer, so ``--select`` replaces the file's whole selection, and
    ``--extend-select``/``--ignore`` win over the file's ``ignore``/``select``. The result is
    stored as an explicit ``select`` list of codes."""
    registry.check_selectors(select or [], "--select")
    registry.check_selectors(ignore, "--ignore")
    registry.check_selectors(extend_select, "--extend-select")
    if select is None and not ignore and not extend_select:
        return config
    if select is not None:
        on = {r.code for sel in select for r in registry.matching(sel)}
    else:
        on = {r.code for r in registry.enabled(config)}
    on |= {r.code for sel in extend_select for r in registry.matching(sel)}
    on -= {r.code for sel in ignore for r in registry.matching(sel)}
    config.select = sorted(on)
    config.extend_select = []
    config.ignore = []
    return config


# -- the configuration of each file --------------------------------------------------------------

_T = TypeVar("_T")


class Resolver(Generic[_T]):
    """The configuration each linted file gets, like Ruff: the nearest configuration file above
    the file (walking up from its folder), or ``--config`` for every file; ``build`` turns a
    loaded Config into what the caller needs (the CLI layers its options over it and makes a
    Linter). One ``build`` per configuration file, cached."""

    def __init__(self, explicit: Path | None, build: Callable[[Config], _T]) -> None:
        self.explicit = explicit
        self.build = build
        self._by_dir: dict[str, _T] = {}
        self._by_file: dict[str, _T] = {}
        self._fixed: _T | None = build(load_config(explicit)) if explicit is not None else None

    def for_directory(self, folder: Path | str) -> _T:
        if self._fixed is not None:
            return self._fixed
        key = os.path.abspath(folder)
        hit = self._by_dir.get(key)
        if hit is None:
            found = find_config_file(Path(key))
            file_key = str(found) if found else ""
            hit = self._by_file.get(file_key)
            if hit is None:
                hit = self.build(load_config(found) if found else load_config(None, start=Path(key)))
                self._by_file[file_key] = hit
            self._by_dir[key] = hit
        return hit

    def for_file(self, path: Path | str) -> _T:
        return self.for_directory(os.path.dirname(os.path.abspath(path)))

    def all(self) -> list[_T]:
        """Every value built so far (each configuration once)."""
        values = list(self._by_file.values())
        return values + ([self._fixed] if self._fixed is not None else [])
