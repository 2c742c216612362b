"""Parsing with tree-sitter-bash: one parser per thread, and the syntax errors it found."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from .lazyre import lazy
from .model import Span
from .source import SourceFile

_LANGUAGE: Any = None
_PARSERS = threading.local()  # a tree-sitter parser must not be used by two threads at once

# -- bounded parsing ---------------------------------------------------------------------------
# tree-sitter's parse time is about quadratic on some inputs (long runs of `)`, `|`, `<`, `>`,
# NUL): the lexer reads the same bytes again and again while the parser recovers from errors.
# The C parser holds the GIL, so neither the per-file time limit nor Ctrl-C can stop it. Text is
# therefore handed to tree-sitter through a read callback that counts the bytes the lexer asks
# for, and a progress callback cancels the parse once that count passes a budget proportional
# to the input: deterministic, whatever the machine load. A normal script is read 1 to 11 times
# over (measured on 238 shell scripts of a Debian system); the pathological inputs above read
# their text thousands of times over.
PARSE_READ_FACTOR = 64  # bytes the lexer may read per byte of input ...
PARSE_READ_SLACK = 4 * 1024 * 1024  # ... plus this many
PARSE_CHUNK = 4096  # bytes handed to tree-sitter per read
PARSE_TIME_LIMIT = 20.0  # seconds: a last resort only, never reached by the budget's inputs


class ParseIncomplete(Exception):
    """tree-sitter was stopped before the end of the text (a parse bound was reached)."""


def language() -> Any:
    global _LANGUAGE
    if _LANGUAGE is None:
        import tree_sitter
        import tree_sitter_bash

        _LANGUAGE = tree_sitter.Language(tree_sitter_bash.language())
    return _LANGUAGE


def parser() -> Any:
    """This thread's parser (the language server's code actions parse beside a running lint)."""
    p = getattr(_PARSERS, "parser", None)
    if p is None:
        import tree_sitter

        p = _PARSERS.parser = tree_sitter.Parser(language())
    return p


def parse(source: SourceFile) -> Any:
    """The tree-sitter tree of ``source``, parsed within the parse bounds (raises
    ParseIncomplete past them). Byte offsets and points are those of ``source.data``."""
    data = scanner_safe(source.data)
    tree = parse_bytes(data)
    if tree.root_node.has_error and b"${$" in data:
        # `echo "URL: ${$SERVICE_URL}"` (a typo for `${SERVICE_URL}`; also `${$1}`) parses in bash,
        # which fails it at run time ("bad substitution": SH000 and the interpreter say what bash
        # does then); tree-sitter-bash cannot parse it and lets the error swallow the lines after it
        # (in backquotes, up to the end of the file). Read as `${_SERVICE_URL}` (same length), the
        # rest parses as bash reads it; nodes are read from the original text (`$SERVICE_URL`).
        repaired = _BAD_SUBSTITUTION().sub(rb"${_", data)
        fixed = parse_bytes(repaired)
        if not fixed.root_node.has_error:
            return fixed
    return tree


_BAD_SUBSTITUTION = lazy(rb"\$\{\$(?=[A-Za-z_0-9])")


def parse_bytes(
    data: bytes, read_factor: int = PARSE_READ_FACTOR, slack: int = PARSE_READ_SLACK, old_tree: Any = None
) -> Any:
    """The tree of ``data`` within the parse bounds (see :func:`parse`); ``old_tree``: the tree of
    an earlier text, already edited (``Tree.edit``) to match ``data``, re-parsed where it differs."""
    import time

    budget = read_factor * len(data) + slack
    served = 0
    over = False
    deadline = time.monotonic() + PARSE_TIME_LIMIT

    def read(offset: int, _point: Any) -> memoryview:
        nonlocal served, over
        if over:
            return _chunk(b"")
        chunk = data[offset : offset + PARSE_CHUNK]
        served += len(chunk)
        if served > budget:
            over = True  # the lexer sees the end of the text; the progress callback cancels
            return _chunk(b"")
        return _chunk(chunk)

    def progress(_offset: int, _has_error: bool) -> bool:
        nonlocal over
        if not over and time.monotonic() > deadline:
            over = True
        return over

    p = parser()
    reuse = {} if old_tree is None else {"old_tree": old_tree}  # None is refused
    try:
        tree = p.parse(read, progress_callback=progress, **reuse)
    except ValueError:  # the binding's answer to a cancelled parse
        tree = None
    except BaseException:
        p.reset()  # an exception from a callback (Ctrl-C, the analysis time limit)
        raise
    if tree is None or over:
        # A halted parser resumes where it stopped on its next call unless it is reset.
        p.reset()
        raise ParseIncomplete(
            f"parsing stopped at its work bound (tree-sitter read more than {read_factor} times the "
            f"{len(data)} bytes of text); the file was not analysed"
        )
    # The same tree again, now backed by the bytes themselves: a tree parsed from a callback reads
    # `node.text` through it, and the binding keeps every chunk that call returns (see below).
    # Incremental with nothing edited, it reuses every node: about a tenth of the first parse.
    return p.parse(data, old_tree=tree)


# py-tree-sitter (0.26.1 and before) keeps a reference to every object a read callback returns,
# during the parse and in `node.text` of a tree parsed from a callback, so each chunk handed over
# stayed in memory for good: every parse leaked the bytes it read (1 to 11 times the script), and
# every `node.text` of the interpreter up to PARSE_CHUNK bytes more. The chunks are therefore
# copied into one buffer that lives as long as the process and handed over as views of it, one
# view object per chunk length: the references the binding keeps all point at these few
# objects; and the tree the analysis gets is parsed from bytes (parse_bytes). tree-sitter uses a
# chunk only until it asks for the next one (TSInput's contract), so refilling the buffer is
# safe; there is one parser per process, and so one parse at a time.
_BUFFER = bytearray(PARSE_CHUNK)
_VIEWS: dict[int, memoryview] = {}


def _chunk(chunk: bytes) -> memoryview:
    size = len(chunk)
    _BUFFER[:size] = chunk
    view = _VIEWS.get(size)
    if view is None:
        view = _VIEWS[size] = memoryview(_BUFFER)[:size]
    return view


# -- the scanner's ctype lookups ------------------------------------------------------------
# tree-sitter-bash's external scanner (src/scanner.c, `brace_start`) tests the character after
# `{`, after the digits of `{12` and after `..` with isdigit() from <ctype.h>, whose table covers
# only -128..255; glibc indexes it with the code point unchecked, so `{` followed by U+10FFFF
# reads 2 MB past the table and crashes (SIGSEGV) whenever that page is unmapped (it depends on
# the address-space layout: a quarter to two thirds of runs). Such a character is replaced,
# before parsing, by characters of the same UTF-8 length that every classification the scanner
# and lexer make treats the same way (iswspace, iswalpha, iswalnum, iswdigit, Unicode white
# space) but with small code points: two Latin-1 characters for a 4-byte one, a Latin-1 one for
# a 2-byte one, the lowest matching 3-byte one (U+0800 upward, inside the table's mapping) for a
# 3-byte one. Byte offsets, rows and byte columns stay identical, and nodes are read from the
# original text, so nothing downstream sees the difference. Native crashes are contained in any
# case (see isolate.py).
_AFTER = rb"[{.0-9]"
_RISKY = lazy(
    _AFTER + rb"((?:[\xc4-\xdf][\x80-\xbf])|(?:[\xe0-\xef][\x80-\xbf]{2})|(?:[\xf0-\xf4][\x80-\xbf]{3}))"
)
_JS_SPACE = frozenset([0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF])
_SUBSTITUTES: dict[tuple[int, tuple[bool, ...]], bytes] = {}


def _classes(code: int) -> tuple[bool, ...]:
    import ctypes

    libc = _libc()
    if libc is None:
        return (code in _JS_SPACE,)
    wc = ctypes.c_uint32(code)
    return (
        code in _JS_SPACE,
        bool(libc.iswspace(wc)),
        bool(libc.iswalpha(wc)),
        bool(libc.iswalnum(wc)),
        bool(libc.iswdigit(wc)),
    )


_LIBC: Any = None


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        import ctypes

        try:
            _LIBC = ctypes.CDLL(None)
            _LIBC.iswspace  # noqa: B018 - present?
        except (OSError, AttributeError):  # pragma: no cover - not a C library with wctype
            _LIBC = False
    return _LIBC or None


def _substitute(char: bytes) -> bytes:
    code = ord(char.decode("utf-8", "surrogatepass"))
    key = (len(char), _classes(code))
    found = _SUBSTITUTES.get(key)
    if found is not None:
        return found
    latin1 = range(0xA1, 0x100)
    if len(char) in (2, 4):
        # one (two) Latin-1 characters: inside the ctype table
        twin = next((c for c in latin1 if _classes(c) == key[1]), None)
        if twin is not None:
            found = chr(twin).encode() * (len(char) // 2)
    if found is None and len(char) == 3:
        found = next(
            (chr(c).encode() for c in range(0x800, code + 1) if not 0xD800 <= c < 0xE000 and _classes(c) == key[1]),
            char,
        )
    if found is None:
        found = char  # no safer twin: left as it is (the crash is contained)
    _SUBSTITUTES[key] = found
    return found


def scanner_safe(data: bytes) -> bytes:
    """``data`` with the characters the scanner would test with isdigit() replaced (see above)."""
    if data.isascii():
        return data
    return _RISKY().sub(lambda m: m.group(0)[:1] + _substitute(m.group(1)), data)


_RESERVED = {b"fi", b"done", b"esac", b"then", b"else", b"elif", b"do", b"in"}
_BY_POSITION = 256  # up to this many places, each is looked up in the tree; past it, a query runs
# Every place a reserved word's bytes occur (overlapping): a command name that is one starts at one.
_RESERVED_WORDS = (b"fi", b"done", b"esac", b"then", b"else", b"elif", b"do", b"in")


def _reserved_places(data: bytes, limit: int) -> list[int]:
    """The first ``limit + 1`` places, in order, where a reserved word's bytes start (overlapping),
    found with ``bytes.find``: a regular expression ``(?=(fi|done|...))`` tries its lookahead at
    every byte (1.6% of a lint's instructions). Window by window, so that a big script is not
    searched past the places needed."""
    places: list[int] = []
    start, size = 0, len(data)
    while start < size and len(places) <= limit:
        end = min(start + 4096, size)
        found: set[int] = set()
        for word in _RESERVED_WORDS:
            stop = end + len(word) - 1  # a word that starts in this window may end past it
            i = data.find(word, start, stop)
            while i != -1:
                found.add(i)
                i = data.find(word, i + 1, stop)
        places.extend(sorted(found))
        start = end
    return places[: limit + 1]


def _misplaced_keywords(source: SourceFile, tree: Any) -> list[tuple[Span, str]]:
    """Reserved words that tree-sitter accepts as command names but bash rejects (a stray `fi`)."""
    if not any(word.decode() in source.text for word in (b"fi", b"done", b"esac", b"then", b"else", b"do")):
        return []
    # Building the query costs more than a short script's whole parse (~8 ms): a short script's
    # candidates are looked up by position instead; both find every `command_name` word exactly.
    data = source.data
    places = _reserved_places(data, _BY_POSITION)
    if len(places) <= _BY_POSITION:
        root = tree.root_node
        names = []
        for start in places:
            node = root.descendant_for_byte_range(start, start + 1)  # the leaf starting there
            if node is not None and node.type == "word" and node.start_byte == start:
                parent = node.parent
                if parent is not None and parent.type == "command_name":
                    names.append(node)
    else:
        names = _command_name_words(tree)
    found = []
    for node in names:
        text = data[node.start_byte : node.end_byte]
        if text in _RESERVED:
            found.append((source.span(node.start_point, node.end_point), f"unexpected `{text.decode()}`"))
    return found


def _command_name_words(tree: Any) -> list[Any]:
    return captures(tree, "(command_name (word) @name)", "name")


_QUERIES: dict[str, Any] = {}


def query(pattern: str) -> Any:
    """The tree-sitter query ``pattern``, built once per process (~8 ms each)."""
    import tree_sitter

    built = _QUERIES.get(pattern)
    if built is None:
        built = _QUERIES[pattern] = tree_sitter.Query(language(), pattern)
    return built


def captures(tree: Any, pattern: str, name: str) -> list[Any]:
    """The nodes of ``tree`` that the tree-sitter query ``pattern`` captures as ``name``, in the
    text's order. The query runs in C (much faster than a walk in Python over a big tree), but
    building it costs ~8 ms once per process: for big scripts only."""
    import tree_sitter

    found = tree_sitter.QueryCursor(query(pattern)).captures(tree.root_node).get(name, [])
    return sorted(found, key=lambda node: node.start_byte)


def syntax_errors(source: SourceFile, tree: Any) -> list[tuple[Span, str]]:
    """The script's syntax errors as (span, description).

    tree-sitter-bash rejects a few valid constructs (``for i do``, ``$((...)) 2>/dev/null``,
    an unquoted ``~`` in ``[ ]``); when it reports errors, ``bash -n`` (which reads the script
    without executing any of it) has the last word where bash is installed."""
    found = _tree_errors(source, tree)
    if found and _bash_accepts(source) is True:
        found = []
    if b"${$" in source.data:
        found.extend(_bad_substitutions(source, tree))  # `bash -n` accepts them: bash fails them when it runs them
    return found


def _bad_substitutions(source: SourceFile, tree: Any) -> list[tuple[Span, str]]:
    """Each ``${$NAME...}`` / ``${$1...}`` that bash would expand (not in a comment, single quotes
    or a quoted here-document): bash's parser accepts it, its expansion fails ("bad substitution")."""
    data = source.data
    found = []
    for match in _BAD_SUBSTITUTION().finditer(data):
        start = match.start()
        node = tree.root_node.descendant_for_byte_range(start, start + 3)
        while node is not None and node.type != "expansion":
            node = node.parent
        if node is None or data[node.start_byte : start].strip():
            continue
        written = data[start : node.end_byte].decode("utf-8", "replace")
        meant = "${" + written[3:]
        found.append((source.span(_point(data, start), node.end_point),
                      f"`{written}` is a bad substitution: bash parses it but cannot expand it, so the command "
                      "does not run (status 1) and bash drops the rest of the statement it is in; under `set -e` "
                      f"the script exits there. For the variable's value write `{meant}`"))
    return found


def _point(data: bytes, offset: int) -> tuple[int, int]:
    """The (row, byte column) of ``offset`` in ``data``."""
    row = data.count(b"\n", 0, offset)
    return row, offset - (data.rfind(b"\n", 0, offset) + 1)


def _bash_accepts(source: SourceFile) -> bool | None:
    """Whether ``bash -n`` parses the text (None: bash is not available or did not answer)."""
    import os
    import subprocess

    if os.environ.get("SHLINT_IAM_NO_BASH"):
        return None
    bash = system_bash(os.environ.get("PATH", os.defpath))
    if bash is None:
        return None
    try:
        proc = subprocess.run(
            [bash, "--norc", "--noprofile", "-n", "/dev/stdin"],
            input=source.data,
            capture_output=True,
            timeout=10,
            env={"PATH": os.defpath, "LC_ALL": "C"},
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.returncode == 0


@lru_cache(maxsize=8)
def system_bash(search_path: str) -> str | None:
    """The absolute path of the first executable ``bash`` in the *absolute* entries of
    ``search_path``. An empty or relative entry (``PATH=":/usr/bin"`` or ``".:$PATH"``) means the
    working directory, i.e. the checkout being linted, whose ``./bash`` must never run: those
    entries are skipped."""
    import os

    for entry in search_path.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        candidate = os.path.join(entry, "bash")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _tree_errors(source: SourceFile, tree: Any) -> list[tuple[Span, str]]:
    """Each ERROR or MISSING region as (span, description), outermost first, found iteratively."""
    root = tree.root_node
    found: list[tuple[Span, str]] = _misplaced_keywords(source, tree)
    if not root.has_error:
        return found
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            opener = _opener_of(node)
            if opener is not None:  # a `fi`, `done`, `esac`, `}` the script never wrote
                found.append((source.span(opener.start_point, opener.end_point),
                              f"this `{opener.type}` is never closed: add `{node.type}`"))
                continue
            pt = _inside(source, node.start_point)
            found.append((source.span(pt, pt), f"missing `{node.type}`"))
            continue
        if node.type == "ERROR":
            if _has_missing_closer(node):  # an inner statement left open: say that one
                stack.extend(reversed(node.children))
                continue
            unclosed = _unclosed_at_end(source, node)
            if unclosed is not None:
                opener, closer = unclosed
                found.append((source.span(opener.start_point, opener.end_point),
                              f"this `{opener.type}` is never closed: add `{closer}`"))
                continue
            culprit = _first_unexpected(node)
            text = source.data[culprit.start_byte : culprit.end_byte].decode("utf-8", "replace")
            text = text.split("\n", 1)[0].strip()
            desc = f"unexpected `{text[:30]}`" if text else "unexpected end of input"
            end = culprit.end_point if culprit.end_point[0] == culprit.start_point[0] else None
            start = culprit.start_point
            found.append((source.span(start, end or (start[0], start[1] + len(text.encode()))), desc))
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return found


# What closes what: a statement left open is reported at its opening keyword (ShellCheck's
# SC1046 "Couldn't find 'fi' for this 'if'"), never at the end of the file.
_CLOSERS = {"if": "fi", "case": "esac", "{": "}", "for": "done", "while": "done", "until": "done",
            "select": "done"}
_OPENERS: dict[str, set[str]] = {}
for _opener, _closer in _CLOSERS.items():
    _OPENERS.setdefault(_closer, set()).add(_opener)


def _opener_of(missing: Any) -> Any | None:
    """The keyword that opened the statement a MISSING closer (``fi``, ``done``...) belongs to."""
    openers = _OPENERS.get(missing.type)
    if not openers:
        return None
    node = missing.parent
    while node is not None:
        for child in node.children:
            if child.type in openers and not child.is_missing:
                return child
        node = node.parent
    return None


def _has_missing_closer(node: Any) -> bool:
    todo = list(node.children)
    while todo:
        child = todo.pop()
        if child.is_missing and _opener_of(child) is not None:
            return True
        if child.has_error:
            todo.extend(child.children)
    return False


def _unclosed_at_end(source: SourceFile, error: Any) -> tuple[Any, str] | None:
    """For an ERROR region that runs to the end of the file, the innermost statement it leaves
    open (its opening keyword and the word that would close it), if any."""
    if source.data[error.end_byte :].strip():
        return None
    stack: list[Any] = []
    for child in error.children:
        kind = child.type
        if kind in _CLOSERS:
            stack.append(child)
        elif kind in _OPENERS:
            for i in range(len(stack) - 1, -1, -1):
                if _CLOSERS[stack[i].type] == kind:
                    del stack[i:]
                    break
    if not stack:
        return None
    opener, closer = stack[-1], _CLOSERS[stack[-1].type]
    # The closer written later but not recognised (`if true` without `then` ... `fi`): not
    # "never closed"; the unexpected word says it.
    todo = list(error.children)
    while todo:
        node = todo.pop()
        if (node.start_byte >= opener.end_byte and node.child_count == 0 and not node.is_missing
                and source.data[node.start_byte : node.end_byte] == closer.encode()):
            return None
        todo.extend(node.children)
    return opener, closer


def _inside(source: SourceFile, point: tuple[int, int]) -> tuple[int, int]:
    """``point`` (row, byte column), moved back to the end of the last line when it is past the
    end of the text (tree-sitter puts a MISSING token at the end of input, after the final
    newline, on a line the file does not have)."""
    row, col = point
    lines = source.lines  # a text ending in a newline has an empty last element
    last = len(lines) - 1
    if last > 0 and lines[last] == "" and row >= last:
        row = last - 1
        col = len(lines[row].rstrip("\r").encode("utf-8", "surrogateescape"))
    return row, col


_STATEMENTS = {
    "command",
    "comment",
    "variable_assignment",
    "declaration_command",
    "list",
    "pipeline",
    "redirected_statement",
    "function_definition",
    "if_statement",
    "for_statement",
    "while_statement",
    "case_statement",
    "subshell",
    "compound_statement",
    "negated_command",
    "test_command",
    "c_style_for_statement",
    "unset_command",
}


def _first_unexpected(error: Any) -> Any:
    """The first child of an ERROR node that is not a complete statement: where parsing went wrong."""
    for child in error.children:
        if child.type not in _STATEMENTS or child.has_error:
            if child.has_error and child.type != "ERROR" and child.child_count:
                return _first_unexpected(child)
            return child
    return error
