"""Human output: findings grouped by file, each with its source line and a caret."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..model import Finding, Severity
from .escape import printable

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _styler(enabled: bool) -> Callable[[str, str], str]:
    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if enabled else text

    return style


def suppressed_mark(f: Finding) -> str:
    """What `--include-suppressed` appends to a suppressed finding in text and concise output."""
    if not f.suppressed:
        return ""
    return f" [suppressed: {f.suppression_reason}]" if f.suppression_reason else " [suppressed]"


def hyperlink(text: str, uri: str | None) -> str:
    """``text`` as an OSC 8 terminal hyperlink to ``uri`` (terminals without support show the text)."""
    if not uri:
        return text
    return f"\x1b]8;;{uri}\x1b\\{text}\x1b]8;;\x1b\\"


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    style = _styler(options.color)
    shown = [f for f in result.findings if options.include_suppressed or not f.suppressed]

    def code(f: Finding) -> str:
        text = style(f.code, "1")
        if options.hyperlinks:
            rule = registry.get(f.code)
            text = hyperlink(text, getattr(rule, "help_uri", None) if rule else None)
        return text

    out: list[str] = []
    by_file: dict[str, list[Finding]] = {}
    for f in shown:
        by_file.setdefault(f.span.path, []).append(f)
    for path, findings in by_file.items():
        out.append(style(printable(path), "1;4"))
        for f in findings:
            sev = style(f.severity.value, _COLORS[f.severity])
            mark = style(printable(suppressed_mark(f)), "2") if f.suppressed else ""
            out.append(f"  {f.span.start_line}:{f.span.start_col}  {sev}  {code(f)} {printable(f.message)}{mark}")
            src_line = result.snippets.get(path, {}).get(f.span.start_line)
            if src_line is not None:
                out.extend(_snippet(f, src_line, style))
            for note in f.notes:
                out.append(f"        = note: {printable(note)}")
            for span, what in f.related:
                where = f"{span.start_line}:{span.start_col}" if span.path == path else \
                    f"{span.path}:{span.start_line}:{span.start_col}"
                out.append(f"        = also: {printable(where)} {printable(what)}")
            if (f.fix or f.autofix) and options.show_fixes:
                suggestion = f.fix or (f.autofix.title if f.autofix else "")
                out.append(f"        = {style('fix', '32')}: {printable(suggestion)}{_fix_hint(f)}")
        out.append("")
    counts = _summary([f for f in shown if not f.suppressed])
    failed = not_analysed(result)
    if counts:
        out.append(counts)
    elif result.files and not failed:
        out.append(f"All checks passed ({len(result.files)} file{'s' if len(result.files) != 1 else ''}).")
    elif result.files:
        out.append("No problems found in what could be analysed.")
    if failed:
        out.append(failed)
    return "\n".join(out) + ("\n" if out else "")


def not_analysed(result: LintResult) -> str:
    """The summary line of the paths that could not be read or analysed completely (why is on
    stderr, one line each), or "" when every file was analysed completely."""
    failed = list(dict.fromkeys(p.path for p in result.problems if p.fatal))
    if not failed:
        return ""
    files = [p for p in failed if p]
    parts = []
    if files:
        parts.append(f"{len(files)} file{'s' if len(files) != 1 else ''} could not be analysed completely: "
                     + ", ".join(printable(f) for f in files))
    if len(files) < len(failed):  # a cross-file rule failed
        parts.append("the cross-file checks did not complete")
    return "; ".join(parts) + " (exit 2)."


SNIPPET_WIDTH = 120  # characters of a long source line shown around a finding


def _fix_hint(f: Finding) -> str:
    if f.autofix is None:
        return ""
    return " (automatic: `--fix`)" if f.autofix.safe else " (automatic, unsafe: `--fix --unsafe-fixes`)"


def _snippet(f: Finding, src_line: str, style: Callable[[str, str], str]) -> list[str]:
    """The finding's source line and a caret line under the span (its first line only). Of a
    line longer than SNIPPET_WIDTH only a window around the span is shown (`…` marks the cuts),
    so that many findings on one long line cannot blow the output up."""
    gutter = f"{f.span.start_line:>5} | "
    start = f.span.start_col - 1
    end = f.span.end_col - 1 if f.span.end_line == f.span.start_line else len(src_line)
    if len(src_line) > SNIPPET_WIDTH:
        first = max(0, min(start - 20, len(src_line) - SNIPPET_WIDTH))
        last = first + SNIPPET_WIDTH
        window = src_line[first:last]
        start, end = start - first, min(end, last) - first
        if first > 0:
            window, start, end = "…" + window, start + 1, end + 1
        if last < len(src_line):
            window += "…"
        src_line = window
    src_line = src_line.expandtabs(1)  # a tab is one column wide, as findings count it
    # Control characters in the line are shown escaped (wider): the caret follows them.
    before = len(printable(src_line[:start])) + max(0, start - len(src_line))
    width = max(1, len(printable(src_line[start:end])) if end > start else 1)
    caret = " " * before + "^" * width
    return [
        "  " + style(gutter, "2") + printable(src_line),
        "  " + " " * (len(gutter) - 2) + style("| ", "2") + style(caret, _COLORS[f.severity]),
    ]


def _summary(findings: list[Finding]) -> str:
    if not findings:
        return ""
    by_sev: dict[str, int] = {}
    for f in findings:
        by_sev[f.severity.value] = by_sev.get(f.severity.value, 0) + 1
    parts = [f"{by_sev[s]} {s}{'s' if by_sev[s] != 1 else ''}" for s in ("error", "warning", "info") if s in by_sev]
    files = len({f.span.path for f in findings})
    total = len(findings)
    plural = "s" if total != 1 else ""
    return f"Found {total} problem{plural} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''}."
