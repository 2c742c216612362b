"""A table-driven rule tester (in the spirit of ESLint's RuleTester): lint a snippet with the real
parser, interpreter and rules, and compare (code, line, column) triples exactly."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from shlint_iam.config import Config
from shlint_iam.lint import Linter, LintResult


def lint_snippet(script: str, path: str = "deploy.sh", config: Config | None = None,
                 select: list[str] | None = None) -> LintResult:
    config = config or Config()
    if select is not None:
        config.select = select
    return Linter(config).lint_text(textwrap.dedent(script).lstrip("\n"), path)


def triples(script: str, codes: tuple[str, ...] = (), **kwargs: object) -> list[tuple[str, int, int]]:
    """(code, line, column) of each reported finding whose code starts with one of ``codes``
    (the rules on by default, unless ``select=[...]`` is given)."""
    result = lint_snippet(script, **kwargs)  # type: ignore[arg-type]
    assert not [p for p in result.problems if "internal error" in p.message], result.problems
    return sorted(
        (f.code, f.span.start_line, f.span.start_col)
        for f in result.reported
        if not codes or f.code.startswith(codes)
    )


@dataclass
class Case:
    """One snippet and the findings it must produce (an empty list: it must be clean)."""

    id: str
    script: str
    expected: list[tuple[str, int, int]] = field(default_factory=list)
    message: str | None = None  # a substring the first expected finding's message must contain
