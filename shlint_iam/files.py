"""Which files to lint (explicit paths, directory walks, shebang sniffing, excludes) and reading them."""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .lazyre import lazy
from .records import record
from .source import as_utf8

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".hg", ".svn"}
SHELL_SUFFIXES = (".sh", ".bash")
_SHEBANG = lazy(rb"^#!\s*(?:/\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:bash|sh|dash|ksh)\b")
# The caps on what is read (docs/robustness.md). Each fails closed: past it the input is not
# linted and the run exits 2 naming it.
MAX_BYTES = 16 * 1024 * 1024  # a script (a file, standard input, an editor's document)
MAX_CONFIG_BYTES = 1024 * 1024  # a configuration file
MAX_LINE_BYTES = 256 * 1024  # one line of a script: longer is not text with line structure


@record(frozen=True)
class Candidate:
    """A file to lint, as discovery found it."""

    path: Path  # as the user named it (or as found below a named directory)
    explicit: bool
    # Read only for cross-file rules (COV001 judges the whole project): its own findings and
    # notices are not reported.
    context_only: bool = False

    def __init__(self, path: Path, explicit: bool, context_only: bool = False) -> None:
        self.__dict__.update(path=path, explicit=explicit, context_only=context_only)


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
    return bool(_SHEBANG().match(as_utf8(head)))  # also a UTF-16 script's shebang


def _is_ci_file(path: Path) -> bool:
    """Workflows, Cloud Build configs and Makefiles: linted through their front ends."""
    from .frontends.names import walk_includes

    return walk_includes(str(path))


# Languages that are certainly not shell, by extension, for files named explicitly. (YAML and
# Makefiles are left to their own front ends.)
NOT_SHELL_SUFFIXES = {
    ".py": "Python", ".pyw": "Python", ".rb": "Ruby", ".pl": "Perl", ".pm": "Perl", ".js": "JavaScript",
    ".mjs": "JavaScript", ".ts": "TypeScript", ".go": "Go", ".java": "Java", ".rs": "Rust", ".php": "PHP",
    ".ps1": "PowerShell", ".json": "JSON", ".toml": "TOML", ".ini": "INI", ".tf": "Terraform",
    ".hcl": "HCL", ".md": "Markdown", ".rst": "reStructuredText", ".html": "HTML", ".css": "CSS",
    ".xml": "XML", ".sql": "SQL", ".c": "C", ".h": "C", ".cpp": "C++", ".lua": "Lua", ".fish": "fish",
}
_SHEBANG_ANY = lazy(rb"^#!\s*/\S*/(?:env\s+(?:-\S+\s+)*)?([A-Za-z0-9_.+-]+)")
_SHELLS = lazy(r"^(?:ba|da|k|mk|z|a|)sh$|^busybox$|^make$")
_OWN_FRONT_ENDS = {".yml", ".yaml", ".mk"}
_MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}


def not_shell(path: Path) -> str | None:
    """What a file named explicitly is when it is certainly not a shell script ("Python",
    "a node script"), from its shebang or its extension; None when it may be shell."""
    if path.name.endswith(SHELL_SUFFIXES) or path.suffix.lower() in _OWN_FRONT_ENDS or path.name in _MAKEFILES:
        return None  # shell, or YAML/Makefiles: their own front ends decide
    if _is_ci_file(path):
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a pipe (`<(...)`) or a device: read once, by the linter, never sniffed
        with open(path, "rb") as handle:
            head = handle.read(128)
    except OSError:
        head = b""
    m = _SHEBANG_ANY().match(head)
    if m:
        interpreter = m.group(1).decode("ascii", "replace")
        if _SHELLS().match(interpreter):
            return None
        return f"a {interpreter} script"
    suffix = path.suffix.lower()
    if suffix in NOT_SHELL_SUFFIXES:
        return f"a {NOT_SHELL_SUFFIXES[suffix]} file"
    return None


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
    paths: Iterable[str],
    exclude: Iterable[str] = (),
    root: Path | None = None,
    *,
    excluded: Callable[[Path], bool] | None = None,
    respect_gitignore: bool | Callable[[Path], bool] = False,
    force_exclude: bool = False,
) -> Iterator[Candidate | tuple[str, str]]:
    """Yield files to lint, or ``(path, problem)`` for a path that cannot be linted.

    Explicit files are linted (unless ``force_exclude`` and excluded); directories are walked for
    shell scripts, skipping SKIP_DIRS, excluded paths and, with ``respect_gitignore`` (a flag, or
    a function of the directory being walked), what ``.gitignore`` files ignore. ``excluded``
    decides exclusion (default: ``exclude`` patterns relative to ``root``). Symlinked directories
    are not followed (no loops).
    """
    if excluded is None:
        patterns = list(exclude)
        base = root or Path.cwd()

        def excluded(path: Path) -> bool:
            return bool(patterns) and matches_any(path, patterns, base)

    seen: set[str] = set()
    for raw in paths:
        # os.stat on the string as given: ``file.sh/`` is "not a directory", not file.sh.
        try:
            info = os.stat(raw)
        except OSError as exc:
            yield (raw, _stat_problem(raw, exc))
            continue
        path = Path(raw)
        if force_exclude and excluded(path):
            continue
        if stat.S_ISDIR(info.st_mode):
            gitignore = respect_gitignore(path) if callable(respect_gitignore) else respect_gitignore
            walked = _walk(path, excluded, seen, GitIgnore.above(path) if gitignore else None)
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


