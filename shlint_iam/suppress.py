"""Inline suppression, ShellCheck style.

- ``cmd ...  # shlint-iam disable=CODE[,CODE] [-- reason]`` at the end of any line of a
  command (``Finding.scope`` gives its first and last line) suppresses those codes for it;
- the same comment on its own line applies to the command that starts on the next line that is
  neither blank nor a comment, so several directives stacked above one command all apply;
- ``# shlint-iam disable-file=CODE[,CODE]`` anywhere suppresses those codes in the whole file.

A finding is "at" the command it is located at (``Finding.span``) and at the command its
``scope`` names: for a command in a function body a rule may give the call's line as the scope,
so a directive in the body covers every call and a directive at one call covers only that call.

``all`` stands for every rule. Only real comments count (tree-sitter finds them), so text in a
string or a here-document is never a directive. A directive that cannot work is reported as
SUP001 (invalid-suppression), a directive that suppresses nothing as SUP002 (unused-suppression,
opt-in); both are made here, while suppressions are applied, because only this step knows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from .config import Config
from .lazyre import lazy
from .model import Finding, Severity, Span
from .records import record, replace
from .source import SourceFile

INVALID = "SUP001"
UNUSED = "SUP002"
KINDS = ("disable", "disable-file")

# ``# shlint-iam`` (optionally ``shlint-iam:``) at the start of a comment, then a word.
_START = lazy(r"#\s*shlint-iam\s*:?\s*(?P<kind>[A-Za-z][A-Za-z0-9_-]*)?\s*(?P<eq>=)?(?P<rest>.*)$")
_INVALID_FIX = "name full rule codes (`shlint-iam rules` lists them): `# shlint-iam disable=IAM001 -- reason`"
_REASON = lazy(r"\s(?:--|#)|^(?:--|#)")


@record()
class Directive:
    """An inline ``# shlint-iam: disable...`` comment."""

    line: int
    kind: str  # "disable" or "disable-file"
    codes: list[str]
    own_line: bool  # the comment is alone on its line
    span: Span | None  # the comment
    problem: str | None  # why the directive cannot work (SUP001)
    used: set[str]  # the codes that suppressed a finding
    reason: str | None  # the text after `--` (or a second `#`)

    def __init__(
        self,
        line: int,
        kind: str,
        codes: list[str],
        own_line: bool,
        span: Span | None = None,
        problem: str | None = None,
        used: set[str] | None = None,
        reason: str | None = None,
    ) -> None:
        self.line = line
        self.kind = kind
        self.codes = codes
        self.own_line = own_line
        self.span = span
        self.problem = problem
        self.used = set() if used is None else used
        self.reason = reason


def parse_directive(comment: str) -> tuple[str, list[str], str | None] | None:
    """``(kind, codes, problem)`` for a ``# shlint-iam ...`` comment; None for any other comment
    (including prose that merely mentions shlint-iam)."""
    m = _START().match(comment.rstrip("\r"))
    if not m:
        return None
    kind = (m.group("kind") or "").lower()
    if kind not in KINDS:
        if m.group("eq") and kind:
            return kind, [], f"unknown directive {kind!r} (expected disable= or disable-file=)"
        return None
    if not m.group("eq"):
        return kind, [], f"directive has no codes (expected {kind}=CODE[,CODE])"
    rest = m.group("rest")
    cut = _REASON().search(rest)
    if cut:
        rest = rest[: cut.start()]
    codes = [c.upper() for c in re.split(r"[,\s]+", rest) if c]
    if not codes:
        return kind, [], f"directive has no codes (expected {kind}=CODE[,CODE])"
    return kind, codes, None


def directive_reason(comment: str) -> str | None:
    """The reason part of a directive comment (after ``--`` or a second ``#``), or None."""
    m = _START().match(comment.rstrip("\r"))
    if not m:
        return None
    cut = _REASON().search(m.group("rest"))
    if not cut:
        return None
    reason = m.group("rest")[cut.end():].strip()
    return reason or None


def _comments(source: SourceFile) -> Iterable[tuple[int, int, int, int, str]]:
    """(row, byte column, end row, end byte column, text) of every comment, 0-based."""
    from .frontends.names import comments
    from .parse import parse

    found = comments(source)  # a workflow, build config or Makefile
    if found is not None:
        yield from found
        return
    tree = parse(source)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            text = source.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            if "shlint-iam" in text:
                yield (*node.start_point, *node.end_point, text)
            continue
        stack.extend(reversed(node.children))


def directives(source: SourceFile) -> list[Directive]:
    """The ``# shlint-iam`` directives of ``source``, in line order."""
    found: list[Directive] = []
    if "shlint-iam" not in source.text:
        return found
    for row, col, end_row, end_col, text in _comments(source):
        parsed = parse_directive(text)
        if parsed is None:
            continue
        kind, codes, problem = parsed
        before = source.data[source._line_starts[row] : source._line_starts[row] + col]
        found.append(
            Directive(
                line=row + 1,
                kind=kind,
                codes=codes,
                own_line=not before.strip(),
                span=source.span((row, col), (end_row, end_col)),
                problem=problem,
                reason=directive_reason(text),
            )
        )
    found.sort(key=lambda d: d.line)
    return found


