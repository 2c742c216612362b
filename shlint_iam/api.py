"""The public rule API: what a rule is, what it receives and what it returns.

Built-in rules (the ``rules/`` folder, imported as ``shlint_iam.rules``) import from this
module and nothing else of shlint-iam (a test enforces it); third-party rule packages do the
same, so a plugin needs exactly one import: ``from shlint_iam.api import ...``.
``docs/writing-rules.md`` is the guide.

A rule is a subclass of :class:`Rule` whose class docstring is its documentation page
(``What it does`` / ``Why it matters`` / ``Example`` / ``Fix``)::

    class NoDefaultComputeAccount(Rule):
        '''## What it does
        ...'''

        code = "ACME001"
        name = "no-default-compute-account"
        summary = "a function runs as the default compute service account"
        severity = Severity.WARNING

        def check(self, ctx: FileContext) -> Iterator[Finding]:
            for deploy in ctx.facts(Deploy):
                flag = deploy.run.gcloud.last("--service-account")
                if flag is None:
                    yield ctx.report(self, deploy.span, "...", scope=deploy.lines)

Stability
---------
*Stable* (kept compatible within a major version; a plugin may rely on them):

- rules: :class:`Rule` (its metadata attributes, ``docs()``, ``check``, ``check_project``),
  :class:`FileContext` (``source``, ``path``, ``config``, ``analysis``, ``facts``, ``cached``,
  ``report``), :class:`ProjectContext` (``files``, ``config``, ``facts``, ``report``),
  :class:`Finding`, :class:`Severity`, :class:`Span`, ``CODE_PATTERN``, and
  :func:`check_text` (lint a snippet with extra rules: for a rule's tests);
- gcloud facts (what ``ctx.facts(kind)`` yields): ``Fact``, ``Deploy``, ``Binding``,
  ``Invoker``, ``Delete``, ``ServiceRef``, ``Unverifiable``, and the member helpers
  ``PUBLIC_MEMBERS``, ``normalise_member``, ``is_default_compute``;
- the trace of executed commands: ``CommandRun`` (``fact.run``), ``Word``, and the parsed
  gcloud command line ``GcloudCommand`` (``run.gcloud``: ``path``, ``flags``, ``last``,
  ``value``, ``has``, ``command``) with its ``Flag``;
- abstract values: ``show`` (a value for a message, unknown parts shown as ``$VAR``-like
  placeholders) and ``is_known`` (whether a value holds no unknown part).

*Provisional* (the shared analyses of the built-in IAM and ERR rules; usable, but their shape
may change in a minor release): ``invoker_analysis``, ``InvokerAnalysis``, ``Requirement``,
``Outcome``, ``binding_fix``, ``Match``, ``same_service``, ``is_broad``, ``deployment_steps``,
``describe_step``, ``display_path``.

Everything else under ``shlint_iam`` is private.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .config import Config
from .files import display_path

# Re-exports (see "Stability" above). None of these modules imports this one at import time.
from .gcloud.argv import Flag, GcloudCommand
from .gcloud.facts import (
    PUBLIC_MEMBERS,
    Binding,
    Delete,
    Deploy,
    Fact,
    Invoker,
    Revoke,
    ServiceRef,
    Unverifiable,
    is_default_compute,
    normalise_member,
)
from .invokers import (
    InvokerAnalysis,
    Match,
    Outcome,
    Requirement,
    binding_fix,
    invoker_analysis,
    is_broad,
    same_service,
)
from .model import Finding, Severity, Span
from .shell.trace import CommandRun, Word
from .shell.values import is_known, show
from .steps import deployment_steps, describe_step

if TYPE_CHECKING:
    from .source import SourceFile

__all__ = [
    # rules
    "CODE_PATTERN",
    "Config",
    "FileContext",
    "Finding",
    "ProjectContext",
    "Rule",
    "Severity",
    "Span",
    "check_text",
    # gcloud facts
    "Binding",
    "Delete",
    "Deploy",
    "Fact",
    "Invoker",
    "Revoke",
    "PUBLIC_MEMBERS",
    "ServiceRef",
    "Unverifiable",
    "is_default_compute",
    "normalise_member",
    # trace and values
    "CommandRun",
    "Flag",
    "GcloudCommand",
    "Word",
    "is_known",
    "show",
    "display_path",
    # provisional: shared analyses of the built-in rules
    "InvokerAnalysis",
    "Match",
    "Outcome",
    "Requirement",
    "binding_fix",
    "deployment_steps",
    "describe_step",
    "invoker_analysis",
    "is_broad",
    "same_service",
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


@dataclass
class FileContext:
    """What a rule sees of one linted file."""

    source: SourceFile
    config: Config
    analysis: Any  # shlint_iam.analysis.Analysis (kept loose so plugins need not import it)
    severities: dict[str, Severity] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.source.path

    def facts(self, kind: type[T]) -> Iterator[T]:
        """Every gcloud fact of ``kind`` (``Deploy``, ``Binding``, ``Invoker``...), in run order."""
        for fact in self.analysis.facts:
            if isinstance(fact, kind):
                yield fact

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
    ) -> Finding:
        """Build a finding of ``rule`` at ``span`` with the configured severity."""
        return Finding(
            code=rule.code,
            message=message,
            severity=self.severities.get(rule.code, rule.severity),
            span=span,
            fix=fix,
            scope=scope if scope is not None else (span.start_line, span.end_line),
            notes=tuple(notes),
        )


@dataclass
class ProjectContext:
    """What a cross-file rule sees: the analysis of every linted file, and the config."""

    files: list[FileContext]
    config: Config
    severities: dict[str, Severity] = field(default_factory=dict)

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
    ) -> Finding:
        return Finding(
            code=rule.code,
            message=message,
            severity=self.severities.get(rule.code, rule.severity),
            span=span,
            fix=fix,
            scope=(span.start_line, span.end_line),
            notes=tuple(notes),
        )


def check_text(
    text: str | bytes,
    rules: Iterable[type[Rule]] = (),
    *,
    path: str = "deploy.sh",
    config: Config | None = None,
) -> list[Finding]:
    """Lint one script with the built-in rules plus ``rules`` and return what is reported
    (suppressed findings left out), sorted by place: the way to test a rule.

    Unless ``config.select`` says otherwise, only ``rules`` are enabled (every default rule
    when ``rules`` is empty). ``rules`` need not be installed as a plugin.
    """
    from .config import Config
    from .lint import Linter
    from .registry import Registry, builtin_rules

    extra = list(rules)
    config = config if config is not None else Config()
    if config.select is None and extra:
        config.select = [r.code for r in extra]
    known = {r.code: r for r in builtin_rules()}
    known.update({r.code: r for r in extra})
    result = Linter(config, Registry(known.values())).lint_text(text, path)
    return result.reported
