"""Findings as JSON for the result cache (cache.py), and back, checking every value.

An entry is data from disk that anything could have written (a crash half way, another
version, a person): :func:`decode_findings` accepts exactly the shapes :func:`encode_findings`
writes and raises :class:`ValueError` for anything else, so a damaged entry is a cache miss,
never a wrong finding or a crash. (JSON rather than pickle: reading an entry must never run code.)
"""

from __future__ import annotations

from typing import Any

from .model import Edit, Finding, Fix, Severity, Span


def encode_findings(findings: list[Finding]) -> list[dict[str, Any]]:
    return [_finding(f) for f in findings]


def decode_findings(value: Any) -> list[Finding]:
    return [_read_finding(item) for item in _list(value)]


def encode_finished(finished: list[Finding], raw: list[Finding]) -> list[Any]:
    """``finished`` with each finding that is also in ``raw`` (most are: suppressions and
    per-file-ignores only drop or mark some) written as its index there: entries stay small, and
    a read entry shares one object per finding instead of two."""
    index = {f: i for i, f in reversed(list(enumerate(raw)))}
    return [index[f] if f in index else _finding(f) for f in finished]


def decode_finished(value: Any, raw: list[Finding]) -> list[Finding]:
    out = []
    for item in _list(value):
        if isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < len(raw):
                raise ValueError("a finding index out of range")
            out.append(raw[item])
        else:
            out.append(_read_finding(item))
    return out


def encode_snippets(snippets: dict[int, str]) -> list[list[Any]]:
    return [[line, text] for line, text in sorted(snippets.items())]


def decode_snippets(value: Any) -> dict[int, str]:
    out: dict[int, str] = {}
    for pair in _list(value):
        line, text = _pair(pair)
        out[_int(line)] = _str(text)
    return out


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "message": f.message,
        "severity": f.severity.value,
        "span": _span(f.span),
        "fix": f.fix,
        "scope": list(f.scope) if f.scope is not None else None,
        "suppressed": f.suppressed,
        "notes": list(f.notes),
        "related": [[_span(span), text] for span, text in f.related],
        "suppression_reason": f.suppression_reason,
        "autofix": None if f.autofix is None else {
            "title": f.autofix.title,
            "edits": [[e.start_line, e.start_col, e.end_line, e.end_col, e.content] for e in f.autofix.edits],
            "applicability": f.autofix.applicability,
        },
    }


def _span(span: Span) -> list[Any]:
    return [span.path, span.start_line, span.start_col, span.end_line, span.end_col]


def _read_finding(value: Any) -> Finding:
    if not isinstance(value, dict):
        raise ValueError("a finding is not an object")
    scope = value["scope"]
    autofix = value["autofix"]
    return Finding(
        code=_str(value["code"]),
        message=_str(value["message"]),
        severity=Severity(_str(value["severity"])),
        span=_read_span(value["span"]),
        fix=_optional_str(value["fix"]),
        scope=None if scope is None else (_int(_pair(scope)[0]), _int(_pair(scope)[1])),
        suppressed=_bool(value["suppressed"]),
        notes=tuple(_str(note) for note in _list(value["notes"])),
        related=tuple((_read_span(_pair(item)[0]), _str(_pair(item)[1])) for item in _list(value["related"])),
        suppression_reason=_optional_str(value["suppression_reason"]),
        autofix=None if autofix is None else _read_fix(autofix),
    )


def _read_fix(value: Any) -> Fix:
    if not isinstance(value, dict):
        raise ValueError("a fix is not an object")
    edits = []
    for edit in _list(value["edits"]):
        items = _list(edit)
        if len(items) != 5:
            raise ValueError("an edit has five values")
        edits.append(Edit(_int(items[0]), _int(items[1]), _int(items[2]), _int(items[3]), _str(items[4])))
    return Fix(title=_str(value["title"]), edits=tuple(edits), applicability=_str(value["applicability"]))


def _read_span(value: Any) -> Span:
    items = _list(value)
    if len(items) != 5:
        raise ValueError("a span has five values")
    return Span(_str(items[0]), _int(items[1]), _int(items[2]), _int(items[3]), _int(items[4]))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def _pair(value: Any) -> tuple[Any, Any]:
    items = _list(value)
    if len(items) != 2:
        raise ValueError("expected a pair")
    return items[0], items[1]


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected an integer")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value
