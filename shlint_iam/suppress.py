"""Inline suppression: ``# shlint-iam disable=CODE[,CODE] [-- reason]`` and ``disable-file=``."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .config import Config
from .model import Finding
from .source import SourceFile

DIRECTIVE = re.compile(r"#\s*shlint-iam\s*:?\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_, ]+?)\s*(?:--.*)?$")


@dataclass
class Directive:
    line: int
    kind: str  # "disable" or "disable-file"
    codes: list[str]
    own_line: bool  # the comment is alone on its line


def directives(source: SourceFile) -> list[Directive]:
    found: list[Directive] = []
    if "shlint-iam" not in source.text:
        return found
    for number, line in enumerate(source.lines, start=1):
        if "shlint-iam" not in line:
            continue
        hash_at = line.find("#")
        while hash_at != -1:
            match = DIRECTIVE.match(line[hash_at:].rstrip("\r"))
            if match:
                codes = [c.strip().upper() for c in match.group(2).split(",") if c.strip()]
                own = not line[:hash_at].strip()
                found.append(Directive(number, match.group(1), codes, own))
                break
            hash_at = line.find("#", hash_at + 1)
    return found


def apply_suppressions(
    source: SourceFile, findings: list[Finding], known_codes: set[str], config: Config
) -> list[Finding]:
    """Mark the findings that a directive in ``source`` suppresses."""
    marks = directives(source)
    if not marks:
        return findings
    file_codes = {c for d in marks if d.kind == "disable-file" for c in d.codes}
    by_line: dict[int, set[str]] = {}
    for d in marks:
        if d.kind == "disable":
            target = d.line + 1 if d.own_line else d.line
            by_line.setdefault(target, set()).update(d.codes)
    out = []
    for f in findings:
        first, last = f.scope or (f.span.start_line, f.span.end_line)
        codes = set(file_codes)
        codes |= by_line.get(first, set())
        for line in range(first, last + 1):
            codes |= {c for d in marks if d.kind == "disable" and not d.own_line and d.line == line for c in d.codes}
        if f.code in codes or "ALL" in codes:
            f = replace(f, suppressed=True)
        out.append(f)
    return out
