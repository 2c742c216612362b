"""The table of rules: built-in ones, plugins, and selection by code or prefix."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from .config import Config, ConfigError
from .core import Rule


def _import_builtin_package() -> object:
    """Import ``shlint_iam.rules``. Installed, setuptools maps it from the top-level
    ``rules/`` folder; in a source checkout we point the package at that folder."""
    try:
        return importlib.import_module("shlint_iam.rules")
    except ModuleNotFoundError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(os.path.dirname(here), "rules")
    spec = importlib.util.spec_from_file_location(
        "shlint_iam.rules", os.path.join(folder, "__init__.py"), submodule_search_locations=[folder]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - broken install
        raise ImportError("cannot find the built-in rules")
    module = importlib.util.module_from_spec(spec)
    sys.modules["shlint_iam.rules"] = module
    spec.loader.exec_module(module)
    return module


def _module_names(folders: Iterable[str]) -> list[str]:
    """The Python modules in ``folders``, by name: the rule modules are plain ``.py`` files (what
    ``pkgutil.iter_modules`` finds there, without importing pkgutil at start-up)."""
    names: list[str] = []
    for folder in folders:
        try:
            found = os.listdir(folder)
        except OSError:
            continue
        names.extend(name[:-3] for name in sorted(found) if name.endswith(".py") and name[:-3].isidentifier()
                     and name != "__init__.py")
    return list(dict.fromkeys(names))


_BUILTIN: list[type[Rule]] | None = None
DOCS_URL = "https://github.com/shlint-iam/shlint-iam/blob/main/docs/rules.md"


def builtin_rules() -> list[type[Rule]]:
    """Every built-in rule class, sorted by code (one module per rule under ``rules/``)."""
    global _BUILTIN
    if _BUILTIN is None:
        package = _import_builtin_package()
        found: list[type[Rule]] = []
        for name in _module_names(package.__path__):  # type: ignore[attr-defined]
            if name.startswith("_"):
                continue
            module = importlib.import_module(f"shlint_iam.rules.{name}")
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, Rule)
                    and value is not Rule
                    and value.code
                    and value.__module__ == module.__name__
                ):
                    found.append(value)
        for rule in found:
            if rule.help_uri is None:  # the rule's section of docs/rules.md
                rule.help_uri = f"{DOCS_URL}#{rule.code.lower()}-{rule.name}"
        _BUILTIN = sorted(found, key=lambda r: r.code)
    return _BUILTIN


class Registry:
    """The rules known to one run, and which of them are enabled."""

    def __init__(self, rules: Iterable[type[Rule]]) -> None:
        self.rules: dict[str, type[Rule]] = {}
        for rule in rules:
            self.rules[rule.code] = rule

    @classmethod
    def for_config(cls, config: Config) -> Registry:
        rules = list(builtin_rules())
        if config.plugins:
            from .plugins import load_plugins

            # The repository's own folder never provides plugin code (nor does the working directory).
            untrusted = [config.root] if config.path is not None else []
            rules.extend(load_plugins(config.plugins, {r.code: r for r in rules}, untrusted))
            registry = cls(rules)
            # Codes in the config file that are not built-in waited for the plugins.
            check_plugin_codes(config, registry)
            return registry
        return cls(rules)

    def get(self, code: str) -> type[Rule] | None:
        return self.rules.get(code.upper())

    def matching(self, selector: str) -> list[type[Rule]]:
        """Rules whose code starts with ``selector`` (``ALL`` matches every rule)."""
        sel = selector.strip().upper()
        if sel == "ALL":
            return list(self.rules.values())
        return [r for code, r in self.rules.items() if code.startswith(sel)]

    def check_selectors(self, selectors: Iterable[str], where: str) -> None:
        for sel in selectors:
            if not self.matching(sel):
                raise ConfigError(f"{where}: unknown rule code or prefix {sel!r}")

    def enabled(self, config: Config) -> list[type[Rule]]:
        """The rules on under ``config``: select (or the defaults), plus extend-select, minus ignore."""
        if config.select is None:
            on = {code for code, r in self.rules.items() if r.default_enabled}
        else:
            on = {r.code for sel in config.select for r in self.matching(sel)}
        on |= {r.code for sel in config.extend_select for r in self.matching(sel)}
        on -= {r.code for sel in config.ignore for r in self.matching(sel)}
        return [self.rules[c] for c in sorted(on)]


def check_plugin_codes(config: Config, registry: Registry) -> None:
    """With plugins, codes in the file that are not built-in could not be checked while the
    file was read; check them once the plugins are loaded."""
    if config.path is None:
        return
    shown = _shown(config.path)
    for key, code, line in config.unverified_codes:
        exact = key == "severity"
        if (registry.get(code) is None) if exact else not registry.matching(code):
            kind = "rule code" if exact else "rule code or prefix"
            raise ConfigError(f"{shown}:{line}: unknown {kind} {code!r} in {key!r}")


def _shown(path: Path) -> str:
    """The config file's path as its errors show it (relative to the working directory when below it)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
