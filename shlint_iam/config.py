"""Settings: the ``[tool.shlint-iam]`` table (or ``.shlint-iam.toml``) merged with CLI options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .model import Severity


class ConfigError(Exception):
    """A configuration or usage problem; the CLI prints it and exits with 2."""


@dataclass
class Config:
    select: list[str] | None = None  # None: every rule that is on by default
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    invoker_service_accounts: list[str] = field(default_factory=list)
    required_resources: list[str] = field(default_factory=list)
    default_region: str | None = None
    severity: dict[str, Severity] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)
    # Folders besides the project root whose files `source` may follow (--source-path, source-path).
    source_path: list[Path] = field(default_factory=list)
    respect_gitignore: bool = True  # skip what .gitignore files ignore in directory walks
    force_exclude: bool = False  # apply `exclude` to paths named explicitly too
    # Where `check` keeps its result cache (cache-dir, relative to the config file; None: the default).
    cache_dir: Path | None = None
    # Where the config came from (None: built-in defaults) and the folder globs are relative to.
    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    # 1-based line of each required-resources entry in the config file, for COV001.
    required_resource_lines: dict[str, int] = field(default_factory=dict)
    required_resource_columns: dict[str, int] = field(default_factory=dict)  # 0-based, of the opening quote
    # Codes in the file that are not built-in, kept for checking once plugins are loaded:
    # (key, code, line).
    unverified_codes: list[tuple[str, str, int]] = field(default_factory=list)
