"""A script's text with the byte-offset to character-column mapping tree-sitter needs."""

from __future__ import annotations

from .model import Span
from .records import record

# Byte-order marks of the UTF-16 and UTF-32 encodings (UTF-32 first: its LE mark starts with
# UTF-16's). A script saved by a Windows editor as "Unicode" starts with one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def unicode_encoding(raw: bytes) -> str | None:
    """The UTF-16/UTF-32 encoding ``raw`` declares with its byte-order mark (None: no such mark)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return None


def decode(raw: bytes) -> str:
    """A script's text: UTF-16 or UTF-32 when a byte-order mark says so (the mark is not part of
    the text: line 1 column 1 is the first character after it), else UTF-8; undecodable bytes
    become U+FFFD, one per byte (UTF-8) or code unit (UTF-16/32)."""
    encoding = unicode_encoding(raw)
    if encoding is None:
        return raw.decode("utf-8", "replace")
    bom = 4 if encoding.startswith("utf-32") else 2
    return raw[bom:].decode(encoding, "replace")


def as_utf8(raw: bytes) -> bytes:
    """``raw`` as UTF-8: a UTF-16/UTF-32 script (byte-order mark) transcoded, anything else as is.
    Checks for binary input (NUL bytes) look at this, not at the UTF-16 bytes."""
    if unicode_encoding(raw) is None:
        return raw
    return decode(raw).encode("utf-8", "surrogatepass")


@record(
    hidden=("data", "_line_starts", "_lines", "_ascii", "_spans"),
    uncompared=("_spans",),
    computed=("data", "_line_starts", "_lines", "_ascii", "_spans"),
)
class SourceFile:
    """One script: the path it is reported under, its text, and its UTF-8 bytes.

    The text is the file decoded as UTF-8 with replacement; ``data`` is that text encoded
    again, so tree-sitter's byte offsets always fall on character boundaries.
    """

    path: str  # as reported (relative to the working directory where possible)
    text: str
    real_path: str | None  # absolute path on disk, for `source` and config lookup
    data: bytes
    _line_starts: list[int]
    _lines: list[str] | None
    _ascii: bool
    # Spans already built, by tree-sitter points: the interpreter asks for the same node's span at
    # every run of a loop or call of a function. Not pickled.
    _spans: dict[tuple[tuple[int, int], tuple[int, int]], Span]

    def __init__(self, path: str, text: str, real_path: str | None = None) -> None:
        self.path = path
        self.text = text
        self.real_path = real_path
        self._lines = None
        self._spans = {}
        self.data = data = text.encode("utf-8", "surrogatepass")
        starts = [0]
        find = data.find
        pos = find(b"\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find(b"\n", pos + 1)
        self._line_starts = starts
        self._ascii = data.isascii()

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_spans"] = {}
        return state

    def forget_spans(self) -> None:
        """Drop the spans kept for the analysis (the findings keep theirs): a lint that is done
        with the file frees them now, before the collector walks them after the file."""
        self._spans = {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    @classmethod
    def from_bytes(cls, path: str, raw: bytes, real_path: str | None = None) -> SourceFile:
        return cls(path=path, text=decode(raw), real_path=real_path)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its line ending."""
        lines = self.lines
        if 1 <= line <= len(lines):
            return lines[line - 1].rstrip("\r")
        return ""

    def char_col(self, row: int, byte_col: int) -> int:
        """1-based character column of a 0-based (row, byte column) point."""
        if row >= len(self._line_starts):
            return 1
        start = self._line_starts[row]
        chunk = self.data[start : start + byte_col]
        if chunk.isascii():
            return byte_col + 1
        return len(chunk.decode("utf-8", "replace")) + 1

    def span(self, start: tuple[int, int], end: tuple[int, int]) -> Span:
        """A span from tree-sitter (row, byte column) points."""
        key = (start, end)
        made = self._spans.get(key)
        if made is not None:
            return made
        if self._ascii:
            made = Span(self.path, start[0] + 1, start[1] + 1, end[0] + 1, end[1] + 1)
        else:
            made = Span(self.path, start[0] + 1, self.char_col(start[0], start[1]), end[0] + 1,
                        self.char_col(end[0], end[1]))
        self._spans[key] = made
        return made
