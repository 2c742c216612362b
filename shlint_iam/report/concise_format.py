"""``path:line:col: CODE message``: one line a finding, for editors (vim errorformat) and grep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .escape import printable
from .text_format import suppressed_mark

if TYPE_CHECKING:
    from ..lint import LintResult
    from ..registry import Registry
    from . import ReportOptions


def render(result: LintResult, registry: Registry, options: ReportOptions) -> str:
    lines = []
    for f in result.findings:
        if f.suppressed and not options.include_suppressed:
            continue
        where = f"{printable(f.span.path)}:{f.span.start_line}:{f.span.start_col}"
        lines.append(f"{where}: {f.code} {printable(f.message)}{suppressed_mark(f)}")
    return "".join(line + "\n" for line in lines)
