"""The rule contract: what a rule is, what it receives and what it returns.

``Rule``, ``FileContext`` and ``ProjectContext`` live here; the plain data they carry
(``Finding``, ``Severity``, ``Span``, ``FileProblem``) lives in :mod:`shlint_iam.model`, the
bottom layer every stage shares, and is re-exported here so that a rule's whole contract can be
imported from one module. Everything inside the package that needs these types imports this
module (or ``model``); :mod:`shlint_iam.api` is only the public face that re-exports them for
rules and plugins, and nothing inside the package imports it.

Imports run one way (a test checks the package has no import cycle)::

    model -> config -> source/files -> parse -> shell (interpret) -> gcloud (facts)
          -> analysis -> core -> invokers/steps (shared analyses) -> rules -> registry/plugins
          -> lint/parallel -> report -> cli/lsp
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .model import SAFE, UNSAFE, Edit, FileProblem, Finding, Fix, Severity, Span
from .records import record

if TYPE_CHECKING:
    from .config import Config
    from .source import SourceFile

__all__ = [
    "CODE_PATTERN",
    "Edit",
    "FileContext",
    "FileProblem",
    "Finding",
    "Fix",
    "ProjectContext",
    "Rule",
    "SAFE",
    "Severity",
    "Span",
    "UNSAFE",
]

CODE_PATTERN = re.compile(r"^[A-Z]{1,4}[0-9]{3}$")

T = TypeVar("T")


class Rule:
    """Base class of every rule. Override :meth:`check` (per file) and/or
    :meth:`check_project` (after every file is linted, for cross-file rules)."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    default_enabled: ClassVar[bool] = True
    tags: ClassVar[tuple[str, ...]] = ()
    # SARIF precision: very-high, high, medium or low.
    precision: ClassVar[str] = "high"
    # A CVSS-like score ("0.1".."10.0") for security rules; None for the others.
    security_severity: ClassVar[str | None] = None
    help_uri: ClassVar[str | None] = None
    # Where the rule comes from: "shlint-iam" for built-in rules, the plugin's name otherwise.
    origin: ClassVar[str] = "shlint-iam"

    @classmethod
    def docs(cls) -> str:
        """The rule's documentation page (its class docstring, dedented)."""
        import inspect  # only here: inspect imports ast, dis and tokenize (~5 ms of an on-save lint)

        return inspect.cleandoc(cls.__doc__ or cls.summary)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        """Findings for one file. The default finds nothing."""
        return ()

    @classmethod
    def wants_project(cls, config: Config) -> bool:
        """Whether :meth:`check_project` has work under ``config``. While it does, every file's
        analysis is kept until all files are linted; return False when it would find nothing."""
        return cls.check_project is not Rule.check_project

    def check_project(self, ctx: ProjectContext) -> Iterable[Finding]:
        """Findings that need every linted file (run once, after all files)."""
        return ()


@record()
class FileContext:
    """What a rule sees of one linted file."""

    source: SourceFile
    config: Config
    analysis: Any  # shlint_iam.analysis.Analysis (kept loose so plugins need not import it)
    severities: dict[str, Severity]
    _cache: dict[str, Any]

    def __init__(
        self,
        source: SourceFile,
        config: Config,
        analysis: Any,
        severities: dict[str, Severity] | None = None,
        _cache: dict[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.config = config
        self.analysis = analysis
        self.severities = {} if severities is None else severities
        self._cache = {} if _cache is None else _cache

    @property
    def path(self) -> str:
        return self.source.path

    def facts(self, kind: type[T]) -> Iterator[T]:
        """Every gcloud fact of ``kind`` (``Deploy``, ``Binding``, ``Invoker``...), in run order."""
        # Sorted out once per kind: rules ask inside loops over facts (quadratic on 5,000 deploys).
        key = f"facts:{kind.__module__}.{kind.__qualname__}"
        found = self._cache.get(key)
        if found is None or found[0] is not self.analysis.facts:
            found = self._cache[key] = (self.analysis.facts, [f for f in self.analysis.facts if isinstance(f, kind)])
        yield from found[1]

    def cached(self, key: str, compute: Any) -> Any:
        """Compute a value once per file and share it between rules."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def report(
        self,
        rule: Rule | type[Rule],
        span: Span,
        message: str,
        *,
        fix: str | None = None,
        scope: tuple[int, int] | None = None,
        notes: Iterable[str] = (),
        related: Iterable[tuple[Span, str]] = (),
        autofix: Fix | None = None,
    ) -> Finding:
        """Build a finding of ``rule`` at ``span`` with the configured severity. ``related``:
        other places the finding is about, each with a short description. ``fix`` is the
        suggestion people read; ``autofix`` the edits `check --fix` and editors apply."""
        return _finding(self.severities, rule, span, message, fix=fix, scope=scope, notes=notes, related=related,
                        autofix=autofix)


@record()
class ProjectContext:
    """What a cross-file rule sees: the analysis of every linted file, and the config."""

    files: list[FileContext]
    config: Config
    severities: dict[str, Severity]

    def __init__(
        self, files: list[FileContext], config: Config, severities: dict[str, Severity] | None = None
    ) -> None:
        self.files = files
        self.config = config
        self.severities = {} if severities is None else severities

    def facts(self, kind: type[T]) -> Iterator[T]:
        for file_ctx in self.files:
            yield from file_ctx.facts(kind)

    def report(
        self,
        rule: Rule | type[Rule],
        span: Span,
        message: str,
        *,
        fix: str | None = None,
        notes: Iterable[str] = (),
        related: Iterable[tuple[Span, str]] = (),
    ) -> Finding:
        return _finding(self.severities, rule, span, message, fix=fix, notes=notes, related=related)


def _finding(
    severities: dict[str, Severity],
    rule: Rule | type[Rule],
    span: Span,
    message: str,
    *,
    fix: str | None = None,
    scope: tuple[int, int] | None = None,
    notes: Iterable[str] = (),
    related: Iterable[tuple[Span, str]] = (),
    autofix: Fix | None = None,
) -> Finding:
    """A finding of ``rule`` at ``span`` with the configured severity (both contexts' ``report``)."""
    return Finding(
        code=rule.code,
        message=message,
        severity=severities.get(rule.code, rule.severity),
        span=span,
        fix=fix,
        scope=scope if scope is not None else (span.start_line, span.end_line),
        notes=tuple(notes),
        related=tuple(related),
        autofix=autofix,
    )
