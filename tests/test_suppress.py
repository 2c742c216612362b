"""Inline suppression: trailing, own-line (stacked), multi-line commands, functions, file-wide,
and the SUP001 (invalid) and SUP002 (unused) findings about directives."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from shlint_iam.api import FileContext, Finding, Rule, Severity
from shlint_iam.cli import cli
from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.parse import parse
from shlint_iam.registry import Registry, builtin_rules
from shlint_iam.suppress import directives, parse_directive


class EveryGcloud(Rule):
    """A stand-in for the IAM rules: one finding at every `gcloud` command, located like theirs
    (span: the command name; scope: every line of the command)."""

    code = "TST001"
    name = "every-gcloud"
    summary = "a gcloud command"
    severity = Severity.ERROR

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        stack = [parse(ctx.source).root_node]
        while stack:
            node = stack.pop()
            stack.extend(reversed(node.children))
            if node.type != "command":
                continue
            name = node.child_by_field_name("name")
            if name is None or ctx.source.data[name.start_byte : name.end_byte] != b"gcloud":
                continue
            span = ctx.source.span(name.start_point, name.end_point)
            yield ctx.report(
                self, span, "gcloud runs here", scope=(node.start_point[0] + 1, node.end_point[0] + 1)
            )


def lint(script: str, **config: object) -> list[Finding]:
    """The findings (suppressed ones included) for ``script``, with EveryGcloud on."""
    config.setdefault("select", ["TST", "SH", "SUP001"])  # the real IAM/ERR rules are tested elsewhere
    registry = Registry([*builtin_rules(), EveryGcloud])
    linter = Linter(Config(**config), registry)  # type: ignore[arg-type]
    return linter.lint_text(textwrap.dedent(script).lstrip("\n"), "deploy.sh").findings


def shown(findings: list[Finding]) -> list[tuple[int, str]]:
    """(line, code) of the findings a user sees."""
    return [(f.span.start_line, f.code) for f in findings if not f.suppressed]


def hidden(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.span.start_line, f.code) for f in findings if f.suppressed]


# -- the forms ----------------------------------------------------------------------------------


def test_without_directives_every_gcloud_is_reported() -> None:
    findings = lint(
        """
        gcloud functions deploy a
        gcloud functions deploy b
        """
    )
    assert shown(findings) == [(1, "TST001"), (2, "TST001")]


def test_trailing_directive_suppresses_its_command_only() -> None:
    findings = lint(
        """
        gcloud functions deploy a  # shlint-iam disable=TST001 -- made by Terraform
        gcloud functions deploy b
        """
    )
    assert hidden(findings) == [(1, "TST001")]
    assert shown(findings) == [(2, "TST001")]


def test_own_line_directive_suppresses_the_next_command_only() -> None:
    findings = lint(
        """
        # shlint-iam disable=TST001 -- reason
        gcloud functions deploy a
        gcloud functions deploy b
        """
    )
    assert hidden(findings) == [(2, "TST001")]
    assert shown(findings) == [(3, "TST001")]


def test_own_line_directive_skips_blank_and_comment_lines() -> None:
    findings = lint(
        """
        # shlint-iam disable=TST001

        # the orchestrator is bound in bind.sh
        gcloud functions deploy a
        gcloud functions deploy b
        """
    )
    assert hidden(findings) == [(4, "TST001")]


def test_stacked_own_line_directives_all_apply() -> None:
    findings = lint(
        """
        # shlint-iam disable=SUP001
        # shlint-iam disable=TST001 -- the second one applies too
        gcloud functions deploy a
        """,
        extend_select=["SUP002"],
    )
    assert hidden(findings) == [(3, "TST001")]
    # The first directive suppresses nothing: it is unused (and not swallowed by the second).
    assert shown(findings) == [(1, "SUP002")]


def test_multi_line_command_with_directive_on_its_last_line() -> None:
    findings = lint(
        """
        gcloud functions deploy orchestrator \\
          --gen2 \\
          --trigger-topic=phase3-complete \\
          --region=us-central1  # shlint-iam disable=TST001 -- bound by Terraform
        gcloud functions deploy other
        """
    )
    assert hidden(findings) == [(1, "TST001")]
    assert shown(findings) == [(5, "TST001")]


def test_multi_line_command_with_own_line_directive_above() -> None:
    findings = lint(
        """
        # shlint-iam disable=TST001
        gcloud functions deploy orchestrator \\
          --gen2 \\
          --region=us-central1
        """
    )
    assert hidden(findings) == [(2, "TST001")]


def test_directive_inside_a_function_body() -> None:
    findings = lint(
        """
        deploy() {
          # shlint-iam disable=TST001 -- the caller binds it
          gcloud functions deploy "$1"
          gcloud run services add-iam-policy-binding "$1"  # shlint-iam disable=TST001
          gcloud functions describe "$1"
        }
        deploy a
        """
    )
    assert hidden(findings) == [(3, "TST001"), (4, "TST001")]
    assert shown(findings) == [(5, "TST001")]


def test_directive_above_a_function_does_not_cover_its_body() -> None:
    findings = lint(
        """
        # shlint-iam disable=TST001
        deploy() {
          gcloud functions deploy "$1"
        }
        """
    )
    assert shown(findings) == [(3, "TST001")]


def test_disable_file_anywhere() -> None:
    findings = lint(
        """
        gcloud functions deploy a
        gcloud functions deploy b
        # shlint-iam disable-file=TST001 -- legacy script, replaced in Q3
        """
    )
    assert shown(findings) == []
    assert hidden(findings) == [(1, "TST001"), (2, "TST001")]


def test_several_codes_and_all() -> None:
    findings = lint(
        """
        gcloud functions deploy a  # shlint-iam disable=SH000, TST001
        gcloud functions deploy b  # shlint-iam disable=all
        gcloud functions deploy c  # shlint-iam: disable=tst001 # lower case and a '#' reason
        """
    )
    assert shown(findings) == []


def test_only_the_named_code_is_suppressed() -> None:
    findings = lint("if gcloud functions deploy a  # shlint-iam disable=TST001\n")
    assert shown(findings) == [(1, "SH000")]
    assert hidden(findings) == [(1, "TST001")]


def test_text_that_is_not_a_comment_is_not_a_directive() -> None:
    findings = lint(
        """
        echo "gcloud ok # shlint-iam disable=TST001"
        cat <<EOF
        # shlint-iam disable-file=TST001
        EOF
        gcloud functions deploy a
        """
    )
    assert shown(findings) == [(5, "TST001")]


def test_prose_mentioning_the_tool_is_not_a_directive() -> None:
    findings = lint(
        """
        # shlint-iam checks this script in CI
        gcloud functions deploy a
        """
    )
    assert shown(findings) == [(2, "TST001")]


def test_per_file_ignores_apply_next_to_directives() -> None:
    findings = lint("gcloud functions deploy a\n", per_file_ignores={"*.sh": ["TST"]}, root=Path.cwd())
    assert findings == []


# -- SUP001 invalid-suppression -----------------------------------------------------------------


def test_unknown_code_is_sup001_at_the_directive() -> None:
    findings = lint(
        """
        gcloud functions deploy a \\
          --gen2  # shlint-iam disable=TST01 -- typo
        """
    )
    assert shown(findings) == [(1, "TST001"), (2, "SUP001")]
    sup = next(f for f in findings if f.code == "SUP001")
    assert sup.message == "unknown rule code 'TST01' in suppression directive (did you mean TST001?)"
    assert (sup.span.start_line, sup.span.start_col) == (2, 11)
    assert sup.severity is Severity.ERROR


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# shlint-iam disable=", "directive has no codes (expected disable=CODE[,CODE])"),
        ("# shlint-iam disable= -- why", "directive has no codes (expected disable=CODE[,CODE])"),
        ("# shlint-iam disable TST001", "directive has no codes (expected disable=CODE[,CODE])"),
        ("# shlint-iam ignore=TST001", "unknown directive 'ignore' (expected disable= or disable-file=)"),
    ],
)
def test_malformed_directive_is_sup001(comment: str, message: str) -> None:
    findings = lint(f"gcloud functions deploy a\n{comment}\n")
    assert [(f.code, f.message) for f in findings if f.code == "SUP001"] == [("SUP001", message)]


def test_sup001_can_be_ignored() -> None:
    findings = lint("# shlint-iam disable=NOPE001\necho\n", ignore=["SUP001"])
    assert findings == []


def test_known_codes_are_all_rules_not_only_enabled_ones() -> None:
    # SUP002 is off by default but exists: naming it is not an error.
    findings = lint("gcloud functions deploy a  # shlint-iam disable=TST001,SUP002\n")
    assert shown(findings) == []


# -- SUP002 unused-suppression -------------------------------------------------------------------


def test_unused_directive_is_reported_only_when_enabled() -> None:
    script = """
        # shlint-iam disable=TST001 -- nothing to suppress any more
        echo deployed
        """
    assert lint(script) == []
    findings = lint(script, extend_select=["SUP002"])
    assert shown(findings) == [(1, "SUP002")]
    (sup,) = findings
    assert sup.message == "unused suppression of TST001: nothing to suppress for this command"
    assert sup.fix == "delete the directive"
    assert sup.severity is Severity.WARNING


def test_partly_unused_directive_names_the_unused_codes() -> None:
    script = "gcloud functions deploy a  # shlint-iam disable=TST001,SH000\n"
    findings = lint(script, extend_select=["SUP002"])
    assert [(f.code, f.message, f.fix) for f in findings if not f.suppressed] == [
        (
            "SUP002",
            "unused suppression of SH000: nothing to suppress for this command",
            "remove SH000 from the directive",
        )
    ]


def test_unused_file_directive_and_rule_not_enabled() -> None:
    findings = lint(
        "gcloud functions deploy a\n# shlint-iam disable-file=TST001\n",
        extend_select=["SUP002"],
        ignore=["TST"],
    )
    assert [f.message for f in findings] == [
        "unused suppression of TST001: nothing to suppress in this file; not enabled: TST001"
    ]


def test_used_directives_are_not_reported() -> None:
    findings = lint(
        """
        # shlint-iam disable=TST001
        gcloud functions deploy a
        gcloud functions deploy b  # shlint-iam disable=all
        """,
        extend_select=["SUP002"],
    )
    assert shown(findings) == []


def test_unused_trailing_all_is_not_hidden_by_itself() -> None:
    findings = lint("echo ok  # shlint-iam disable=all\n", extend_select=["SUP002"])
    assert shown(findings) == [(1, "SUP002")]


def test_sup002_can_be_suppressed_file_wide() -> None:
    findings = lint(
        "# shlint-iam disable-file=SUP002\necho ok  # shlint-iam disable=TST001\n", extend_select=["SUP002"]
    )
    assert shown(findings) == []


# -- parsing -------------------------------------------------------------------------------------


def test_parse_directive_forms() -> None:
    assert parse_directive("# shlint-iam disable=IAM001,ERR002 -- reason") == (
        "disable",
        ["IAM001", "ERR002"],
        None,
    )
    assert parse_directive("#shlint-iam disable-file=ERR001") == ("disable-file", ["ERR001"], None)
    assert parse_directive("# just a comment") is None
    assert parse_directive("# shlint-iam is great") is None


def test_files_without_the_marker_are_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlint_iam.suppress as suppress

    def boom(*args: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(suppress, "_comments", boom)
    from shlint_iam.source import SourceFile

    assert directives(SourceFile("x.sh", "gcloud functions deploy a  # disable=IAM001\n")) == []


# -- the command line ----------------------------------------------------------------------------


def test_cli_unused_and_invalid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploy.sh").write_text(
        "#!/bin/bash\n"
        "echo ok  # shlint-iam disable=SH000\n"
        "# shlint-iam disable=IAM0001\n"
        "if  # shlint-iam disable=SH000\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", "-f", "concise", "deploy.sh"])
    assert result.exit_code == 1
    # The SH000 on line 4 is suppressed; the unused directive on line 2 is not reported (SUP002 is off).
    assert result.stdout == (
        "deploy.sh:3:1: SUP001 unknown rule code 'IAM0001' in suppression directive (did you mean IAM001?)\n"
    )
    result = CliRunner().invoke(cli, ["check", "-f", "json", "--extend-select", "SUP002", "deploy.sh"])
    assert result.exit_code == 1
    found = [(f["code"], f["start_line"], f["start_column"]) for f in json.loads(result.stdout)]
    assert found == [("SUP002", 2, 10), ("SUP001", 3, 1)]


# -- with the real IAM001 ------------------------------------------------------------------------

IAM_DEPLOY = """
#!/bin/bash
set -euo pipefail
gcloud functions deploy orchestrator \\
  --gen2 --region=us-central1 --project=p \\
  --trigger-topic=phase3-complete{directive}
