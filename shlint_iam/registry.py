"""The table of rules: built-in ones, plugins, and selection by code or prefix."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from collections.abc import Iterable

from .api import Rule
from .config import Config, ConfigError


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


_BUILTIN: list[type[Rule]] | None = None
DOCS_URL = "https://github.com/shlint-iam/shlint-iam/blob/main/docs/rules.md"


def builtin_rules() -> list[type[Rule]]:
    """Every built-in rule class, sorted by code (one module per rule under ``rules/``)."""
    global _BUILTIN
    if _BUILTIN is None:
        package = _import_builtin_package()
        found: list[type[Rule]] = []
        for info in pkgutil.iter_modules(package.__path__):  # type: ignore[attr-defined]
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"shlint_iam.rules.{info.name}")
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
            from .config_file import check_plugin_codes

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
