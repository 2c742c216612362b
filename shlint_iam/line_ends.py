"""How the lines of a shell script end, for the language server's "disable" quick fix: whether a
line ends with a comment (and whether that comment is a ``# shlint-iam disable=`` directive), and
whether it ends inside a quoted string or a here-document (where a comment cannot go).

tree-sitter says so (a ``#`` in quotes is no comment). A code action asks about one or two lines
of a text, so each line is looked up on demand (a query limited to that line) instead of all of
them, and the text is parsed reusing the tree of the text parsed before it: the latest published
lint's text is usually the previous one with a few lines edited, and tree-sitter then re-parses
only around the edit (a 5,000-line script: about 45 ms instead of 90 to 120 ms for the first code
action after each published lint), within the same bounds as any parse (parse.parse_bytes).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

DIRECTIVE = re.compile(
    r"#\s*shlint-iam\s*:?\s*disable\s*=\s*(?P<codes>[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)"
)
_STRINGY = ("ansi_c_string", "heredoc_body", "heredoc_content", "raw_string", "string", "translated_string")
ENDS_QUERY = "[" + " ".join(f"({kind})" for kind in ("comment", *_STRINGY)) + "] @node"


@dataclass
class LineEnd:
    comment: int | None = None  # code-point column of a trailing comment that is no directive
    directive: int | None = None  # code-point column of a trailing `# shlint-iam disable=` comment
    unsafe: bool = False  # the line ends inside a string or a here-document


class LineEnds:
    """How each line of ``text`` ends, looked up by 0-based row (``ends[row]``)."""

    def __init__(self, text: str) -> None:
        from .source import SourceFile

        self.lines = text.split("\n")
        self.source = SourceFile.from_bytes("<lsp>", text.encode("utf-8", "surrogatepass"))
        self.tree = parse_reusing(self.source.data)
        self._rows: dict[int, LineEnd] = {}
        self._lock = threading.Lock()

    def __getitem__(self, row: int) -> LineEnd:
        with self._lock:
            found = self._rows.get(row)
            if found is None:
                found = self._rows[row] = self._compute(row)
            return found

    def _compute(self, row: int) -> LineEnd:
        import tree_sitter

        end = LineEnd()
        if not 0 <= row < len(self.lines):
            return end
        from .parse import query

        cursor = tree_sitter.QueryCursor(query(ENDS_QUERY))
        cursor.set_point_range((row, 0), (row + 1, 0))  # the nodes on that line, or across it
        for node in sorted(cursor.captures(self.tree.root_node).get("node", []), key=lambda n: n.start_byte):
            if node.type == "comment":
                if node.start_point[0] == row:
                    column = self.source.char_col(row, node.start_point[1]) - 1
                    if DIRECTIVE.match(self.lines[row][column:].rstrip("\r")):
                        end.directive = column
                    else:
                        end.comment = column
            elif node.start_point[0] <= row < node.end_point[0]:
                end.unsafe = True
        return end


_PREVIOUS: list[tuple[bytes, Any]] = []  # the text parsed last, and its tree
_PREVIOUS_LOCK = threading.Lock()


def parse_reusing(data: bytes) -> Any:
    """The tree-sitter tree of ``data``, re-parsing the previous text's tree where they differ."""
    from .parse import parse_bytes, scanner_safe

    safe = scanner_safe(data)
    with _PREVIOUS_LOCK:
        previous = _PREVIOUS.pop() if _PREVIOUS else None
        if previous is None or previous[0] == safe:
            tree = parse_bytes(safe) if previous is None else previous[1]
        else:
            old_data, old_tree = previous
            edited = old_tree.copy()  # a LineEnds of the older text still reads its tree
            start, old_end, new_end = _edited_range(old_data, safe)
            edited.edit(
                start_byte=start, old_end_byte=old_end, new_end_byte=new_end,
                start_point=_point(safe, start), old_end_point=_point(old_data, old_end),
                new_end_point=_point(safe, new_end),
            )
            tree = parse_bytes(safe, old_tree=edited)  # within the same bounds as a fresh parse
        _PREVIOUS.append((safe, tree))
        return tree


def _edited_range(old: bytes, new: bytes) -> tuple[int, int, int]:
    """The byte range that differs: its start, its end in ``old`` and its end in ``new``."""
    shortest = min(len(old), len(new))
    low, high = 0, shortest  # the longest common prefix, by halving (each comparison in C)
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, shortest - prefix  # the longest common suffix that does not overlap it
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return prefix, len(old) - low, len(new) - low


def _point(data: bytes, offset: int) -> tuple[int, int]:
    """The (row, byte column) of a byte offset."""
    row = data.count(b"\n", 0, offset)
    return row, offset - (data.rfind(b"\n", 0, offset) + 1)
