"""The result cache: a file's findings from an earlier run, reused while nothing they depend on changed.

Like Ruff's ``.ruff_cache``: ``shlint-iam check`` keeps, for every file it linted, what the
per-file lint produced (the findings with their automatic fixes, before and after suppressions,
and the source lines the text report shows) in ``.shlint-iam-cache`` next to the configuration
file (the working directory when there is none), or in ``cache-dir`` / ``--cache-dir``.

An entry is reused only when all of this is unchanged:

- the file's bytes (a content hash, not the modification time);
- every other file its analysis asked for (sourced files, child scripts, data files, Workflows
  sources): what each one gave, its bytes or why it was not followed (a missing ``lib.sh`` that
  appears later invalidates too), re-read and hashed at each lookup;
- the resolved configuration of the file, the enabled rules and their severities, the plugins
  (distribution, version and module files), where the file is shown and its project root;
- shlint-iam itself (its version and the size and modification time of every one of its
  modules, so an editable install's edits count), tree-sitter and its bash grammar, PyYAML,
  the Python version, and the bash used for ``bash -n``.

The settings part of the key names a subdirectory, the file part the entry; the entry repeats
its key, the file's hash and the hashes of what it read, and is checked value by value when read
(cache_codec.py): a truncated, corrupt, foreign or unreadable entry is a miss and is rewritten,
never trusted. Entries are written to a temporary file and renamed into place, so concurrent
runs (pre-commit, ``-j`` workers) see a whole entry or none. A cache directory that cannot be
written just caches nothing.

Not cached: an incomplete analysis (an internal error, a time or work bound, a rule that
raised); runs with a cross-file rule that needs every file's analysis (COV001 with
``required-resources``); standard input and the language server (see docs/configuration.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from . import __version__
from .cache_codec import (
    decode_findings,
    decode_finished,
    decode_snippets,
    encode_findings,
    encode_finished,
    encode_snippets,
)
from .cache_prune import prune_stale, touch
from .config import Config
from .core import Finding, Rule
from .records import record
from .roots import Roots

CACHE_DIR_NAME = ".shlint-iam-cache"
FORMAT = 1  # the layout of an entry; a new layout is a new settings key, so old entries are never read
MAX_ENTRY_BYTES = 64 * 1024 * 1024
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by shlint-iam.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def dependency_digests(reads: dict[str, bytes | str]) -> dict[str, str]:
    """:attr:`Analysis.reads` as stored: a hash for the bytes read, ``!reason`` for a file not followed."""
    return {key: digest(value) if isinstance(value, bytes) else "!" + value for key, value in sorted(reads.items())}


@record()
class Hit:
    """What an entry holds: the per-file outcome of linting the file (lint.FileOutcome's parts)."""

    raw: list[Finding]
    finished: list[Finding]
    snippets: dict[int, str]

    def __init__(self, raw: list[Finding], finished: list[Finding], snippets: dict[int, str]) -> None:
        self.raw = raw
        self.finished = finished
        self.snippets = snippets


class ResultCache:
    """Entries under ``directory`` for one configuration (``settings``: see :func:`settings_key`)."""

    def __init__(self, directory: Path, settings: str) -> None:
        self.directory = directory
        self.settings = settings
        # What each followed file gives now, by reader key and roots: hashed once per lint pass
        # (a lib.sh sourced by 500 scripts is read once). Cleared by start_pass: ``--fix`` may
        # change files between two passes of one run.
        self._now: dict[tuple[str, Roots], str] = {}
        self._set_up = False
        self._touched = False

    def start_pass(self) -> None:
        self._now.clear()
        if not self._touched:  # this run uses the settings folder: it is not stale (cache_prune.py)
            self._touched = True
            touch(self.directory / self.settings[:20])

    def _entry(self, shown: str, real: str, roots: Roots) -> tuple[Path, str]:
        key = digest(json.dumps([self.settings, shown, real, list(roots.dirs)]).encode("utf-8", "surrogateescape"))
        return self.directory / self.settings[:20] / f"{key}.json", key

    def get(self, shown: str, real: str, data: bytes, roots: Roots) -> Hit | None:
        """The entry for the file shown as ``shown`` at ``real`` whose bytes are ``data``, if it is
        whole, of this version and settings, and nothing it depends on changed."""
        path, key = self._entry(shown, real, roots)
        try:
            with open(path, "rb") as handle:
                text = handle.read(MAX_ENTRY_BYTES + 1)
            if len(text) > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(text)
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            if entry.get("digest") != digest(data):
                return None
            reads = entry["reads"]
            if not isinstance(reads, dict):
                return None
            for reader, wanted in reads.items():
                if self._current(reader, roots) != wanted:
                    return None
            raw = decode_findings(entry["raw"])
            return Hit(raw, decode_finished(entry["finished"], raw), decode_snippets(entry["snippets"]))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None  # missing, unreadable, truncated or foreign: linted again (and rewritten)

    def _current(self, reader: str, roots: Roots) -> str:
        from .analysis import reread

        known = self._now.get((reader, roots))
        if known is None:
            known = self._now[(reader, roots)] = dependency_digests({reader: reread(reader, roots)})[reader]
        return known

    def put(
        self,
        shown: str,
        real: str,
        data: bytes,
        roots: Roots,
        reads: dict[str, str],
        raw: list[Finding],
        finished: list[Finding],
        snippets: dict[int, str],
    ) -> None:
        """Store a complete outcome; any failure to write (read-only, full disk) is ignored."""
        path, key = self._entry(shown, real, roots)
        payload = json.dumps(
            {
                "format": FORMAT,
                "key": key,
                "digest": digest(data),
                "reads": reads,
                "raw": encode_findings(raw),
                "finished": encode_finished(finished, raw),
                "snippets": encode_snippets(snippets),
            },
            separators=(",", ":"),
        ).encode("utf-8", "surrogatepass")
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._set_up_directory()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(temporary, path)  # atomic: a reader sees the old entry or the new one
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def _set_up_directory(self) -> None:
        """Create the directory with a CACHEDIR.TAG (backup tools skip it) and a .gitignore of
        ``*`` (git never adds it). An existing folder that is not a cache (``cache-dir = "."``)
        gets neither: a ``*`` there would hide the whole project from git."""
        if self._set_up:
            return
        self._set_up = True
        prune_stale(self.directory, self.settings[:20])  # once per run that writes
        try:
            self.directory.mkdir(parents=True)
        except FileExistsError:
            if not (self.directory / "CACHEDIR.TAG").is_file() and any(os.scandir(self.directory)):
                return
        for name, text in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "*\n")):
            try:
                fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)


