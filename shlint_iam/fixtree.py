"""A script's syntax tree with the position conversions the automatic fixes need, parsed once
for all the fixers of a file (``shlint_iam.fixes``, ``shlint_iam.bindfix``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .source import SourceFile


class Tree:
    """The file's syntax tree, parsed once for all the fixers that need it."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self._root: Any = None

    @property
    def root(self) -> Any:
        if self._root is None:
            from .parse import parse

            self._root = parse(self.source).root_node
        return self._root

    def byte_offset(self, line: int, col: int) -> int:
        """The byte offset in ``source.data`` of 1-based (line, character column)."""
        start = self.source._line_starts[line - 1]
        return start + len(self.source.line_text(line)[: col - 1].encode("utf-8", "surrogatepass"))

    def node_at(self, line: int, col: int, end_line: int, end_col: int) -> Any:
        start = self.byte_offset(line, col)
        end = self.byte_offset(end_line, end_col)
        return self.root.descendant_for_byte_range(start, max(start, end))

    def text(self, node: Any) -> str:
        return self.source.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    def point(self, row: int, byte_col: int) -> tuple[int, int]:
        """1-based (line, character column) of a tree-sitter point."""
        return row + 1, self.source.char_col(row, byte_col)

    def start(self, node: Any) -> tuple[int, int]:
        return self.point(*node.start_point)

    def end(self, node: Any) -> tuple[int, int]:
        return self.point(*node.end_point)