class GitIgnore:
    """``.gitignore`` matching for a directory walk (Ruff's ``respect-gitignore``).

    The patterns of every ``.gitignore`` from the repository's top (the nearest folder above with
    ``.git``; without one, the walked folder) down to a folder, plus ``.git/info/exclude``, are
    rewritten relative to the top (a pattern without a slash matches at any depth below its
    file's folder, one with a slash is anchored there) and matched with ``pathspec``'s gitignore
    semantics: the last matching pattern wins, so deeper files and ``!`` negations override."""

    def __init__(self, top: Path, lines: list[str]) -> None:
        self.top = top
        self.lines = lines
        self._spec: object | None = None

    @classmethod
    def above(cls, folder: Path) -> GitIgnore:
        here = Path(os.path.abspath(folder))
        top = next((p for p in (here, *here.parents) if _exists(p / ".git")), here)
        lines = _read_ignore(top / ".git" / "info" / "exclude", "")
        ignore = cls(top, lines)
        # The .gitignore files of the folders between the top and the walked folder.
        chain = [here, *here.parents]
        for folder_above in reversed(chain[: chain.index(top) + 1] if top in chain else [here]):
            ignore = ignore.child(folder_above)
        return ignore

    def child(self, folder: Path) -> GitIgnore:
        """The matcher for ``folder`` (below ``top``): this one plus ``folder/.gitignore``."""
        rel = os.path.relpath(os.path.abspath(folder), self.top)
        prefix = "" if rel == "." else Path(rel).as_posix() + "/"
        extra = _read_ignore(Path(folder) / ".gitignore", prefix)
        return GitIgnore(self.top, self.lines + extra) if extra else self

    def ignores(self, path: Path, is_dir: bool) -> bool:
        if not self.lines:
            return False
        import pathspec

        if self._spec is None:
            self._spec = pathspec.GitIgnoreSpec.from_lines(self.lines)
        rel = Path(os.path.relpath(os.path.abspath(path), self.top)).as_posix()
        if rel.startswith("../"):
            return False
        return bool(self._spec.match_file(rel + "/" if is_dir else rel))  # type: ignore[attr-defined]


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a folder we may not look into
        return False


def _read_ignore(path: Path, prefix: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        body = line[1:] if negate else line
        if body.startswith("\\"):  # an escaped leading `!` or `#`
            body = body[1:]
        dir_only = body.endswith("/")
        body = body.rstrip("/")
        if not body:
            continue
        if "/" in body:  # anchored at the folder of its .gitignore
            rewritten = "/" + prefix + body.lstrip("/")
        else:  # any depth below that folder
            rewritten = "/" + prefix + "**/" + body if prefix else body
        out.append(("!" if negate else "") + rewritten + ("/" if dir_only else ""))
    return out


def _stat_problem(raw: str, exc: OSError) -> str:
    if exc.errno == errno.ENOENT and os.path.islink(raw):
        return "could not read: broken symbolic link"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        return "could not read: symbolic link loop (too many levels of symbolic links)"
    return f"could not read: {(exc.strerror or str(exc)).lower()}"


def _walk(
    top: Path, excluded: Callable[[Path], bool], seen: set[str], gitignore: GitIgnore | None
) -> Iterator[Candidate | tuple[str, str]]:
    errors: list[OSError] = []
    # A symbolic link found by the walk is linted only when it points inside the walked folder or
    # its repository: a checkout's `leak.sh -> ~/.ssh/config` is never read (see roots.py).
    real_top = os.path.realpath(top)
    inside = [real_top] + [os.path.realpath(g) for g in [git_top_level(real_top)] if g]
    ignores: dict[str, GitIgnore] = {}
    if gitignore is not None:
        ignores[os.path.normpath(str(top))] = gitignore
    for dirpath, dirnames, filenames in os.walk(top, onerror=errors.append, followlinks=False):
        here = ignores.pop(os.path.normpath(dirpath), None)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not excluded(Path(dirpath, d))
            and not (here is not None and here.ignores(Path(dirpath, d), True))
        )
        if here is not None:
            for d in dirnames:
                sub = Path(dirpath, d)
                ignores[os.path.normpath(str(sub))] = here.child(sub)
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
            if excluded(path) or (here is not None and here.ignores(path, False)) or not (
                is_shell_script(path) or _is_ci_file(path)
            ):
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


_LONG_LINE = lazy(rb"[^\n]{%d}" % (MAX_LINE_BYTES + 1))


def not_text(raw: bytes) -> str | None:
    """Why ``raw`` is not a shell script's text (None: it is): a NUL byte, or a line longer
    than MAX_LINE_BYTES. Such input is not linted (tree-sitter's time on it is unbounded)."""
    nul = raw.find(b"\0")
    if nul != -1:
        line = raw.count(b"\n", 0, nul) + 1
        return f"not a text file (a NUL byte on line {line}); not linted"
    if len(raw) > MAX_LINE_BYTES:
        long = _LONG_LINE().search(raw)
        if long is not None:
            line = raw.count(b"\n", 0, long.start()) + 1
            return f"not a text file (line {line} is longer than {describe_size(MAX_LINE_BYTES)}); not linted"
    return None
