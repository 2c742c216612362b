"""Settings: the ``[tool.shlint-iam]`` table (or ``.shlint-iam.toml``) merged with CLI options."""

from __future__ import annotations

from pathlib import Path

from .model import Severity
from .records import record


class ConfigError(Exception):
    """A configuration or usage problem; the CLI prints it and exits with 2."""


@record()
class Config:
    """The settings of a lint (defaults, a configuration file, the command line)."""

    select: list[str] | None  # None: every rule that is on by default
    ignore: list[str]
    extend_select: list[str]
    per_file_ignores: dict[str, list[str]]
    exclude: list[str]
    invoker_service_accounts: list[str]
    required_resources: list[str]
    default_region: str | None
    severity: dict[str, Severity]
    plugins: list[str]
    # Folders besides the project root whose files `source` may follow (--source-path, source-path).
    source_path: list[Path]
    respect_gitignore: bool  # skip what .gitignore files ignore in directory walks
    force_exclude: bool  # apply `exclude` to paths named explicitly too
    # Where `check` keeps its result cache (cache-dir, relative to the config file; None: the default).
    cache_dir: Path | None
    # Where the config came from (None: built-in defaults) and the folder globs are relative to.
    path: Path | None
    root: Path  # default: the current directory
    # 1-based line of each required-resources entry in the config file, for COV001.
    required_resource_lines: dict[str, int]
    required_resource_columns: dict[str, int]  # 0-based, of the opening quote
    # Codes in the file that are not built-in, kept for checking once plugins are loaded:
    # (key, code, line).
    unverified_codes: list[tuple[str, str, int]]

    def __init__(
        self,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        extend_select: list[str] | None = None,
        per_file_ignores: dict[str, list[str]] | None = None,
        exclude: list[str] | None = None,
        invoker_service_accounts: list[str] | None = None,
        required_resources: list[str] | None = None,
        default_region: str | None = None,
        severity: dict[str, Severity] | None = None,
        plugins: list[str] | None = None,
        source_path: list[Path] | None = None,
        respect_gitignore: bool = True,
        force_exclude: bool = False,
        cache_dir: Path | None = None,
        path: Path | None = None,
        root: Path | None = None,
        required_resource_lines: dict[str, int] | None = None,
        required_resource_columns: dict[str, int] | None = None,
        unverified_codes: list[tuple[str, str, int]] | None = None,
    ) -> None:
        self.select = select
        self.ignore = [] if ignore is None else ignore
        self.extend_select = [] if extend_select is None else extend_select
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.exclude = [] if exclude is None else exclude
        self.invoker_service_accounts = [] if invoker_service_accounts is None else invoker_service_accounts
        self.required_resources = [] if required_resources is None else required_resources
        self.default_region = default_region
        self.severity = {} if severity is None else severity
        self.plugins = [] if plugins is None else plugins
        self.source_path = [] if source_path is None else source_path
        self.respect_gitignore = respect_gitignore
        self.force_exclude = force_exclude
        self.cache_dir = cache_dir
        self.path = path
        self.root = Path.cwd() if root is None else root
        self.required_resource_lines = {} if required_resource_lines is None else required_resource_lines
        self.required_resource_columns = {} if required_resource_columns is None else required_resource_columns
        self.unverified_codes = [] if unverified_codes is None else unverified_codes
