"""YAML with positions: PyYAML's safe composer (nodes with marks, never constructed objects), and
for each scalar the offset in the document of every character of its value.

PyYAML gives a scalar's value and where the scalar starts and ends, not where each character of
the value came from. ``value_offsets`` scans the scalar's text again with PyYAML's own scanning
rules (block ``|``/``>`` with chomping and indentation indicators, plain and quoted flow scalars
with line folding and escapes, CRLF) and keeps, for each character produced, the offset of the
source character it came from. The result is checked against PyYAML's value; when the two ever
differ, every character maps to the scalar's first character (coarse, never wrong file/line of
the scalar).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

_BREAKS = "\r\n\x85\u2028\u2029"
_END = "\0"


class YamlProblem(Exception):
    """The text is not valid YAML: ``offset`` is where the parser gave up."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def compose(text: str) -> Any:
    """The first document's node tree (None for an empty document); raises YamlProblem."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        raise YamlProblem(message, mark.index if mark is not None else 0) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc).split("\n", 1)[0], 0) from None


# -- node helpers ---------------------------------------------------------------------------
def is_map(node: Any) -> bool:
    return isinstance(node, yaml.MappingNode)


def is_seq(node: Any) -> bool:
    return isinstance(node, yaml.SequenceNode)


def is_scalar(node: Any) -> bool:
    return isinstance(node, yaml.ScalarNode)


def items(node: Any, depth: int = 0) -> list[tuple[Any, Any]]:
    """(key node, value node) pairs of a mapping with scalar keys; [] for anything else. Merge
    keys (``<<: *defaults``) are expanded as YAML defines them: the mapping's own keys win."""
    if not is_map(node) or depth > 16:
        return []
    own = [(k, v) for k, v in node.value if is_scalar(k) and not _is_merge(k)]
    merged: list[tuple[Any, Any]] = []
    for k, v in node.value:
        if is_scalar(k) and _is_merge(k):
            for source in ([v] if is_map(v) else [e for e in v.value if is_map(e)] if is_seq(v) else []):
                merged.extend(items(source, depth + 1))
    if not merged:
        return own
    keys = {k.value for k, _ in own}
    seen: set[str] = set()
    extra = []
    for k, v in merged:
        if k.value not in keys and k.value not in seen:
            seen.add(k.value)
            extra.append((k, v))
    return own + extra


def _is_merge(key: Any) -> bool:
    return bool(key.tag == "tag:yaml.org,2002:merge" or (key.value == "<<" and key.style is None))


def repeated_key(root: Any) -> tuple[Any, Any] | None:
    """The first key written twice in one mapping, in document order, and its first writing:
    (key node, earlier key node), or None. YAML wants a mapping's keys unique; PyYAML's composer
    keeps both, and GitHub refuses the file ("'run' is already defined"). Merge keys are not
    counted."""
    found: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if is_map(node):
            first: dict[str, Any] = {}
            for k, _ in node.value:
                if is_scalar(k) and not _is_merge(k):
                    if k.value in first:
                        found.append((k, first[k.value]))
                        break
                    first[k.value] = k
            stack.extend(v for _, v in reversed(node.value))
        elif is_seq(node):
            stack.extend(reversed(node.value))
    if not found:
        return None
    return min(found, key=lambda pair: pair[0].start_mark.index)


def get(node: Any, key: str) -> Any:
    for k, v in items(node):
        if k.value == key:
            return v
    return None


def key_node(node: Any, key: str) -> Any:
    for k, _ in items(node):
        if k.value == key:
            return k
    return None


def text(node: Any) -> str | None:
    """The string value of a scalar node (None for a mapping, a sequence or null)."""
    if not is_scalar(node):
        return None
    if node.tag == "tag:yaml.org,2002:null" and node.style is None and node.value in ("", "~", "null", "Null", "NULL"):
        return None
    return str(node.value)


def elements(node: Any) -> list[Any]:
    return list(node.value) if is_seq(node) else []


