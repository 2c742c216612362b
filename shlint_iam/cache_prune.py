"""Keeping the result cache small: stale settings folders go by themselves, ``shlint-iam clean``
removes the rest.

A cache folder holds one subfolder per settings key (cache.py): a new shlint-iam version, plugin
or configuration starts a new one, and the old ones are never read again. When a run writes to
its subfolder, the subfolders of the same cache that no run has used for :data:`STALE_AFTER`
(their modification time: a run touches the subfolder it reads from) are removed. Only in a
folder that shlint-iam created (it holds shlint-iam's ``CACHEDIR.TAG``): a ``cache-dir`` pointed at
a folder of the project is never cleaned up by guesswork.

``shlint-iam clean [PATH...]`` (as ``ruff clean``) removes every cache folder under the paths (the
working directory by default) and the ``--cache-dir`` one, each only if it holds shlint-iam's tag.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

STALE_AFTER = 30 * 24 * 3600  # seconds without a run reading or writing a settings folder
_SETTINGS_FOLDER = re.compile(r"[0-9a-f]{20}")
_TAG = "CACHEDIR.TAG"
_SKIPPED = {".git", "node_modules", ".venv", "venv", "__pycache__"}


def is_our_cache(folder: Path) -> bool:
    """Whether ``folder`` is a cache folder that shlint-iam created (its CACHEDIR.TAG says so)."""
    try:
        with open(folder / _TAG, encoding="utf-8", errors="replace") as handle:
            return "created by shlint-iam" in handle.read(4096)
    except OSError:
        return False


def touch(settings_folder: Path) -> None:
    """Mark a settings folder as in use (its entries were looked up by this run)."""
    with contextlib.suppress(OSError):  # not created yet, or read-only: nothing to mark
        os.utime(settings_folder)


def prune_stale(cache_folder: Path, current: str, now: float | None = None) -> list[Path]:
    """Remove the settings subfolders of ``cache_folder`` other than ``current`` that no run used
    for :data:`STALE_AFTER`; the folders removed. Nothing outside a folder shlint-iam created."""
    if not is_our_cache(cache_folder):
        return []
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(cache_folder))
    except OSError:
        return []
    for entry in entries:
        if entry.name == current or not _SETTINGS_FOLDER.fullmatch(entry.name):
            continue
        try:
            unused_for = now - entry.stat(follow_symlinks=False).st_mtime
            if not entry.is_dir(follow_symlinks=False) or unused_for < STALE_AFTER:
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def find_caches(top: Path) -> Iterator[Path]:
    """Every cache folder shlint-iam created under ``top`` (``top`` itself included), without
    following symbolic links or entering version-control and dependency folders."""
    if is_our_cache(top):
        yield top
        return
    for folder, subfolders, _ in os.walk(top):
        kept = []
        for name in sorted(subfolders):
            path = Path(folder) / name
            if name in _SKIPPED or path.is_symlink():
                continue
            if is_our_cache(path):
                yield path
            else:
                kept.append(name)
        subfolders[:] = kept


def remove(folder: Path) -> str | None:
    """Remove one cache folder; why not, if it could not be."""
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
