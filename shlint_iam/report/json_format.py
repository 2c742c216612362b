"""A JSON list of findings: code, name, severity, message, path, start/end line and column, fix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    items: list[dict[str, Any]] = []
    for f in result.findings:
        if f.suppressed and not options.include_suppressed:
            continue
        rule = registry.get(f.code)
        item: dict[str, Any] = {
            "code": f.code,
            "name": rule.name if rule else None,
            "severity": f.severity.value,
            "message": f.message,
            "path": f.span.path,
            "start_line": f.span.start_line,
            "start_column": f.span.start_col,
            "end_line": f.span.end_line,
            "end_column": f.span.end_col,
            "fix": f.fix,
        }
        if f.related:
            item["related"] = [
                {"message": what, "path": span.path, "start_line": span.start_line, "start_column": span.start_col,
                 "end_line": span.end_line, "end_column": span.end_col}
                for span, what in f.related
            ]
        if options.include_suppressed:
            item["suppressed"] = f.suppressed
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