# -- where each character of a scalar comes from ----------------------------------------------
@dataclass
class _Cursor:
    text: str
    index: int
    column: int

    def peek(self, n: int = 0) -> str:
        i = self.index + n
        return self.text[i] if i < len(self.text) else _END

    def prefix(self, n: int) -> str:
        return self.text[self.index : self.index + n]

    def forward(self, n: int = 1) -> None:
        for _ in range(n):
            ch = self.peek()
            self.index += 1
            if ch in "\n\x85\u2028\u2029" or (ch == "\r" and self.peek() != "\n"):
                self.column = 0
            elif ch != "\ufeff":
                self.column += 1

    def line_break(self) -> list[tuple[str, int]]:
        ch = self.peek()
        at = self.index
        if ch in "\r\n\x85":
            self.forward(2 if self.prefix(2) == "\r\n" else 1)
            return [("\n", at)]
        if ch in "\u2028\u2029":
            self.forward()
            return [(ch, at)]
        return []


Out = list[tuple[str, int]]


def _block(text: str, start: int, column: int, parent: int) -> Out:
    cur = _Cursor(text, start, column)
    folded = cur.peek() == ">"
    cur.forward()
    chomping: bool | None = None
    increment: int | None = None
    for _ in range(2):
        ch = cur.peek()
        if ch in "+-" and chomping is None:
            chomping = ch == "+"
            cur.forward()
        elif ch.isdigit() and increment is None:
            increment = int(ch)
            cur.forward()
    while cur.peek() == " ":
        cur.forward()
    if cur.peek() == "#":
        while cur.peek() not in _BREAKS + _END:
            cur.forward()
    cur.line_break()
    min_indent = max(parent + 1, 1)
    breaks: Out
    if increment is None:
        breaks = []
        max_indent = 0
        while cur.peek() in " " + _BREAKS:
            if cur.peek() != " ":
                breaks.extend(cur.line_break())
            else:
                cur.forward()
                max_indent = max(max_indent, cur.column)
        indent = max(min_indent, max_indent)
    else:
        indent = min_indent + increment - 1
        breaks = _block_breaks(cur, indent)
    chunks: Out = []
    line_break: Out = []
    while cur.column == indent and cur.peek() != _END:
        chunks.extend(breaks)
        leading_non_space = cur.peek() not in " \t"
        while cur.peek() not in _BREAKS + _END:
            chunks.append((cur.peek(), cur.index))
            cur.forward()
        line_break = cur.line_break()
        breaks = _block_breaks(cur, indent)
        if cur.column == indent and cur.peek() != _END:
            if folded and line_break and line_break[0][0] == "\n" and leading_non_space and cur.peek() not in " \t":
                if not breaks:
                    chunks.append((" ", line_break[0][1]))
            else:
                chunks.extend(line_break)
        else:
            break
    if chomping is not False:
        chunks.extend(line_break)
    if chomping is True:
        chunks.extend(breaks)
    return chunks


def _block_breaks(cur: _Cursor, indent: int) -> Out:
    chunks: Out = []
    while cur.column < indent and cur.peek() == " ":
        cur.forward()
    while cur.peek() in _BREAKS and cur.peek() != _END:
        chunks.extend(cur.line_break())
        while cur.column < indent and cur.peek() == " ":
            cur.forward()
    return chunks


_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\x09", "\t": "\x09", "n": "\x0a", "v": "\x0b", "f": "\x0c",
    "r": "\x0d", "e": "\x1b", " ": "\x20", '"': '"', "\\": "\\", "/": "/", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_CODES = {"x": 2, "u": 4, "U": 8}


