"""The ``${V@op}`` transformations of known strings, as bash 5 computes them (pure functions).

``U`` ``u`` ``L`` change case, ``Q`` quotes for reuse as shell input, ``E`` expands backslash
escapes as ``$'...'`` does, ``P`` expands a prompt string (only when it has nothing to expand),
``A`` is the assignment statement that recreates a scalar, ``a`` its attribute letters. Each
returns None where the result is not known (the caller keeps the value unknown).
"""

from __future__ import annotations

import re

from ..lazyre import lazy

# The order in which bash lists attribute letters (variables.c, var_attribute_string).
ATTRIBUTE_ORDER = "aAinrtxclu"

_CONTROL = lazy(r"[\x00-\x1f\x7f]")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                   "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
_ESCAPE = lazy(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S)


def quote(value: str) -> str | None:
    """``${V@Q}``: ``'...'`` with each ``'`` written ``'\\''`` (None: bash would use ``$'...'``)."""
    if _CONTROL().search(value):
        return None
    return "'" + value.replace("'", "'\\''") + "'"


def ansi_c(value: str) -> str:
    """``${V@E}``: backslash escapes expanded as in ``$'...'``; an unknown escape stays as written."""
    def one(match: re.Match[str]) -> str:
        esc = match.group(1)
        head = esc[0]
        if head == "x":
            return chr(int(esc[1:], 16))
        if head in "uU":
            return chr(int(esc[1:], 16))
        if head in "01234567":
            return chr(int(esc, 8) & 0xFF)
        if head == "c" and len(esc) == 2:
            return chr(ord(esc[1].upper()) ^ 0x40) if esc[1] != "?" else "\x7f"
        return _SIMPLE_ESCAPES.get(esc, "\\" + esc)

    return _ESCAPE().sub(one, value)


def prompt(value: str) -> str | None:
    """``${V@P}``: a prompt string with no ``\\`` escapes and no expansions is itself."""
    return None if any(c in value for c in "\\$`") else value


def attributes(flags: str, is_array: bool, is_map: bool, exported: bool) -> str:
    """``${V@a}``: the attribute letters bash shows, in its order."""
    letters = set(flags) | ({"a"} if is_array else set()) | ({"A"} if is_map else set()) | \
        ({"x"} if exported else set())
    return "".join(c for c in ATTRIBUTE_ORDER if c in letters)


def assignment(name: str, value: str, flags: str) -> str | None:
    """``${V@A}`` of a scalar: ``V='x'`` or ``declare -rx V='x'``."""
    quoted = quote(value)
    if quoted is None:
        return None
    return f"declare -{flags} {name}={quoted}" if flags else f"{name}={quoted}"


def transform(op: str, value: str) -> str | None:
    """The case and quoting operators on a known string (None: not known, or not one of them)."""
    if op == "U":
        return value.upper()
    if op == "L":
        return value.lower()
    if op == "u":
        return value[:1].upper() + value[1:]
    if op == "Q":
        return quote(value)
    if op == "E":
        return ansi_c(value)
    if op == "P":
        return prompt(value)
    return None
