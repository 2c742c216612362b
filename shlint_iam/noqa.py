"""``check --add-noqa`` (Ruff's name): suppress every current finding with a directive, so a team
can turn the linter on today and burn the list down.

Each finding gets ``# shlint-iam disable=CODE -- TODO`` where suppression honours it
(:mod:`shlint_iam.suppress`): on its own line above the first line of the command the finding is
about (its ``scope``, else its span), in that line's indentation; the codes of one command share
one directive (``disable=A,B``). A directive that already applies to the command gets the missing
codes instead (its reason stays). Where a comment line would change the script -- the command's
line starts inside a here-document, a multi-line string or backquotes, or the line before ends
with a ``\\`` continuation -- the codes go to one file-level ``# shlint-iam disable-file=...``
directive instead (merged into an existing one), after the shebang. Workflows, build configs and
Makefiles only get the file-level directive.

A file with a syntax error (SH000) is left unchanged: its findings are not all known. The result
is linted again: a file whose directives would not suppress its findings, or that
would stop parsing, is left unchanged (the caller says so). Running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .model import Finding
from .placement import can_insert_line_before, syntax_root
from .source import SourceFile
from .suppress import Directive, _target_line, directives

REASON = "TODO"
SYNTAX = "SH000"

@dataclass
class NoqaResult:
    text: str
    added: int  # directives written or extended
    problem: str | None = None  # why the file was left unchanged


def add_noqa(lint: Callable[[str], list[Finding]], text: str, path: str, document: bool = False) -> NoqaResult:
    """``text`` with a directive for each finding ``lint`` reports in it (``lint`` gives the
    reported findings of a text in this file). ``document``: a workflow, build config or Makefile."""
    findings = [f for f in lint(text) if f.path == path]
    if not findings:
        return NoqaResult(text, 0)
    if any(f.code == SYNTAX for f in findings):
        # As Ruff: a syntax error is not suppressed. It hides what the rest of the script does.
        return NoqaResult(text, 0, "has a syntax error (SH000): fix it first; no directives added")
    new, added = _directives_for(text, path, findings, document)
    if new == text:
        return NoqaResult(text, 0)
    after = lint(new)
    left = [f for f in after if f.path == path]
    if left:
        # A directive suppression did not honour (a rule's odd span): file-level for the rest.
        new, more = _directives_for(new, path, left, document, file_level_only=True)
        added += more
        after = lint(new)
        left = [f for f in after if f.path == path]
    if any(f.code == SYNTAX for f in after) and not any(f.code == SYNTAX for f in findings):
        return NoqaResult(text, 0, "the directives would break its syntax; not changed")
    if left:
        return NoqaResult(text, 0, f"{left[0].code} at line {left[0].span.start_line} cannot be suppressed by a "
                          "directive; not changed")
    return NoqaResult(new, added)


def _directives_for(
    text: str, path: str, findings: list[Finding], document: bool, file_level_only: bool = False
) -> tuple[str, int]:
    source = SourceFile(path=path, text=text)
    marks = [d for d in directives(source) if not d.problem]
    lines = text.split("\n")
    newline = "\r" if lines and lines[0].endswith("\r") else ""
    by_line: dict[int, list[str]] = {}
    whole_file: list[str] = []
    tree = None if document or file_level_only else syntax_root(source)
    for f in findings:
        first = f.scope[0] if f.scope else f.span.start_line
        if tree is not None and can_insert_line_before(source, tree, first):
            by_line.setdefault(first, []).append(f.code)
        else:
            whole_file.append(f.code)
    replace: dict[int, str] = {}  # line -> new text of that line (an extended directive)
    insert: dict[int, str] = {}  # line -> a directive line to insert before it
    added = 0
    for first, codes in sorted(by_line.items()):
        mine = [f for f in findings if (f.scope[0] if f.scope else f.span.start_line) == first]
        spans = [(f.span.start_line, f.span.end_line) for f in mine] + [f.scope for f in mine if f.scope]
        existing = _applicable(source, marks, first, spans)
        if existing is not None:
            added += _extend(lines, replace, existing, codes)
            continue
        indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip(" \t"))]
        insert[first] = f"{indent}# shlint-iam disable={','.join(sorted(set(codes)))} -- {REASON}{newline}"
        added += 1
    if whole_file:
        existing = next((d for d in marks if d.kind == "disable-file"), None)
        if existing is not None:
            added += _extend(lines, replace, existing, whole_file)
        else:
            at = 2 if lines and lines[0].startswith("#!") else 1
            directive = f"# shlint-iam disable-file={','.join(sorted(set(whole_file)))} -- {REASON}{newline}"
            insert[at] = directive + ("\n" + insert[at] if at in insert else "")
            added += 1
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        if number in insert:
            out.extend(insert[number].split("\n"))
        out.append(replace.get(number, line))
    return "\n".join(out), added


def _applicable(source: SourceFile, marks: list[Directive], first: int,
                spans: list[tuple[int, int]]) -> Directive | None:
    """A line directive that already applies to the command starting at ``first``."""
    for d in marks:
        if d.kind != "disable":
            continue
        if d.own_line and _target_line(source, d.line) == first:
            return d
        if not d.own_line and any(start <= d.line <= end for start, end in spans + [(first, first)]):
            return d
    return None


def _extend(lines: list[str], replace: dict[int, str], d: Directive, codes: list[str]) -> int:
    """Add the missing ``codes`` to directive ``d`` (edits ``replace``); 1 if it changed."""
    missing = sorted({c for c in codes if c not in d.codes and "ALL" not in d.codes})
    if not missing or d.span is None:
        return 0
    line = replace.get(d.line, lines[d.line - 1])
    start = d.span.start_col - 1
    comment = line[start:]
    equals = comment.find("=")
    if equals < 0:
        return 0
    rest = comment[equals + 1 :]
    body = rest.lstrip()
    lead = rest[: len(rest) - len(body)]
    end = len(body)
    for marker in (" --", "\t--", " #", "\t#"):
        cut = body.find(marker)
        if cut >= 0:
            end = min(end, cut)
    if body.startswith(("--", "#")):
        end = 0
    codes_text = body[:end].rstrip().rstrip("\r")
    joined = ",".join(c for c in [codes_text.rstrip(",")] + missing if c)
    new_comment = comment[: equals + 1] + lead + joined + body[len(codes_text):]
    replace[d.line] = line[:start] + new_comment
    return 1
