"""Where a script can take an inserted line without changing what it does.

A line may go in between statements: not inside a here-document, a string, backquotes or a
command's words, and not after a line that continues onto the next with a ``\\``. ``check
--add-noqa`` puts its directives there, and the binding fixes their commands.
"""

from __future__ import annotations

from typing import Any

from .source import SourceFile

# Nodes a line may stand in (between two statements, after `&&`, `|`, a case pattern, in `$( )`).
_STATEMENT_CONTAINERS = {
    "program", "function_definition", "compound_statement", "subshell", "if_statement", "elif_clause",
    "else_clause", "while_statement", "for_statement", "do_group", "case_statement", "case_item", "list",
    "pipeline", "negated_command", "command_substitution", "redirected_statement", "variable_assignment",
    "declaration_command",
}


def syntax_root(source: SourceFile) -> Any:
    from .parse import parse

    return parse(source).root_node


def between_statements(source: SourceFile, root: Any, offset: int) -> bool:
    """Whether byte ``offset`` of ``source`` lies between statements: every node around it is
    one that holds statements (a here-document, a string, backquotes or a word is not)."""
    node = root
    while True:
        inner = next((c for c in node.children if c.start_byte < offset < c.end_byte), None)
        if inner is None:
            return True
        if inner.type not in _STATEMENT_CONTAINERS:
            return False
        if inner.type == "command_substitution" and not source.data[inner.start_byte:].startswith(b"$("):
            return False
        node = inner


def can_insert_line_before(source: SourceFile, root: Any, line: int) -> bool:
    """Whether a line inserted before ``line`` (1-based) leaves the script's meaning unchanged:
    ``line`` starts between statements and the line before it does not continue onto it."""
    if line < 1 or line > len(source._line_starts):
        return False
    if line == 1:
        return not source.text.startswith("#!")
    if source.lines[line - 2].rstrip("\r").endswith("\\"):
        return False
    return between_statements(source, root, source._line_starts[line - 1])
