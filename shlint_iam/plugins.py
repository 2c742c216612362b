"""Third-party rules: packages that declare entry points in the ``shlint_iam.rules`` group.

Plugins are loaded only when the configuration names them (``plugins = ["acme"]`` in the config
file, or ``--plugin acme``); without that, entry points are not even scanned. A name matches an
entry point's name or the name of the distribution that declares it (``acme-shlint-rules``
matches ``acme_shlint_rules`` too, as pip spells names either way). An entry point may refer to

- a :class:`~shlint_iam.api.Rule` subclass,
- a module: its Rule subclasses with a code, defined in it or in its submodules, or
- a list or tuple of Rule subclasses.

Every problem is a :class:`~shlint_iam.config.ConfigError` (exit 2, a one-line message, no
traceback): a plugin that is not installed, fails to import, provides no rules, a code that is
not 1-4 capital letters and 3 digits, or a code that another rule already has.

Each plugin rule's ``origin`` is set to the plugin's distribution name (the entry point's name
when the distribution is unknown): SARIF lists it under ``runs[0].tool.extensions`` by that name.

Plugins come only from installed distributions, never from the checkout being linted: while
plugins are found and imported, the import path leaves out the current directory (``''``,
``.``, any relative entry, the working directory itself), the project root and the linted
directories, and anything below them that is not part of the running interpreter's own
installation (a virtual environment inside the repository stays usable). ``python -m
shlint_iam`` puts the working directory first on ``sys.path``; the CLI and the language server
drop it for the whole run (:func:`confine_import_path`), so a rule's late ``import`` cannot
reach the checkout either.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import site
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .config import ConfigError
from .core import CODE_PATTERN, Rule

if TYPE_CHECKING:  # importlib.metadata costs ~20 ms: imported only when plugins are looked for
    import importlib.metadata

GROUP = "shlint_iam.rules"
BUILTIN_ORIGIN = "shlint-iam"


def _normalise(name: str) -> str:
    """PEP 503 normalisation: case and runs of ``-``, ``_``, ``.`` do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def _dist_name(ep: importlib.metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    name = dist.metadata["Name"] if dist is not None and dist.metadata is not None else None
    return str(name) if name else None


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    """The entry points of the group, each (name, value) once (a distribution found twice on
    ``sys.path`` lists its entry points twice)."""
    import importlib.metadata

    seen: set[tuple[str, str]] = set()
    found = []
    for ep in importlib.metadata.entry_points(group=GROUP):
        if (ep.name, ep.value) not in seen:
            seen.add((ep.name, ep.value))
            found.append(ep)
    return found


def _matches(ep: importlib.metadata.EntryPoint, wanted: str) -> bool:
    dist = _dist_name(ep)
    return _normalise(ep.name) == wanted or (dist is not None and _normalise(dist) == wanted)


def _describe(ep: importlib.metadata.EntryPoint) -> str:
    return f"entry point {ep.name} = {ep.value}"


def _is_rule(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Rule) and value is not Rule


def _module_rules(module: ModuleType) -> list[type[Rule]]:
    """Rule subclasses with a code defined in ``module`` or its submodules (not those it imports
    from elsewhere, such as a built-in rule it extends or a base class from another package)."""
    prefix = module.__name__
    rules = []
    for value in vars(module).values():
        if _is_rule(value) and value.code:
            owner = getattr(value, "__module__", "")
            if owner == prefix or owner.startswith(prefix + "."):
                rules.append(value)
    return rules


def _rules_of(value: Any, plugin: str, ep: importlib.metadata.EntryPoint) -> list[type[Rule]]:
    if isinstance(value, ModuleType):
        return _module_rules(value)
    if _is_rule(value):
        return [value]
    if isinstance(value, (list, tuple)):
        rules = []
        for item in value:
            if not _is_rule(item):
                raise ConfigError(
                    f"plugin {plugin} ({_describe(ep)}): {item!r} in its list is not a subclass of shlint_iam.api.Rule"
                )
            rules.append(item)
        return rules
    raise ConfigError(
        f"plugin {plugin} ({_describe(ep)}) refers to {type(value).__name__} {value!r}; expected a subclass of "
        "shlint_iam.api.Rule, a module of them, or a list of them"
    )


# A plugin's import runs under the same guard as rules (lint.run_guarded): a big-stack thread
# stopped after this many seconds (an import stuck in native code is abandoned 10 s later).
PLUGIN_LOAD_TIME_LIMIT = 30.0


def _load(ep: importlib.metadata.EntryPoint, plugin: str) -> Any:
    from .guard import AnalysisTimeout, ExitFromCode, run_guarded

    try:
        return run_guarded(ep.load, PLUGIN_LOAD_TIME_LIMIT)
    except AnalysisTimeout:
        raise ConfigError(
            f"plugin {plugin} did not finish loading within {PLUGIN_LOAD_TIME_LIMIT:g} s ({_describe(ep)})"
        ) from None
    except (ExitFromCode, SystemExit) as exc:
        original = exc.original if isinstance(exc, ExitFromCode) else exc
        code = original.code if isinstance(original, SystemExit) else None
        raise ConfigError(
            f"plugin {plugin} failed to load ({_describe(ep)}): it called sys.exit({code!r}) while loading "
            f"({type(original).__name__})"
        ) from None
    except Exception as exc:  # anything a plugin's import can raise: report it, never a traceback
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ConfigError(f"plugin {plugin} failed to load ({_describe(ep)}): {detail}") from None


def installed_plugins() -> list[tuple[str, str | None]]:
    """(entry point name, distribution name) of every installed plugin (for error messages)."""
    return sorted({(ep.name, _dist_name(ep)) for ep in _entry_points()}, key=lambda p: p[0])


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _installation_dirs() -> list[str]:
    """Where the running interpreter keeps installed distributions (its prefixes and site dirs)."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    with contextlib.suppress(AttributeError):  # site.getsitepackages is missing in some old virtualenvs
        dirs.update(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    return sorted({os.path.realpath(d) for d in dirs if d})


def trusted_import_path(untrusted: Iterable[str | os.PathLike[str]] = ()) -> list[str]:
    """``sys.path`` without the entries a repository under analysis controls: empty and
    relative entries, the working directory, and ``untrusted`` folders (the project root, the
    linted directories) and anything below them, except the running interpreter's own
    installation (a virtual environment made inside the repository)."""
    folders = [os.getcwd(), *(os.fspath(u) for u in untrusted)]
    bad = {os.path.realpath(f) for f in folders if f}
    installed = [d for d in _installation_dirs() if not any(d == b for b in bad)]
    kept: list[str] = []
    for entry in sys.path:
        if not isinstance(entry, str) or not entry or not os.path.isabs(entry):
            continue
        real = os.path.realpath(entry)
        if any(_inside(real, b) for b in bad) and not any(_inside(real, d) for d in installed):
            continue
        kept.append(entry)
    return kept


def confine_import_path(untrusted: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Drop the entries :func:`trusted_import_path` leaves out from ``sys.path`` for good (the
    command line and the language server call this before anything is imported for a plugin)."""
    kept = trusted_import_path(untrusted)
    if kept != sys.path:
        sys.path[:] = kept
        importlib.invalidate_caches()


@contextlib.contextmanager
def _confined(untrusted: Iterable[str | os.PathLike[str]]) -> Iterator[None]:
    saved = list(sys.path)
    confine_import_path(untrusted)
    try:
        yield
    finally:
        # Keep what the plugins added; put back only what was dropped for the discovery.
        added = [p for p in sys.path if p not in saved]
        sys.path[:] = added + saved
        importlib.invalidate_caches()


def load_plugins(
    names: Iterable[str],
    builtin_by_code: Mapping[str, type[Rule]],
    untrusted: Iterable[str | os.PathLike[str]] = (),
) -> list[type[Rule]]:
    """The rule classes of the plugins ``names``, in order, with ``origin`` set.

    ``builtin_by_code`` are the rules already known (the built-in ones); a plugin code equal to
    one of them, or to another plugin's, is an error naming both. Plugins are looked for and
    imported with the import path confined to installed distributions (see the module's
    documentation): ``untrusted`` are folders of the project under analysis, besides the
    working directory.
    """
    with _confined(untrusted):
        return _load_plugins(names, builtin_by_code)


def _load_plugins(names: Iterable[str], builtin_by_code: Mapping[str, type[Rule]]) -> list[type[Rule]]:
    wanted: list[str] = []
    for name in names:
        if name.strip() and name.strip() not in wanted:
            wanted.append(name.strip())
    if not wanted:
        return []

    available = _entry_points()
    owners: dict[str, tuple[type[Rule], str]] = {
        code.upper(): (rule, BUILTIN_ORIGIN) for code, rule in builtin_by_code.items()
    }
    loaded: list[type[Rule]] = []
    done: set[tuple[str, str]] = set()
    for plugin in wanted:
        matched = [ep for ep in available if _matches(ep, _normalise(plugin))]
        if not matched:
            raise ConfigError(_not_installed(plugin, available))
        for ep in matched:
            if (ep.name, ep.value) in done:  # named twice (by entry point and distribution)
                continue
            done.add((ep.name, ep.value))
            rules = _rules_of(_load(ep, plugin), plugin, ep)
            if not rules:
                raise ConfigError(
                    f"plugin {plugin} ({_describe(ep)}) provides no rules: no subclass of shlint_iam.api.Rule "
                    "with a code"
                )
            origin = _dist_name(ep) or ep.name
            for rule in rules:
                if any(rule is r for r in loaded):
                    continue
                _check_code(rule, plugin, owners)
                rule.origin = origin
                owners[rule.code] = (rule, plugin)
                loaded.append(rule)
    return loaded


def _check_code(rule: type[Rule], plugin: str, owners: Mapping[str, tuple[type[Rule], str]]) -> None:
    code = rule.code
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise ConfigError(
            f"plugin {plugin}: rule {rule.__module__}.{rule.__qualname__} has code {code!r}; a code is 1 to 4 "
            "capital letters and 3 digits, such as ACME001"
        )
    if code in owners:
        other, source = owners[code]
        if source == BUILTIN_ORIGIN:
            theirs = f"built-in rule {code} ({BUILTIN_ORIGIN})"
        else:
            theirs = f"rule {code} ({other.__module__}.{other.__qualname__}) of plugin {source}"
        raise ConfigError(
            f"rule code {code} of plugin {plugin} ({rule.__module__}.{rule.__qualname__}) clashes with {theirs}"
        )


def _not_installed(plugin: str, available: Sequence[importlib.metadata.EntryPoint]) -> str:
    names = sorted({ep.name for ep in available} | {d for d in map(_dist_name, available) if d})
    known = f"installed: {', '.join(names)}" if names else "no plugin is installed"
    return (
        f"plugin {plugin} is not installed: no entry point or distribution of that name in the "
        f"{GROUP!r} entry-point group ({known})"
    )
