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
  :func:`check_text` (lint a snippet with extra rules: for a rule's tests; it raises
  ``IncompleteAnalysis`` when the snippet could not be analysed completely, e.g. a rule raised);
- gcloud facts (what ``ctx.facts(kind)`` yields): ``Fact``, ``Deploy``, ``Binding``,
  ``Invoker``, ``Delete``, ``ServiceRef``, ``Unverifiable``, and the member helpers
  ``PUBLIC_MEMBERS``, ``normalise_member``, ``is_default_compute``;
- the trace of executed commands: ``CommandRun`` (``fact.run``), ``Word``, and the parsed
  gcloud command line ``GcloudCommand`` (``run.gcloud``: ``path``, ``flags``, ``last``,
  ``value``, ``has``, ``command``) with its ``Flag``;
- abstract values: a value (``Val``) is a ``str`` when fully known, else a ``Value`` of literal
  text and unknown parts; ``show`` (the value as the script wrote it, for a message:
  ``$PROJECT_ID-x``, ``${ZONE%-*}``, a placeholder such as PROJECT_NUMBER), ``shell_word`` (the same, quoted as a
  shell word, for a fix), ``is_known`` (whether a value holds no unknown part, i.e. is a ``str``),
  and ``compare`` (three-valued equality: ``Tri.YES`` / ``Tri.NO`` / ``Tri.MAYBE``).

*Provisional* (the shared analyses of the built-in IAM and ERR rules; usable, but their shape
may change in a minor release): ``invoker_analysis``, ``InvokerAnalysis``, ``Requirement``,
``Outcome``, ``binding_fix``, ``location_flags``, ``Match``, ``same_service``, ``is_broad``, ``deployment_steps``,
``describe_step``, ``steps_markdown``, ``display_path``, ``file_kind`` (what the linted file is, for
a message: "script", "workflow", "build config", "Makefile" or "file"), and the table of
gcloud command shapes (``COMMANDS``,
``CommandSpec``, ``command_problems``, ``Problem``, ``table_markdown``); ``Note`` (what
``ctx.analysis.notes`` holds: what the analysis could not follow) with its kinds
``NOT_FOLLOWED`` and ``TOO_DEEP``; how a command's discarded or masked status is lost
(``run.status_via``): ``VIA_OR``, ``VIA_DECLARATION``, ``VIA_ARGUMENTS``, ``VIA_PROCESS_SUBSTITUTION``,
``VIA_BACKGROUND``, ``VIA_PIPE``, ``VIA_MAKE_DASH``; and ``VIA_EXIT_STATUS`` for a "checked" status
that only the script's exit status checks (its last command).

Everything else under ``shlint_iam`` is private.

This module only re-exports: the rule contract lives in :mod:`shlint_iam.core`, the shared
analyses in their own modules. Nothing inside the package imports this module (only the built-in
rules under ``rules/`` and plugins do), so it can import everything without a cycle.
"""

from __future__ import annotations

from .config import Config
from .core import CODE_PATTERN, SAFE, UNSAFE, Edit, FileContext, Finding, Fix, ProjectContext, Rule, Severity, Span
from .files import display_path
from .frontends.names import file_kind
from .gcloud.argv import Flag, GcloudCommand
from .gcloud.commands import COMMANDS, CommandSpec, Problem, command_problems, may_hide_flags, table_markdown
from .gcloud.facts import (
    PUBLIC_MEMBERS,
    Binding,
    Delete,
    Deploy,
    Fact,
    Invoker,
    Rejected,
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
    location_flags,
    same_service,
)
from .lint import IncompleteAnalysis, check_text
from .shell.notes import NOT_FOLLOWED, TOO_DEEP, Note
from .shell.trace import (
    VIA_ARGUMENTS,
    VIA_BACKGROUND,
    VIA_DECLARATION,
    VIA_EXIT_STATUS,
    VIA_MAKE_DASH,
    VIA_OR,
    VIA_PIPE,
    VIA_PROCESS_SUBSTITUTION,
    CommandRun,
    Word,
)
from .shell.values import Tri, Val, Value, compare, is_known, shell_word, show, show_name
from .steps import deployment_steps, describe_step, recreated, steps_markdown

__all__ = [
    # rules
    "CODE_PATTERN",
    "Config",
    "Edit",
    "FileContext",
    "Finding",
    "Fix",
    "SAFE",
    "UNSAFE",
    "ProjectContext",
    "Rule",
    "Severity",
    "Span",
    "check_text",
    "IncompleteAnalysis",
    # gcloud facts
    "Binding",
    "Delete",
    "Deploy",
    "Fact",
    "Invoker",
    "Rejected",
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
    "Tri",
    "Val",
    "Value",
    "compare",
    "is_known",
    "shell_word",
    "show",
    "show_name",
    "file_kind",
    "display_path",
    # what the analysis could not follow
    "NOT_FOLLOWED",
    "Note",
    "TOO_DEEP",
    # how a discarded or masked status is lost (CommandRun.status_via)
    "VIA_ARGUMENTS",
    "VIA_BACKGROUND",
    "VIA_DECLARATION",
    "VIA_EXIT_STATUS",
    "VIA_MAKE_DASH",
    "VIA_OR",
    "VIA_PIPE",
    "VIA_PROCESS_SUBSTITUTION",
    # provisional: shared analyses of the built-in rules
    "InvokerAnalysis",
    "Match",
    "Outcome",
    "Requirement",
    "binding_fix",
    "COMMANDS",
    "CommandSpec",
    "Problem",
    "command_problems",
    "may_hide_flags",
    "table_markdown",
    "deployment_steps",
    "recreated",
    "steps_markdown",
    "describe_step",
    "invoker_analysis",
    "location_flags",
    "is_broad",
    "same_service",
]
