"""The cross-file pass: each rule's ``check_project`` over every linted file's analysis, contained
per rule like the per-file pass.

Each check runs under the guard (:func:`guard.run_guarded`: the per-file time limit, a plugin's
``sys.exit``); an exception fails that rule only. When the linter isolates (the command line and
the language server), the checks run in a forked child (:mod:`isolate`), which sees the
analyses by fork: a native crash in one rule (a plugin's C code dying with SIGSEGV) fails that
rule only, named with its plugin, and a new child runs the remaining rules. Every per-file
finding is still reported, and the run exits 2.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

from .core import FileProblem, Finding, ProjectContext, Rule
from .failures import rule_crash, rule_failure
from .guard import run_guarded

_Outcome = tuple[list[Finding], FileProblem | None]


def project_findings(
    rules: Sequence[type[Rule]], project: ProjectContext, time_limit: float | None, isolate: bool
) -> tuple[list[Finding], list[FileProblem]]:
    """The findings of the rules' cross-file checks, and a problem for each check that failed."""
    cross_file = [r for r in rules if r.check_project is not Rule.check_project]

    def one(rule: type[Rule]) -> _Outcome:
        def work() -> list[Finding]:
            return list(rule().check_project(project))

        try:
            return run_guarded(work, time_limit), None
        except Exception as exc:  # noqa: BLE001 - contained per rule, like the per-file pass
            return [], rule_failure("", rule, exc, cross_file=True)

    findings: list[Finding] = []
    problems: list[FileProblem] = []
    for rule, outcome in zip(cross_file, _run(one, cross_file, isolate), strict=True):
        if isinstance(outcome, str):
            problems.append(rule_crash(rule, outcome))
            continue
        found, problem = outcome
        findings.extend(found)
        if problem is not None:
            problems.append(problem)
    return findings, problems


def _run(one: Callable[[type[Rule]], _Outcome], rules: list[type[Rule]], isolate: bool) -> Iterator[_Outcome | str]:
    """``one(rule)`` for each rule, in order; with ``isolate``, in a forked child, where a crash
    is answered with how the child died (a str)."""
    if not (isolate and hasattr(os, "fork")):
        for rule in rules:
            yield one(rule)
        return
    from .isolate import Crash, map_isolated

    for outcome in map_isolated(one, rules, 1):
        yield outcome.how if isinstance(outcome, Crash) else outcome
