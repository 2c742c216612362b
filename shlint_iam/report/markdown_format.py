"""Markdown for a GitHub job summary (``>> "$GITHUB_STEP_SUMMARY"``) or a pull request comment:
the findings as a table, then who invokes what (a table and a Mermaid flowchart) when the
command line computed it (``options.extra["wiring"]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    from ..wiring import render_markdown

    shown = [f for f in result.findings if options.include_suppressed or not f.suppressed]
    files = len(result.files)
    out = ["### shlint-iam", ""]
    if not shown:
        out.append(f"No problems in {files} file{'s' if files != 1 else ''}.")
    else:
        counts: dict[str, int] = {}
        for f in shown:
            counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
        detail = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info")
                           if s in counts)
        out.append(f"**{len(shown)} problem{'s' if len(shown) != 1 else ''}** ({detail}) "
                   f"in {files} file{'s' if files != 1 else ''}.")
        out += ["", "| Location | Rule | Severity | Message |", "| --- | --- | --- | --- |"]
        for f in shown:
            rule = registry.get(f.code)
            name = f" {rule.name}" if rule is not None else ""
            suppressed = " (suppressed)" if f.suppressed else ""
            out.append(f"| `{_cell(f.span.path)}:{f.span.start_line}:{f.span.start_col}` | {f.code}{name} | "
                       f"{f.severity.value}{suppressed} | {_cell(f.message)} |")
    wiring = options.extra.get("wiring")
    if isinstance(wiring, list):
        out += ["", render_markdown(wiring).rstrip("\n")]
    return "\n".join(out) + "\n"