def default_directory(config: Config) -> Path:
    """Where the cache of ``config`` lives unless ``--cache-dir`` says otherwise: its ``cache-dir``
    (relative to the configuration file), else ``.shlint-iam-cache`` in the configuration file's
    folder, or in the working directory when there is no configuration file (as Ruff does)."""
    return config.cache_dir if config.cache_dir is not None else config.root / CACHE_DIR_NAME


def settings_key(config: Config, rules: Iterable[type[Rule]], severities: Mapping[str, object]) -> str:
    """A hash of everything every entry of this configuration depends on (see the module doc)."""
    from .parse import system_bash

    settings = {k: v for k, v in dataclasses.asdict(config).items() if k != "cache_dir"}
    plugins = sorted(_plugin(rule) for rule in rules if rule.origin != "shlint-iam")
    parts = [
        FORMAT,
        __version__,
        _code_fingerprint(),
        sys.version,
        sys.implementation.cache_tag,
        system_bash(os.environ.get("PATH", os.defpath)),
        os.environ.get("SHLINT_IAM_NO_BASH", ""),
        settings,
        sorted(rule.code for rule in rules),
        {code: str(sev) for code, sev in sorted(severities.items())},
        plugins,
    ]
    return digest(json.dumps(parts, sort_keys=True, default=str).encode("utf-8", "surrogateescape"))


def _plugin(rule: type[Rule]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version(rule.origin)
    except (PackageNotFoundError, ValueError):
        release = "?"
    module = sys.modules.get(rule.__module__)
    return f"{rule.code} {rule.origin} {release} {_stat(getattr(module, '__file__', None) or '')}"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """The size and modification time of every module of shlint-iam (a development checkout's
    edits change results without changing the version) and of the parsing libraries."""
    from importlib.util import find_spec

    parts: list[str] = []
    for name, recursive in (("shlint_iam", True), ("shlint_iam.rules", False), ("tree_sitter", False),
                            ("tree_sitter_bash", False), ("yaml", False)):
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        if not origin:
            parts.append(f"{name}: none")
            continue
        folder = os.path.dirname(origin)
        walk = os.walk(folder) if recursive else [(folder, [], os.listdir(folder))]
        for top, dirs, files in walk:
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            parts.extend(_stat(os.path.join(top, f)) for f in sorted(files) if not f.endswith(".pyc"))
    return digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def _stat(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return f"{path} -"
    return f"{path} {info.st_size} {info.st_mtime_ns}"
