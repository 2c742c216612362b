"""Which files to lint (explicit paths, directory walks, shebang sniffing, excludes) and reading them."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .source import as_utf8

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".hg", ".svn"}
SHELL_SUFFIXES = (".sh", ".bash")
_SHEBANG = re.compile(rb"^#!\s*(?:/\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:bash|sh|dash|ksh)\b")
# The caps on what is read (docs/robustness.md). Each fails closed: past it the input is not
# linted and the run exits 2 naming it.
MAX_BYTES = 16 * 1024 * 1024  # a script (a file, standard input, an editor's document)
MAX_CONFIG_BYTES = 1024 * 1024  # a configuration file
MAX_LINE_BYTES = 256 * 1024  # one line of a script: longer is not text with line structure


@dataclass(frozen=True)
class Candidate:
    path: Path  # as the user named it (or as found below a named directory)
    explicit: bool


def is_shell_script(path: Path) -> bool:
    """True for ``*.sh``/``*.bash``, and extension-less files with a bash/sh shebang."""
    if path.name.endswith(SHELL_SUFFIXES):
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(128)
    except OSError:
        return False
    return bool(_SHEBANG.match(as_utf8(head)))  # also a UTF-16 script's shebang


def _is_ci_file(path: Path) -> bool:
    """Workflows, Cloud Build configs and Makefiles: linted through their front ends."""
    from .frontends.names import walk_includes

    return walk_includes(str(path))


def matches_any(path: Path, patterns: Iterable[str], root: Path) -> bool:
    """gitignore-like matching of ``path`` against ``patterns`` relative to ``root``."""
    try:
        rel = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()
    except ValueError:
        rel = path.as_posix()
    parts = rel.split("/")
    for raw in patterns:
        pat = raw.strip()
        if not pat:
            continue
        anchored = pat.startswith("/")
        pat = pat.strip("/")
        if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(rel, pat + "/*"):
            return True
        if not anchored:
            # A pattern without a slash matches any path component (like .gitignore).
            if "/" not in pat and any(fnmatch.fnmatchcase(p, pat) for p in parts):
                return True
            if any(fnmatch.fnmatchcase("/".join(parts[i:]), pat) for i in range(len(parts))):
                return True
            if any(
                fnmatch.fnmatchcase("/".join(parts[i : j + 1]), pat)
                for i in range(len(parts))
                for j in range(i, len(parts) - 1)
            ):
                return True
    return False


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), root: Path | None = None
) -> Iterator[Candidate | tuple[str, str]]:
    """Yield files to lint, or ``(path, problem)`` for a path that cannot be linted.

    Explicit files are always linted; directories are walked for shell scripts, skipping
    SKIP_DIRS and ``exclude`` patterns. Symlinked directories are not followed (no loops).
    """
    exclude = list(exclude)
    base = root or Path.cwd()
    seen: set[str] = set()
    for raw in paths:
        # os.stat on the string as given: ``file.sh/`` is "not a directory", not file.sh.
        try:
            info = os.stat(raw)
        except OSError as exc:
            yield (raw, _stat_problem(raw, exc))
            continue
        path = Path(raw)
        if stat.S_ISDIR(info.st_mode):
            walked = _walk(path, exclude, base, seen)
            yield from walked
            continue
        if stat.S_ISSOCK(info.st_mode):
            yield (raw, "could not read: a socket, not a file")
            continue
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        # Named explicitly: always linted, whatever its name (FIFOs and /dev/fd/N from
        # process substitution are read too; see read_bytes).
        yield Candidate(path, explicit=True)


def _stat_problem(raw: str, exc: OSError) -> str:
    if exc.errno == errno.ENOENT and os.path.islink(raw):
        return "could not read: broken symbolic link"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        return "could not read: symbolic link loop (too many levels of symbolic links)"
    return f"could not read: {(exc.strerror or str(exc)).lower()}"


def _walk(top: Path, exclude: list[str], root: Path, seen: set[str]) -> Iterator[Candidate | tuple[str, str]]:
    errors: list[OSError] = []
    # A symbolic link found by the walk is linted only when it points inside the walked folder or
    # its repository: a checkout's `leak.sh -> ~/.ssh/config` is never read (see roots.py).
    real_top = os.path.realpath(top)
    inside = [real_top] + [os.path.realpath(g) for g in [git_top_level(real_top)] if g]
    for dirpath, dirnames, filenames in os.walk(top, onerror=errors.append, followlinks=False):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS and not matches_any(Path(dirpath, d), exclude, root)
        )
        for name in sorted(filenames):
            path = Path(dirpath, name)
            try:
                mode = os.stat(path).st_mode
            except OSError:
                continue  # a broken link or a link loop found by a walk is not a script
            if not stat.S_ISREG(mode):
                continue  # FIFOs, sockets and devices below a directory are never opened
            if os.path.islink(path) and not _below(os.path.realpath(path), inside):
                continue
            if matches_any(path, exclude, root) or not (is_shell_script(path) or _is_ci_file(path)):
                continue
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            yield Candidate(path, explicit=False)
    for err in errors:
        yield (str(err.filename or top), err.strerror or str(err))


def git_top_level(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` that holds ``.git`` (without running git)."""
    here = os.path.abspath(folder)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _below(real: str, folders: list[str]) -> bool:
    return any(real == f or real.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def display_path(path: Path | str) -> str:
    """The path as findings show it: relative to the working directory when below it, POSIX style."""
    text = str(path)
    if os.path.isabs(text):
        try:
            rel = os.path.relpath(text)
            if not rel.startswith(".."):
                text = rel
        except ValueError:
            pass
    text = Path(text).as_posix()
    if text.startswith("./"):
        text = text[2:]
    return text


def read_bytes(path: Path) -> bytes:
    """The file's bytes (raises OSError, TooLarge past MAX_BYTES; callers report the path).

    Opened non-blocking so that a FIFO nobody writes to cannot hang the linter (it reads as
    empty); then read blocking, so that a pipe (``<(...)``) is read to its end.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return read_capped(fd, MAX_BYTES)
    finally:
        os.close(fd)


class TooLarge(OSError):
    """Input past its size cap (it is not read further)."""

    def __init__(self, cap: int) -> None:
        super().__init__(errno.EFBIG, f"larger than {describe_size(cap)}")
        self.cap = cap


def describe_size(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{size // 1024} KB"


def read_capped(fd: int, cap: int) -> bytes:
    """At most ``cap`` bytes from ``fd``; raises TooLarge if there are more."""
    chunks: list[bytes] = []
    left = cap + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    if left <= 0:
        raise TooLarge(cap)
    return b"".join(chunks)


def read_regular(path: Path | str, cap: int) -> bytes:
    """The contents of a regular file of at most ``cap`` bytes (raises OSError: TooLarge past
    the cap, "not a regular file" for FIFOs, devices, sockets, directories). Opened
    non-blocking, so a FIFO cannot hang the open; checked with fstat on the open file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return read_capped(fd, cap)
    finally:
        os.close(fd)


_LONG_LINE = re.compile(rb"[^\n]{%d}" % (MAX_LINE_BYTES + 1))


def not_text(raw: bytes) -> str | None:
    """Why ``raw`` is not a shell script's text (None: it is): a NUL byte, or a line longer
    than MAX_LINE_BYTES. Such input is not linted (tree-sitter's time on it is unbounded)."""
    nul = raw.find(b"\0")
    if nul != -1:
        line = raw.count(b"\n", 0, nul) + 1
        return f"not a text file (a NUL byte on line {line}); not linted"
    if len(raw) > MAX_LINE_BYTES:
        long = _LONG_LINE.search(raw)
        if long is not None:
            line = raw.count(b"\n", 0, long.start()) + 1
            return f"not a text file (line {line} is longer than {describe_size(MAX_LINE_BYTES)}); not linted"
    return None
