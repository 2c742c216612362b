"""The trust boundary: which files the analysis may read besides the ones it was asked to lint.

A linted script can name other files: ``source lib.sh``, ``. ./env.sh``, a child script
(``bash step.sh``), a Workflows definition (``--source=flow.yaml``). The analysis follows such a
file only when it lies inside the *project root* (or a ``--source-path`` / ``source-path``
folder) after every symbolic link is resolved, and is a regular file of at most
``MAX_FOLLOWED_BYTES``; never anything under ``/proc``, ``/dev`` or ``/sys``, a FIFO, a socket or
a device. Everything else is "not followed", with a reason the interpreter turns into a notice
(SH001), and whatever the file would have set stays unknown. The linter's own environment
(``$HOME``, ``/proc/self/environ``, secrets in CI variables) therefore never enters the analysis.

The project root of a linted file is the nearest folder at or above it holding ``.git`` (a
directory, or a file for worktrees and submodules; git itself is never run), else the folder of
the configuration file in use, else the linted file's own folder. Standard input without
``--stdin-filename`` starts from the working directory.

Every reader goes through :func:`may_follow` / :func:`read_followed`; nothing else opens a file
named by a script.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable

from .files import MAX_BYTES, TooLarge, git_top_level, read_capped
from .records import record

# The largest file the analysis follows (the same cap as a linted file).
MAX_FOLLOWED_BYTES = MAX_BYTES
# Never followed, wherever the project root is: the kernel's and devices' pseudo files.
SPECIAL_TREES = ("/proc", "/dev", "/sys")


@record(frozen=True)
class Roots:
    """The folders (real paths, symbolic links resolved) whose files may be followed."""

    dirs: tuple[str, ...]

    def __init__(self, dirs: tuple[str, ...]) -> None:
        self.__dict__["dirs"] = dirs

    def may_follow(self, path: str) -> tuple[bool, str]:
        """Whether the file at the absolute ``path`` may be read, and if not, why (a phrase:
        "outside the project root", "not found", "not a regular file (a FIFO)", ...)."""
        real = os.path.realpath(path)
        for tree in SPECIAL_TREES:
            if _inside(real, tree):
                return False, f"{tree} is never read"
        if not any(_inside(real, root) for root in self.dirs):
            return False, "outside the project root"
        try:
            info = os.stat(real)
        except OSError as exc:
            return False, _os_reason(exc)
        return _check_mode(info)

    def read(self, path: str) -> bytes | str:
        """The bytes of the file at ``path``, or why it is not followed."""
        ok, reason = self.may_follow(path)
        if not ok:
            return reason
        real = os.path.realpath(path)
        # Checked again on the open file: it may have been swapped for a FIFO in between.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            return _os_reason(exc)
        try:
            ok, reason = _check_mode(os.fstat(fd))
            if not ok:
                return reason
            return read_capped(fd, MAX_FOLLOWED_BYTES)
        except TooLarge:
            return _too_large()
        except OSError as exc:
            return _os_reason(exc)
        finally:
            os.close(fd)


def _inside(path: str, folder: str) -> bool:
    folder = folder.rstrip(os.sep) or os.sep
    return path == folder or path.startswith(folder if folder == os.sep else folder + os.sep)


def _check_mode(info: os.stat_result) -> tuple[bool, str]:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        if info.st_size > MAX_FOLLOWED_BYTES:
            return False, _too_large()
        return True, ""
    if stat.S_ISDIR(mode):
        kind = "a directory"
    elif stat.S_ISFIFO(mode):
        kind = "a FIFO"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "a special file"
    return False, f"not a regular file ({kind})"


def _too_large() -> str:
    return f"larger than {MAX_FOLLOWED_BYTES // (1024 * 1024)} MB"


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "not found"
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    return f"cannot read: {(exc.strerror or str(exc)).lower()}"


def project_root(linted: str | None, config_path: str | os.PathLike[str] | None) -> str:
    """The project root of the linted file at ``linted`` (None: standard input, which starts
    from the working directory): its git top level, else the configuration file's folder, else
    the file's own folder."""
    start = os.path.dirname(os.path.abspath(linted)) if linted else os.getcwd()
    top = git_top_level(start)
    if top is not None:
        return top
    if config_path is not None:
        return os.path.dirname(os.path.abspath(config_path))
    return start


def roots_for(
    linted: str | None, config_path: str | os.PathLike[str] | None, source_path: Iterable[str | os.PathLike[str]] = ()
) -> Roots:
    """The folders a linted file may follow files in: its project root and the ``source_path``
    folders (``--source-path``, ``source-path``), all with symbolic links resolved."""
    dirs = [project_root(linted, config_path), *(os.fspath(p) for p in source_path)]
    return Roots(tuple(dict.fromkeys(os.path.realpath(d) for d in dirs)))
