"""Text that is safe to print: what every output format does with file names and messages.

A script under analysis controls much of what the linter prints: file names, and values that
end up in messages (a function name with a newline in it). Printed raw, a newline followed by
``::error``, ``::add-mask::`` or ``::stop-commands::`` is a *workflow command* that GitHub Actions
executes when it shows the log; an escape sequence rewrites the terminal. So:

- human formats (text, concise, gcc, the notices on stderr) pass every name and message through
  :func:`printable`: control characters (C0 including tab, DEL, C1), the Unicode line and
  paragraph separators (U+2028, U+2029) and lone surrogates become visible escapes: ``\\n``,
  ``\\r``, ``\\t``, ``\\xNN`` (other C0 and DEL, C1, and the raw bytes of a file name that is not
  UTF-8), ``\\u2028``. Every output line then starts where the format says it does;
- JSON and SARIF (:func:`json_dumps`) are escaped by JSON itself (``\\n``, ``\\u001b``), and
  DEL, C1 and U+2028/U+2029, which JSON may leave raw, are written as ``\\uNNNN`` escapes too;
  :func:`json_safe` turns the undecodable bytes of a non-UTF-8 file name into the same ``\\xNN``
  text as elsewhere, so the document is valid UTF-8;
- ``-f github`` keeps its own workflow-command escaping (``%0A``, ``%25``, ``%3A``) and applies
  :func:`printable` to everything else (``keep="\\r\\n"``).

File names that are not valid UTF-8 reach Python as lone surrogates (``surrogateescape``:
byte ``0xff`` is ``U+DCFF``); they are shown as ``\\xff`` in every format, and SARIF URIs
percent-encode the raw bytes (``bad%FF.sh``).
"""

from __future__ import annotations

from typing import Any

from ..lazyre import lazy

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNSAFE = lazy("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = lazy("[\ud800-\udfff]")


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control character, line separator and lone surrogate shown as an
    escape (``keep``: characters left alone, for a format that escapes them itself)."""
    if text.isprintable() and text.isascii():
        return text
    if keep:
        return _UNSAFE().sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)
    return _UNSAFE().sub(lambda m: _escape(m.group()), text)


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (undecodable file-name bytes) shown as ``\\xNN``: valid UTF-8."""
    return _SURROGATE().sub(lambda m: _escape(m.group()), text)


def json_safe(value: Any) -> Any:
    """A JSON document (dicts, lists, strings, numbers) whose strings are all valid UTF-8."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


_JSON_RAW = lazy("[\x7f-\x9f\u2028\u2029]")


def json_dumps(document: Any) -> str:
    """``document`` as indented JSON text: valid UTF-8, no raw control or line-separator character."""
    import json  # not at import: only the JSON and SARIF formats need it

    text = json.dumps(json_safe(document), indent=2, ensure_ascii=False)
    return _JSON_RAW().sub(lambda m: f"\\u{ord(m.group()):04x}", text)
