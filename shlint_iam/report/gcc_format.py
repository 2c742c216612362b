"""ShellCheck's ``-f gcc`` form: ``path:line:col: error|warning|note: message [CODE]``.

Vim's default ``errorformat``, Emacs ``compilation-mode`` and VS Code's ``$gcc`` problem matcher
read it with its severity. The column is a **1-based byte column** (a tab and every UTF-8 byte
count one), which is what Vim's ``%c`` expects, so ``:cfirst`` lands on the finding on lines with
tabs and multi-byte characters too (docs/editors.md). Every other format counts characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Severity
from .escape import printable
from .text_format import suppressed_mark

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def byte_column(line_text: str | None, char_col: int) -> int:
    """The 1-based byte column of 1-based character column ``char_col`` on ``line_text``."""
    if line_text is None or line_text.isascii():
        return char_col
    return len(line_text[: char_col - 1].encode("utf-8", "surrogatepass")) + 1


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    lines = []
    for f in result.findings:
        if f.suppressed and not options.include_suppressed:
            continue
        message = printable(f.message)
        col = byte_column(result.snippets.get(f.span.path, {}).get(f.span.start_line), f.span.start_col)
        mark = suppressed_mark(f)
        where = f"{printable(f.span.path)}:{f.span.start_line}:{col}"
        lines.append(f"{where}: {LEVELS[f.severity]}: {message} [{f.code}]{mark}")
    return "".join(line + "\n" for line in lines)
