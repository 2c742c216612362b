"""The plain data every stage shares: severities, source spans and findings."""

from __future__ import annotations

import enum

from .records import record


class Severity(enum.Enum):
    """How serious a finding is; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@record(frozen=True, order=True)
class Span:
    """A region of one file. Lines and columns are 1-based; columns count characters
    (Unicode code points); ``end_col`` is the column just after the last character."""

    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def __init__(self, path: str, start_line: int, start_col: int, end_line: int, end_col: int) -> None:
        self.__dict__.update(path=path, start_line=start_line, start_col=start_col, end_line=end_line, end_col=end_col)

    def contains(self, inner: Span) -> bool:
        """Whether ``inner`` lies within this span (the same file)."""
        return inner.path == self.path and (self.start_line, self.start_col) <= (inner.start_line, inner.start_col) \
            and (inner.end_line, inner.end_col) <= (self.end_line, self.end_col)


@record(frozen=True, order=True)
class Edit:
    """Replace the text from (``start_line``, ``start_col``) up to (``end_line``, ``end_col``) —
    1-based lines, 1-based character columns, end exclusive; equal ends insert — by ``content``."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    content: str

    def __init__(self, start_line: int, start_col: int, end_line: int, end_col: int, content: str) -> None:
        self.__dict__.update(start_line=start_line, start_col=start_col, end_line=end_line, end_col=end_col,
                             content=content)

    @classmethod
    def insert(cls, line: int, col: int, content: str) -> Edit:
        return cls(line, col, line, col, content)


SAFE = "safe"  # keeps the script's behaviour apart from the finding: `check --fix` applies it
UNSAFE = "unsafe"  # changes behaviour beyond the finding (grants a role, ...): only with --unsafe-fixes


@record(frozen=True)
class Fix:
    """An automatic fix, Ruff style: what it does (``title``), its edits (all in the finding's
    file, not overlapping) and whether it is safe to apply without review."""

    title: str
    edits: tuple[Edit, ...]
    applicability: str = SAFE  # SAFE or UNSAFE

    def __init__(self, title: str, edits: tuple[Edit, ...], applicability: str = SAFE) -> None:
        self.__dict__.update(title=title, edits=edits, applicability=applicability)

    @property
    def safe(self) -> bool:
        return self.applicability == SAFE


@record(frozen=True)
class Finding:
    """One problem reported by one rule at one place."""

    code: str
    message: str
    severity: Severity
    span: Span
    fix: str | None = None
    # First and last line of the command the finding is about: an inline directive on the
    # line before ``scope[0]`` or at the end of any of these lines suppresses it.
    scope: tuple[int, int] | None = None
    suppressed: bool = False
    # Extra text that explains the finding (shown by text output and in SARIF messages).
    notes: tuple[str, ...] = ()
    # Other places the finding is about, each with what it is (SARIF ``relatedLocations``): the
    # other unchecked steps of a script, the other items a loop deploys.
    related: tuple[tuple[Span, str], ...] = ()
    # For a suppressed finding: the reason written in the directive (`-- reason`), if any.
    suppression_reason: str | None = None
    # The automatic fix (edits); ``fix`` stays the human-readable suggestion.
    autofix: Fix | None = None

    def __init__(
        self,
        code: str,
        message: str,
        severity: Severity,
        span: Span,
        fix: str | None = None,
        scope: tuple[int, int] | None = None,
        suppressed: bool = False,
        notes: tuple[str, ...] = (),
        related: tuple[tuple[Span, str], ...] = (),
        suppression_reason: str | None = None,
        autofix: Fix | None = None,
    ) -> None:
        self.__dict__.update(
            code=code, message=message, severity=severity, span=span, fix=fix, scope=scope, suppressed=suppressed,
            notes=notes, related=related, suppression_reason=suppression_reason, autofix=autofix,
        )

    @property
    def path(self) -> str:
        return self.span.path

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.start_line, self.span.start_col, self.code, self.message)


# What kind of problem a FileProblem is.
UNREADABLE = "unreadable"  # the path could not be read or linted at all (exit 2)
INCOMPLETE = "incomplete"  # the file was read but its analysis did not complete (exit 2)
NOTICE = "notice"  # the file was analysed; something about it is worth saying (no effect on exit)
PROBLEM_KINDS = (UNREADABLE, INCOMPLETE, NOTICE)


@record(frozen=True)
class FileProblem:
    """Something about a file (not a finding of a rule) the user must be told.

    ``kind`` is :data:`UNREADABLE` (the path could not be read), :data:`INCOMPLETE` (the
    analysis stopped: an internal error, a work or time bound, a rule that raised; the file's
    findings may be missing) or :data:`NOTICE` (the file was analysed completely). An
    unreadable or incomplete file is never counted as passing: the run exits 2. ``path`` is
    empty for a problem of the whole run (a cross-file rule that raised); ``rule`` names the
    rule whose check raised, if that is what happened."""

    path: str
    message: str
    kind: str = UNREADABLE
    rule: str | None = None

    def __init__(self, path: str, message: str, kind: str = UNREADABLE, rule: str | None = None) -> None:
        self.__dict__.update(path=path, message=message, kind=kind, rule=rule)

    @property
    def fatal(self) -> bool:
        """Whether the problem fails the run (exit 2): the file was not analysed completely."""
        return self.kind != NOTICE