def _flow(text: str, start: int, column: int) -> Out:
    cur = _Cursor(text, start, column)
    double = cur.peek() == '"'
    quote = cur.peek()
    cur.forward()
    chunks: Out = []
    while True:
        # non-spaces
        while True:
            while cur.peek() not in "'\"\\\0 \t" + _BREAKS:
                chunks.append((cur.peek(), cur.index))
                cur.forward()
            ch = cur.peek()
            if not double and ch == "'" and cur.peek(1) == "'":
                chunks.append(("'", cur.index))
                cur.forward(2)
            elif (double and ch == "'") or (not double and ch in '"\\'):
                chunks.append((ch, cur.index))
                cur.forward()
            elif double and ch == "\\":
                at = cur.index
                cur.forward()
                ch = cur.peek()
                if ch in _ESCAPES:
                    chunks.append((_ESCAPES[ch], at))
                    cur.forward()
                elif ch in _CODES:
                    n = _CODES[ch]
                    cur.forward()
                    chunks.append((chr(int(cur.prefix(n), 16)), at))
                    cur.forward(n)
                elif ch in _BREAKS:
                    cur.line_break()
                    chunks.extend(_flow_breaks(cur))
                else:
                    raise ValueError("bad escape")
            else:
                break
        if cur.peek() == quote:
            break
        # spaces
        spaces_at = cur.index
        n = 0
        while cur.peek(n) in " \t":
            n += 1
        whitespace = [(cur.peek(i), spaces_at + i) for i in range(n)]
        cur.forward(n)
        ch = cur.peek()
        if ch == _END:
            raise ValueError("end of stream")
        if ch in _BREAKS:
            line_break = cur.line_break()
            breaks = _flow_breaks(cur)
            if line_break[0][0] != "\n":
                chunks.extend(line_break)
            elif not breaks:
                chunks.append((" ", line_break[0][1]))
            chunks.extend(breaks)
        else:
            chunks.extend(whitespace)
        if cur.peek() == quote:
            break
    return chunks


def _flow_breaks(cur: _Cursor) -> Out:
    chunks: Out = []
    while True:
        while cur.peek() in " \t":
            cur.forward()
        if cur.peek() in _BREAKS and cur.peek() != _END:
            chunks.extend(cur.line_break())
        else:
            return chunks


def _plain(text: str, start: int, column: int, end: int) -> Out:
    """A plain scalar between ``start`` and ``end`` (PyYAML's end mark): folding of lines."""
    cur = _Cursor(text, start, column)
    chunks: Out = []
    spaces: Out = []
    while cur.index < end:
        run: Out = []
        while cur.index < end and cur.peek() not in " \t" + _BREAKS:
            run.append((cur.peek(), cur.index))
            cur.forward()
        chunks.extend(spaces)
        chunks.extend(run)
        spaces = []
        if cur.index >= end:
            break
        n = 0
        while cur.peek(n) in " \t":
            n += 1
        whitespace = [(cur.peek(i), cur.index + i) for i in range(n)]
        cur.forward(n)
        if cur.peek() in _BREAKS and cur.peek() != _END:
            line_break = cur.line_break()
            breaks: Out = []
            while cur.peek() in " " + _BREAKS and cur.peek() != _END:
                if cur.peek() == " ":
                    cur.forward()
                else:
                    breaks.extend(cur.line_break())
            if line_break[0][0] != "\n":
                spaces.extend(line_break)
            elif not breaks:
                spaces.append((" ", line_break[0][1]))
            spaces.extend(breaks)
        else:
            spaces = whitespace
    return chunks


def value_offsets(doc: str, node: Any, parent_indent: int = -1) -> list[int]:
    """For each character of the scalar ``node``'s value, the offset in ``doc`` of the character
    it comes from, plus one more entry: the offset just after the scalar's last character."""
    value = str(node.value)
    start = node.start_mark.index
    column = node.start_mark.column
    style = node.style
    found: Out | None = None
    try:
        if style in ("|", ">"):
            for parent in [parent_indent] + [p for p in range(-1, column + 1) if p != parent_indent]:
                out = _block(doc, start, column, parent)
                if "".join(c for c, _ in out) == value:
                    found = out
                    break
        elif style in ("'", '"'):
            found = _flow(doc, start, column)
        else:
            found = _plain(doc, start, column, node.end_mark.index)
    except (ValueError, IndexError):
        found = None
    if found is None or "".join(c for c, _ in found) != value:
        return [start] * (len(value) + 1)
    offsets = [i for _, i in found]
    last = offsets[-1] + 1 if offsets else start
    if style in ("'", '"') and not offsets:
        last = start + 1
    return offsets + [last]
