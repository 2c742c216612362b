"""The ``github`` output format: GitHub Actions workflow commands, escaped as @actions/core does."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from shlint_iam.config import Config
from shlint_iam.lint import LintResult
from shlint_iam.model import FileProblem, Finding, Severity, Span
from shlint_iam.registry import Registry
from shlint_iam.report import ReportOptions, renderer
from shlint_iam.report.github_format import escape_data, escape_property


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.for_config(Config())


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def f(
    path: str,
    line: int,
    col: int,
    end_line: int,
    end_col: int,
    *,
    code: str = "SH000",
    severity: Severity = Severity.ERROR,
    message: str = "bad",
    fix: str | None = None,
    suppressed: bool = False,
) -> Finding:
    return Finding(
        code, message, severity, Span(path, line, col, end_line, end_col), fix=fix, suppressed=suppressed
    )


def render(
    registry: Registry, findings: list[Finding], problems: list[FileProblem] | None = None, **opts: Any
) -> str:
    result = LintResult(findings=findings, problems=problems or [], rules=registry.enabled(Config()))
    return renderer("github")(result, registry, ReportOptions(**opts))


def test_escaping_matches_actions_core() -> None:
    # toolkit/packages/core/src/command.ts: escapeData and escapeProperty, "%" first.
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext%3A a%2Cb"
    assert escape_data("%0A") == "%250A"  # an already-escaped-looking value is escaped again


def test_one_line_per_finding_exact_bytes(in_tmp: Path, registry: Registry) -> None:
    findings = [
        f("deploy.sh", 3, 5, 3, 11, message="invoker missing: 100% sure,\nreally"),
        f("a,b:c.sh", 7, 1, 7, 2, severity=Severity.WARNING, message="w"),
        f("deploy.sh", 9, 2, 9, 4, severity=Severity.INFO, message="i", fix="add --region"),
    ]
    out = render(registry, findings)
    assert out.encode("utf-8") == (
        b"::error file=deploy.sh,line=3,col=5,endLine=3,endColumn=11,title=SH000"
        b"::invoker missing: 100%25 sure,%0Areally\n"
        b"::warning file=a%2Cb%3Ac.sh,line=7,col=1,endLine=7,endColumn=2,title=SH000::w\n"
        b"::notice file=deploy.sh,line=9,col=2,endLine=9,endColumn=4,title=SH000::i. Fix: add --region\n"
    )


def test_multi_line_spans_leave_out_columns(registry: Registry) -> None:
    # GitHub accepts col/endColumn only when line == endLine.
    out = render(registry, [f("deploy.sh", 5, 3, 6, 78)])
    assert out == "::error file=deploy.sh,line=5,endLine=6,title=SH000::bad\n"


def test_non_ascii_columns_are_characters(registry: Registry) -> None:
    out = render(registry, [f("é.sh", 1, 5, 1, 11, message="é é gcloud")])
    assert out == "::error file=é.sh,line=1,col=5,endLine=1,endColumn=11,title=SH000::é é gcloud\n"


def test_suppressed_findings_are_never_annotations(registry: Registry) -> None:
    findings = [f("deploy.sh", 1, 1, 1, 2), f("deploy.sh", 2, 1, 2, 2, suppressed=True)]
    assert render(registry, findings).count("\n") == 1
    assert render(registry, findings, include_suppressed=True).count("\n") == 1


def test_paths_relative_to_project_root(in_tmp: Path, registry: Registry) -> None:
    (in_tmp / "repo" / "ci").mkdir(parents=True)
    out = render(registry, [f("repo/ci/deploy.sh", 1, 1, 1, 2)], project_root="repo")
    assert out.startswith("::error file=ci/deploy.sh,line=1,")
    absolute = str(in_tmp / "repo" / "ci" / "deploy.sh")
    out = render(registry, [f(absolute, 1, 1, 1, 2)], project_root=str(in_tmp / "repo"))
    assert out.startswith("::error file=ci/deploy.sh,line=1,")


def test_unreadable_paths_are_annotated(registry: Registry) -> None:
    problems = [
        FileProblem("gone.sh", "no such file"),
        FileProblem("odd.sh", "analysis incomplete: internal error", "incomplete"),
        FileProblem("blob", "looks like a binary file", "notice"),
        FileProblem("", "analysis incomplete: the cross-file check of rule COV001 failed", "incomplete"),
    ]
    assert render(registry, [], problems) == (
        "::error file=gone.sh,title=shlint-iam::no such file\n"
        "::error file=odd.sh,title=shlint-iam::analysis incomplete: internal error\n"
        "::warning file=blob,title=shlint-iam::looks like a binary file\n"
        "::error title=shlint-iam::analysis incomplete: the cross-file check of rule COV001 failed\n"
    )


def test_empty_result_is_empty_output(registry: Registry) -> None:
    assert render(registry, []) == ""


def test_cli_github_format(in_tmp: Path) -> None:
    from shlint_iam.cli import cli

    (in_tmp / "bad.sh").write_text("é é echo )\n", encoding="utf-8")
    (in_tmp / "ok.sh").write_text("echo fine\n", encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["check", "-f", "github", "bad.sh", "ok.sh"])
    assert outcome.exit_code == 1
    # The message is data (":" is not escaped there); col 10 is a character column (byte 12).
    assert outcome.stdout == (
        "::error file=bad.sh,line=1,col=10,endLine=1,endColumn=11,title=SH000::syntax error: unexpected `)`\n"
    )


def test_cli_github_format_with_iam_rules(in_tmp: Path) -> None:
    if not any(code.startswith("IAM") for code in Registry.for_config(Config()).rules):
        pytest.skip("no IAM rules yet")
    from shlint_iam.cli import cli

    script = textwrap.dedent(
        """\
        #!/usr/bin/env bash
        set -euo pipefail
        gcloud functions deploy orchestrator --gen2 --region=us-central1 \\
          --trigger-topic=phase3-complete --no-allow-unauthenticated
        """
    )
    (in_tmp / "deploy.sh").write_text(script, encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["check", "-f", "github", "--select", "IAM", "deploy.sh"])
    lines = outcome.stdout.splitlines()
    assert lines, "the script deploys a Pub/Sub function with no invoker binding"
    for line in lines:
        assert line.startswith(("::error file=deploy.sh,line=", "::warning file=deploy.sh,line="))
        props, message = line.split("::")[1], line.split("::", 2)[2]
        assert ",title=IAM" in props and message
        assert "\n" not in message and "\r" not in message
