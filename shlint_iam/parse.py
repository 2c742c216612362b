"""Parsing with tree-sitter-bash: one parser per process, and the syntax errors it found."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .model import Span
from .source import SourceFile

_PARSER: Any = None


def parser() -> Any:
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_bash

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _PARSER


def parse(source: SourceFile) -> Any:
    """The tree-sitter tree of ``source``."""
    return parser().parse(source.data)


_RESERVED = {b"fi", b"done", b"esac", b"then", b"else", b"elif", b"do", b"in"}
_QUERY: Any = None


def _misplaced_keywords(source: SourceFile, tree: Any) -> list[tuple[Span, str]]:
    """Reserved words that tree-sitter accepts as command names but bash rejects (a stray `fi`)."""
    global _QUERY
    if not any(word.decode() in source.text for word in (b"fi", b"done", b"esac", b"then", b"else", b"do")):
        return []
    import tree_sitter

    if _QUERY is None:
        _QUERY = tree_sitter.Query(parser().language, "(command_name (word) @name)")
    found = []
    for node in tree_sitter.QueryCursor(_QUERY).captures(tree.root_node).get("name", []):
        text = source.data[node.start_byte : node.end_byte]
        if text in _RESERVED:
            found.append((source.span(node.start_point, node.end_point), f"unexpected `{text.decode()}`"))
    return found


def syntax_errors(source: SourceFile, tree: Any) -> list[tuple[Span, str]]:
    """The script's syntax errors as (span, description).

    tree-sitter-bash rejects a few valid constructs (``for i do``, ``$((...)) 2>/dev/null``,
    an unquoted ``~`` in ``[ ]``); when it reports errors, ``bash -n`` (which reads the script
    without executing any of it) has the last word where bash is installed."""
    found = _tree_errors(source, tree)
    if found and _bash_accepts(source) is True:
        return []
    return found


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
            pt = node.start_point
            found.append(
                (source.span((pt[0], pt[1]), (pt[0], pt[1])), f"missing `{node.type}`")
            )
            continue
        if node.type == "ERROR":
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
