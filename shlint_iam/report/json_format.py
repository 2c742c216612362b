"""A JSON list of entries, one per finding and one per file problem.

A finding: ``{"type": "finding", "code", "name", "severity", "message", "path", "start_line",
"start_column", "end_line", "end_column", "fix"}`` (and ``"suppressed"`` with
``--include-suppressed``). A file problem (a path that could not be read, a file whose
analysis did not complete, a notice) comes first, with the same keys so that a consumer reading
findings still parses it: ``{"type": "problem", "kind": "unreadable"|"incomplete"|"notice",
"code": null, "rule": the code of the rule whose check raised or null, "name": null,
"severity": "error" (unreadable, incomplete: the run exits 2) or "warning" (notice),
"message", "path" (null for the cross-file checks), "start_line": 1, "start_column": 1,
"end_line": 1, "end_column": 1, "fix": null}``. The README describes both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Finding
from .escape import json_dumps

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..model import FileProblem
    from ..registry import Registry
    from . import ReportOptions


def fix_json(f: Finding) -> dict[str, Any] | None:
    """``{"message", "applicability", "edits"}``: ``applicability`` is "safe" or "unsafe" for an
    automatic fix (its edits: 1-based lines and character columns, end exclusive), and
    "display-only" for a suggestion without edits; None when there is neither."""
    if f.autofix is None and not f.fix:
        return None
    if f.autofix is None:
        return {"message": f.fix, "applicability": "display-only", "edits": []}
    return {
        "message": f.autofix.title,
        "applicability": f.autofix.applicability,
        "edits": [
            {
                "start_line": e.start_line,
                "start_column": e.start_col,
                "end_line": e.end_line,
                "end_column": e.end_col,
                "content": e.content,
            }
            for e in f.autofix.edits
        ],
    }


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    items: list[dict[str, Any]] = [problem_entry(p) for p in result.problems]
    for f in result.findings:
        if f.suppressed and not options.include_suppressed:
            continue
        rule = registry.get(f.code)
        item: dict[str, Any] = {
            "type": "finding",
            "code": f.code,
            "name": rule.name if rule else None,
            "severity": f.severity.value,
            "message": f.message,
            "path": f.span.path,
            "start_line": f.span.start_line,
            "start_column": f.span.start_col,
            "end_line": f.span.end_line,
            "end_column": f.span.end_col,
            "fix": fix_json(f),
        }
        if f.related:
            item["related"] = [
                {"message": what, "path": span.path, "start_line": span.start_line, "start_column": span.start_col,
                 "end_line": span.end_line, "end_column": span.end_col}
                for span, what in f.related
            ]
        if options.include_suppressed:
            item["suppressed"] = f.suppressed
            if f.suppressed:
                item["suppression_reason"] = f.suppression_reason
        items.append(item)
    return json_dumps(items) + "\n"


def problem_entry(problem: FileProblem) -> dict[str, Any]:
    return {
        "type": "problem",
        "kind": problem.kind,
        "code": None,
        "rule": problem.rule,
        "name": None,
        "severity": "error" if problem.fatal else "warning",
        "message": problem.message,
        "path": problem.path or None,
        "start_line": 1,
        "start_column": 1,
        "end_line": 1,
        "end_column": 1,
        "fix": None,
    }
