"""Deployment commands in functions the analysis never ran (SH002 ``unreached-deploy``).

The interpreter runs a function's body where the script calls it. A function it never saw
called (defined but unused, or called only in a way it cannot follow) holds commands nobody
analysed; this module finds the deployment steps in them, from the syntax tree, so that the gap
is said instead of silently dropped.

A *library* (a file whose top level only defines functions and sets variables, meant to be
sourced) is left out: its functions are analysed where a sourcing script calls them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from .gcloud.argv import parse_gcloud
from .model import Span
from .parse import captures
from .records import record
from .shell.trace import CommandRun, Word
from .source import SourceFile
from .steps import step_verb

# Top-level statements a library may have besides function definitions.
_LIBRARY_STATEMENTS = {"function_definition", "variable_assignment", "declaration_command", "comment",
                       "unset_command"}
_LIBRARY_COMMANDS = {"source", ".", "set", "shopt", "export", "readonly", "declare", "typeset", ":", "true"}


@record(frozen=True)
class Unreached:
    """A function no analysed call ran, and the deployment steps written in it."""

    span: Span  # the function's name where it is defined
    function: str
    steps: tuple[str, ...]  # each step as `gcloud GROUP ... VERB`, in order
    # the first call that ran before the definition (bash: "command not found"), if any
    called_early: Span | None

    def __init__(self, span: Span, function: str, steps: tuple[str, ...], called_early: Span | None = None) -> None:
        self.__dict__.update(span=span, function=function, steps=steps, called_early=called_early)


def unreached_functions(source: SourceFile, tree: Any, commands: Iterable[CommandRun],
                        aborted: Iterable[str] = ()) -> list[Unreached]:
    """``aborted``: functions that were called but stopped by a bad substitution (``${$1}``)
    before any command ran: bash runs none of their steps, and SH000 says why."""
    places = _gcloud_places(source)
    if not places:  # no gcloud in the text: no deployment step anywhere
        return []
    root = tree.root_node
    if _is_library(source, root):
        return []
    ran = set(aborted)  # functions whose bodies ran
    by_name: dict[str, list[CommandRun]] = {}  # commands run by a known name (a call the body of which may not have)
    for run in commands:
        if run.function:
            ran.add(run.function)
        if isinstance(run.name, str):  # a command named by a value the analysis cannot know ran nothing by name
            by_name.setdefault(run.name, []).append(run)
    found: list[Unreached] = []
    for node in _function_definitions(source, root, tree, places):
        name_node = node.child_by_field_name("name")
        name = _text(source, name_node) if name_node is not None else ""
        if not name or name in ran:
            continue
        # A command by this name counts as a call, unless it ran in this file before the definition:
        # bash had no such function yet (`main "$@"` above `main() {`: "command not found").
        defined_at = (node.start_point[0] + 1, node.start_point[1] + 1)
        early = [run for run in by_name.get(name, ())
                 if run.span.path == source.path and (run.span.start_line, run.span.start_col) < defined_at]
        if len(early) < len(by_name.get(name, ())):
            continue
        steps = _steps(source, node, places)
        if steps:
            first = min((run.span for run in early), key=lambda span: (span.start_line, span.start_col)) \
                if early else None
            found.append(Unreached(source.span(name_node.start_point, name_node.end_point), name, tuple(steps), first))
    return sorted(found, key=lambda u: (u.span.start_line, u.span.start_col))


QUERY_BYTES = 32 * 1024  # from this size on, function definitions are found by a tree-sitter query


def _function_definitions(source: SourceFile, root: Any, tree: Any, places: list[int]) -> list[Any]:
    """The function definitions of the script, nested ones too, that may hold a gcloud command:
    a definition whose text has no ``gcloud`` has no deployment step, so the walk goes down only
    into nodes whose text holds one (most of a script is not on the way to a gcloud command)."""
    if len(source.data) >= QUERY_BYTES:
        return [node for node in captures(tree, "(function_definition) @function", "function")
                if _holds(places, node)]
    found = []
    todo = [root]
    count, size = len(places), len(_GCLOUD)
    while todo:
        node = todo.pop()
        if node.type == "function_definition":
            found.append(node)
        children = node.children
        if children:  # most nodes are leaves
            for child in reversed(children):  # _holds, inline
                i = bisect_left(places, child.start_byte)
                if i < count and places[i] + size <= child.end_byte:
                    todo.append(child)
    return found


_GCLOUD = b"gcloud"


def _gcloud_places(source: SourceFile) -> list[int]:
    """The byte offsets of every ``gcloud`` in the script, in order."""
    data = source.data
    places = []
    at = data.find(_GCLOUD)
    while at >= 0:
        places.append(at)
        at = data.find(_GCLOUD, at + 1)
    return places


def _holds(places: list[int], node: Any) -> bool:
    """Whether the text of ``node`` holds one of ``places`` (a ``gcloud`` found by _gcloud_places)."""
    i = bisect_left(places, node.start_byte)
    return i < len(places) and places[i] + len(_GCLOUD) <= node.end_byte


def _is_library(source: SourceFile, root: Any) -> bool:
    has_function = False
    for node in root.children:
        if node.type == "function_definition":
            has_function = True
        elif node.type == "command":
            name = node.child_by_field_name("name")
            if name is None or _text(source, name) not in _LIBRARY_COMMANDS:
                return False
        elif node.type not in _LIBRARY_STATEMENTS:
            return False
    return has_function


def _steps(source: SourceFile, function: Any, places: list[int]) -> list[str]:
    """The deployment steps written in ``function``'s body (not in functions defined inside it);
    only nodes whose text holds a ``gcloud`` are looked into."""
    steps: list[str] = []
    body = function.child_by_field_name("body")
    todo = [body] if body is not None and _holds(places, body) else []
    while todo:
        node = todo.pop()
        if node.type == "function_definition":
            continue
        if node.type == "command":
            step = _step(source, node)
            if step:
                steps.append(step)
        children = node.children
        if children:
            todo.extend(child for child in reversed(children) if _holds(places, child))
    return steps


def _step(source: SourceFile, command: Any) -> str | None:
    name = command.child_by_field_name("name")
    if name is None or _text(source, name) != "gcloud":
        return None
    words = [Word("gcloud", source.span(name.start_point, name.end_point))]
    for child in command.children:
        if child.start_byte < name.end_byte or child.type in ("file_redirect", "herestring_redirect", "comment"):
            continue
        words.append(Word(_unquoted(_text(source, child)), source.span(child.start_point, child.end_point)))
    cmd = parse_gcloud(words)
    if step_verb(cmd) is None:
        return None
    track = f"{cmd.track} " if cmd.track else ""
    return f"gcloud {track}{cmd.command}"


def _text(source: SourceFile, node: Any) -> str:
    return source.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and "$" not in text:
        return text[1:-1]
    return text