"""

IAM_FUNCTION = """
#!/bin/bash
set -euo pipefail
deploy() {{
{body_directive}  gcloud functions deploy "$1" --gen2 --region=us-central1 --project=p --trigger-topic=t
}}
deploy a{call_directive}
deploy b
"""


def real(script: str, *extra: str) -> list[tuple[str, int]]:
    args = ["check", "-f", "json", *extra, "-", "--stdin-filename", "d.sh"]
    result = CliRunner().invoke(cli, args, input=script)
    assert result.exit_code in (0, 1), result.output
    return [(f["code"], f["start_line"]) for f in json.loads(result.stdout)]


needs_iam001 = pytest.mark.skipif(
    not any(r.code == "IAM001" for r in builtin_rules()), reason="IAM001 is not written yet"
)


@needs_iam001
def test_iam001_multi_line_deploy_with_directive_on_its_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert real(IAM_DEPLOY.format(directive="").lstrip()) == [("IAM001", 3)]
    script = IAM_DEPLOY.format(directive="  # shlint-iam disable=IAM001 -- bound by Terraform").lstrip()
    assert real(script, "--extend-select", "SUP002") == []


@needs_iam001
def test_iam001_directive_in_a_function_body_covers_every_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    script = IAM_FUNCTION.format(body_directive="", call_directive="").lstrip()
    assert [code for code, _ in real(script)] == ["IAM001", "IAM001"]
    script = IAM_FUNCTION.format(
        body_directive="  # shlint-iam disable=IAM001 -- bound elsewhere\n", call_directive=""
    ).lstrip()
    assert real(script, "--extend-select", "SUP002") == []


@needs_iam001
def test_iam001_directive_at_one_call_covers_that_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    script = IAM_FUNCTION.format(body_directive="", call_directive="  # shlint-iam disable=IAM001").lstrip()
    assert [code for code, _ in real(script, "--extend-select", "SUP002")] == ["IAM001"]