def _target_line(source: SourceFile, line: int) -> int:
    """The first line after ``line`` that is neither blank nor only a comment."""
    lines = source.lines
    for number in range(line + 1, len(lines) + 1):
        text = lines[number - 1].strip()
        if text and not text.startswith("#"):
            return number
    return line + 1


def apply_suppressions(
    source: SourceFile,
    findings: list[Finding],
    known_codes: Collection[str],
    config: Config,
    enabled: Collection[str] | None = None,
) -> list[Finding]:
    """Mark the findings located in ``source`` that a directive in it suppresses, and add the
    SUP001/SUP002 findings about the directives themselves when those rules are in ``enabled``
    (the codes of the enabled rules; None: SUP001 only when it is on by default, never SUP002).

    Findings located in other files are returned unchanged.
    """
    marks = directives(source)
    if not marks:
        return findings
    enabled_codes = set(enabled) if enabled is not None else {INVALID}
    known = {c.upper() for c in known_codes}
    file_level = [d for d in marks if d.kind == "disable-file" and not d.problem]
    line_level = [d for d in marks if d.kind == "disable" and not d.problem]
    own_targets: dict[int, list[Directive]] = {}
    trailing: dict[int, list[Directive]] = {}
    for d in line_level:
        if d.own_line:
            own_targets.setdefault(_target_line(source, d.line), []).append(d)
        else:
            trailing.setdefault(d.line, []).append(d)

    def suppressors(f: Finding, about: Directive | None = None) -> list[tuple[Directive, str]]:
        # The command the finding is about (its scope: for a command in a function, a rule may
        # give the line of the call) and the command it is located at (its span) both count.
        spans = {(f.span.start_line, f.span.end_line)}
        if f.scope:
            spans.add(f.scope)
        applicable = list(file_level)
        for first, last in spans:
            applicable.extend(own_targets.get(first, ()))
            for line in range(first, last + 1):
                applicable.extend(trailing.get(line, ()))
        hits = []
        seen: set[int] = set()
        for d in applicable:
            if d is about or id(d) in seen:  # a directive never hides the report about itself
                continue
            seen.add(id(d))
            if f.code in d.codes:
                hits.append((d, f.code))
            elif "ALL" in d.codes:
                hits.append((d, "ALL"))
        return hits

    out: list[Finding] = []
    for f in findings:
        if f.path != source.path:
            out.append(f)
            continue
        hits = suppressors(f)
        for d, code in hits:
            d.used.add(code)
        out.append(_suppressed(f, hits) if hits else f)

    def settle(batch: list[Directive]) -> None:
        for d, f in _directive_findings(batch, known, enabled_codes, config, source.path):
            hits = suppressors(f, d)
            for h, code in hits:
                h.used.add(code)
            out.append(_suppressed(f, hits) if hits else f)

    # A directive that may suppress SUP002 is judged after the others, so that hiding their
    # SUP002 findings counts as a use.
    late = [d for d in marks if UNUSED in d.codes or "ALL" in d.codes]
    settle([d for d in marks if not any(d is x for x in late)])
    settle(late)
    return out


def _suppressed(f: Finding, hits: list[tuple[Directive, str]]) -> Finding:
    reason = next((d.reason for d, _ in hits if d.reason), None)
    return replace(f, suppressed=True, suppression_reason=reason)


def _directive_findings(
    marks: list[Directive], known: set[str], enabled: set[str], config: Config, path: str
) -> Iterable[tuple[Directive, Finding]]:
    for d in marks:
        span = d.span or Span(path, d.line, 1, d.line, 1)
        scope = (d.line, d.line)
        if INVALID in enabled:
            problems = [d.problem] if d.problem else []
            for code in d.codes:
                if code != "ALL" and code not in known:
                    import difflib

                    close = difflib.get_close_matches(code, sorted(known), n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    problems.append(f"unknown rule code {code!r} in suppression directive{hint}")
            for message in problems:
                yield d, Finding(
                    code=INVALID,
                    message=message,
                    severity=config.severity.get(INVALID, Severity.ERROR),
                    span=span,
                    fix=_INVALID_FIX,
                    scope=scope,
                )
        if UNUSED in enabled and not d.problem:
            unused = [c for c in d.codes if c not in d.used and (c == "ALL" or c in known)]
            if not unused:
                continue
            where = "in this file" if d.kind == "disable-file" else "for this command"
            not_on = [c for c in unused if c != "ALL" and c not in enabled]
            note = f"; not enabled: {', '.join(not_on)}" if not_on else ""
            whole = len(unused) == len(d.codes)
            yield d, Finding(
                code=UNUSED,
                message=f"unused suppression of {', '.join(unused)}: nothing to suppress {where}{note}",
                severity=config.severity.get(UNUSED, Severity.WARNING),
                span=span,
                fix="delete the directive" if whole else f"remove {', '.join(unused)} from the directive",
                scope=scope,
            )
