"""Calls inside calls and files inside files (issue 12 item 8): past ``MAX_CALL_DEPTH`` (24) or
``MAX_SOURCE_DEPTH`` (8) the analysis is incomplete (exit 2, named in every format), never a
silent cut-off; an endless recursion (a call repeating a running one on every path) too. A
recursion that ends (a retry with a known count) or that repeats only on some paths (a retry
until a command succeeds) is analysed completely, and so is a `source` cycle (include guards).
See docs/robustness.md."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_sarif import validate

from shlint_iam.config import Config
from shlint_iam.lint import Linter, LintResult
from shlint_iam.model import FileProblem
from shlint_iam.shell.state import MAX_CALL_DEPTH, MAX_SOURCE_DEPTH

SET_E = "#!/bin/bash\nset -euo pipefail\n"
TOPIC = "--gen2 --region=us-central1 --trigger-topic=orders"
IAM001 = ("gen2 function {name} (Pub/Sub topic orders) is invoked as serviceAccount:PROJECT_NUMBER-compute@"
          "developer.gserviceaccount.com (the default compute service account), which gets no roles/run.invoker "
          "on service {name} after this deploy")


def lint(text: str, path: str = "deploy.sh") -> LintResult:
    return Linter(Config()).lint_text(text, path)


def found(result: LintResult) -> list[tuple[str, str, int, int, str]]:
    return [(f.code, f.path, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def incomplete(path: str, why: str) -> FileProblem:
    return FileProblem(path, f"analysis incomplete: {why}", "incomplete")


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})


def test_the_bounds_have_their_documented_values() -> None:
    assert (MAX_CALL_DEPTH, MAX_SOURCE_DEPTH) == (24, 8)
    docs = (Path(__file__).resolve().parent.parent / "docs" / "robustness.md").read_text(encoding="utf-8")
    assert "| recursion depth of inlined calls | `state.MAX_CALL_DEPTH` | 24 |" in docs
    assert "| files followed inside files (`source`, child scripts) | `state.MAX_SOURCE_DEPTH` | 8 |" in docs


# -- the reproducer: a function that calls itself many times per call ---------------------

ENDLESS = ("endless recursion: function f calls itself with the same arguments and variables on every path "
           "at line 5 of rec.sh: not analysed")


def fan_out(calls: int) -> str:
    body = "\n".join(["  f"] * calls)
    return f"{SET_E}f() {{\n  gcloud functions deploy fn {TOPIC} --allow-unauthenticated\n{body}\n}}\nf\necho after\n"


PUBLIC_COL = len(f"  gcloud functions deploy fn {TOPIC} ") + 1
IAM006 = "--allow-unauthenticated makes gen2 function fn (Pub/Sub topic orders) callable by anyone; only its invoker " \
         "needs access"


@pytest.mark.parametrize("calls", [2, 60, 100])
def test_a_function_calling_itself_on_every_path_is_an_endless_recursion(calls: int) -> None:
    result = lint(fan_out(calls), "rec.sh")
    assert result.problems == [incomplete("rec.sh", ENDLESS)]
    assert result.exit_code() == 2
    # the deploy before the recursion is analysed and reported, once; the path ends in the
    # recursion (bash dies there), so IAM001 does not judge what comes after it
    assert found(result) == [("IAM006", "rec.sh", 4, PUBLIC_COL, IAM006)]


def test_the_endless_recursion_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "rec.sh").write_text(fan_out(60))
    message = f"analysis incomplete: {ENDLESS}"

    text = cli(tmp_path, "rec.sh")
    assert text.returncode == 2
    assert text.stderr == f"shlint-iam: rec.sh: {message}\n"
    assert f"4:{PUBLIC_COL}  error  IAM006 " in text.stdout
    assert text.stdout.endswith(
        "Found 1 problem (1 error) in 1 file.\n1 file could not be analysed completely: rec.sh (exit 2).\n")

    concise = cli(tmp_path, "-f", "concise", "rec.sh")
    assert concise.returncode == 2
    assert concise.stdout == f"rec.sh:4:{PUBLIC_COL}: IAM006 {IAM006}\n"
    assert concise.stderr == (f"shlint-iam: rec.sh: {message}\n"
                              "shlint-iam: 1 file could not be analysed completely: rec.sh (exit 2).\n")

    entries = json.loads(cli(tmp_path, "-f", "json", "rec.sh").stdout)
    assert [(e["type"], e["kind"], e["message"], e["path"]) for e in entries if e["type"] == "problem"] == [
        ("problem", "incomplete", message, "rec.sh")]

    github = cli(tmp_path, "-f", "github", "rec.sh")
    assert github.returncode == 2
    assert github.stdout.splitlines()[0] == f"::error file=rec.sh,title=shlint-iam::{message}"

    sarif = cli(tmp_path, "-f", "sarif", "rec.sh")
    assert sarif.returncode == 2
    log = json.loads(sarif.stdout)
    validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert (note["level"], note["message"]["text"]) == ("error", f"rec.sh: {message}")
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["IAM006"]


def test_the_endless_recursion_in_the_language_server() -> None:
    pytest.importorskip("pygls")
    from shlint_iam import lsp

    checked = lsp.check_text(fan_out(60), "untitled:rec.sh")
    first, second = checked.diagnostics
    assert (first.message, first.range.start.line, first.code) == (
        f"shlint-iam could not analyse this file completely ({ENDLESS.replace('rec.sh', '<stdin>')}); "
        "findings may be missing", 0, None)
    assert (second.code, second.range.start.line) == ("IAM006", 3)
    assert second.message.startswith(IAM006)


# -- calls nested deeper than MAX_CALL_DEPTH ----------------------------------------------------


def deploy_range(last: int) -> str:
    """A function that deploys fn-I and calls itself for I + 1, up to ``last``: bash stops there."""
    return SET_E + textwrap.dedent(f"""\
        deploy_range() {{
          local i=$1
          if [ "$i" -gt {last} ]; then
            return 0
          fi
          gcloud functions deploy "fn-$i" {TOPIC}
          deploy_range $((i + 1))
        }}
        deploy_range 1
        """)


def test_recursion_within_the_call_depth_is_complete() -> None:
    result = lint(deploy_range(MAX_CALL_DEPTH - 1))  # 24 calls, the last one returns at once
    assert result.problems == []
    (finding,) = result.reported
    assert (finding.code, finding.span.start_line) == ("IAM001", 8)
    assert finding.message.startswith("this command deploys 23 event-invoked services that get no roles/run.invoker "
                                      "after this deploy: gen2 function fn-1 ")
    assert result.exit_code() == 1


def test_recursion_deeper_than_the_call_depth_is_incomplete_and_names_the_function() -> None:
    result = lint(deploy_range(30))
    assert result.problems == [incomplete(
        "deploy.sh", "calls nested deeper than 24 levels (function deploy_range) at line 9 of deploy.sh: not analysed")]
    assert result.exit_code() == 2
    # what was analysed is reported: the first 24 deploys, not fn-25 to fn-30
    (finding,) = result.reported
    assert (finding.code, finding.span.start_line) == ("IAM001", 8)
    assert finding.message.startswith("this command deploys 24 event-invoked services that get no roles/run.invoker "
                                      "after this deploy: gen2 function fn-1 ")
    assert "fn-24 " in finding.message and "fn-25 " not in finding.message


def test_calls_through_a_chain_of_functions_count_too() -> None:
    chain = "".join(f"step{i}() {{ step{i + 1}; }}\n" for i in range(1, 30))
    text = f"{SET_E}{chain}step30() {{ gcloud functions deploy last {TOPIC}; }}\nstep1\n"
    result = lint(text)
    assert result.problems == [incomplete(
        "deploy.sh", "calls nested deeper than 24 levels (function step25) at line 26 of deploy.sh: not analysed")]
    assert found(result) == [("SH002", "deploy.sh", 32, 1, "function step30 is never called by anything shlint-iam "
                              "can follow: its 1 deployment step (`gcloud functions deploy`) was not analysed")]


# -- retries: bounded, or repeating on some paths only: complete --------------------------------

RETRY = SET_E + textwrap.dedent(f"""\
    retry() {{
      local attempts=$1
      shift
      if "$@"; then
        return 0
      fi
      if [ "$attempts" -le 1 ]; then
        echo "giving up: $*" >&2
        return 1
      fi
      sleep 5
      retry $((attempts - 1)) "$@"
    }}
    retry {{count}} gcloud functions deploy orders {TOPIC}
    """)


@pytest.mark.parametrize("count", ["3", "5", '"${RETRIES:-5}"', '"$RETRIES"'])
def test_a_retry_helper_that_calls_itself_is_analysed_completely(count: str) -> None:
    text = RETRY.replace("{count}", count)
    result = lint(text)
    assert result.problems == []
    # Reported at the call, where the deploy is written (the wrapper runs it from "$@").
    call = f"retry {count} gcloud"
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith(call))
    assert found(result) == [("IAM001", "deploy.sh", line, len(call) - len("gcloud") + 1,
                              IAM001.format(name="orders"))]
    assert result.exit_code() == 1


UNTIL_IT_WORKS = SET_E + textwrap.dedent(f"""\
    attempt=0
    deploy() {{
      attempt=$((attempt + 1))
      echo "attempt $attempt"
      if gcloud functions deploy orders {TOPIC}; then
        return 0
      fi
      {{limit}}
      sleep 10
      deploy
    }}
    deploy
    """)


@pytest.mark.parametrize("limit", [
    "",  # until gcloud succeeds: the second call repeats the first (the count aside, see below)
    'if [ "$attempt" -ge 5 ]; then exit 1; fi',
    "if (( attempt >= 5 )); then exit 1; fi",
])
def test_a_retry_until_the_deploy_succeeds(limit: str) -> None:
    text = UNTIL_IT_WORKS.replace("{limit}", limit)
    if not limit:
        text = text.replace('  attempt=$((attempt + 1))\n  echo "attempt $attempt"\n', "")
    result = lint(text)
    assert result.problems == []
    line = text.splitlines().index(f"  if gcloud functions deploy orders {TOPIC}; then") + 1
    assert found(result) == [("IAM001", "deploy.sh", line, 6, IAM001.format(name="orders"))]
    assert result.exit_code() == 1


def test_an_unbounded_retry_with_a_growing_count_is_incomplete() -> None:
    # Every call differs from the ones running (the count grows) and nothing stops it but the
    # deploy's success: deeper than the analysis follows.
    result = lint(UNTIL_IT_WORKS.replace("{limit}", ""))
    assert result.problems == [incomplete(
        "deploy.sh", "calls nested deeper than 24 levels (function deploy) at line 12 of deploy.sh: not analysed")]
    assert result.exit_code() == 2


def test_status_read_again_in_a_retry_is_not_a_new_state() -> None:
    text = textwrap.dedent(f"""\
        #!/bin/bash
        retry() {{
          "$@"
          rc=$?
          if [ "$rc" -eq 0 ]; then
            return 0
          fi
          retry "$@"
        }}
        retry gcloud functions deploy orders {TOPIC} || exit 1
        """)
    result = lint(text)
    assert result.problems == []
    assert found(result) == [("IAM001", "deploy.sh", 10, 7, IAM001.format(name="orders"))]  # at the call


# -- files inside files: MAX_SOURCE_DEPTH, and cycles --------------------------------------------


def chain(root: Path, how: str, count: int) -> None:
    (root / "main.sh").write_text(f"{SET_E}{how} ./f1.sh\n")
    for i in range(1, count + 1):
        (root / f"f{i}.sh").write_text(
            f"#!/bin/bash\n{how} ./f{i + 1}.sh\ngcloud functions deploy fn{i} {TOPIC}\n")
    (root / f"f{count + 1}.sh").write_text("echo end\n")


@pytest.mark.parametrize(("how", "what"), [("source", "sourced file"), ("bash", "child script")])
def test_files_nested_deeper_than_the_bound_are_incomplete(how: str, what: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    chain(tmp_path, how, 10)
    monkeypatch.chdir(tmp_path)
    result = Linter(Config()).lint_paths(["main.sh"])
    assert result.problems == [incomplete(
        "main.sh", f"files nested deeper than 8 levels ({what} f9.sh) at line 2 of f8.sh: not analysed")]
    assert [f.path for f in result.reported if f.code == "IAM001"] == [f"f{i}.sh" for i in range(1, 9)]
    assert result.exit_code() == 2


@pytest.mark.parametrize("how", ["source", "bash"])
def test_files_within_the_bound_are_complete(how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain(tmp_path, how, MAX_SOURCE_DEPTH - 1)  # f1.sh to f7.sh deploy, f8.sh ends: 8 files inside each other
    monkeypatch.chdir(tmp_path)
    result = Linter(Config()).lint_paths(["main.sh"])
    assert [p for p in result.problems if p.kind == "incomplete"] == []
    assert [f.path for f in result.reported if f.code == "IAM001"] == [f"f{i}.sh" for i in range(1, MAX_SOURCE_DEPTH)]


def test_the_file_bound_through_the_cli(tmp_path: Path) -> None:
    chain(tmp_path, "source", 10)
    proc = cli(tmp_path, "-f", "concise", "main.sh")
    assert proc.returncode == 2
    assert proc.stderr == (
        "shlint-iam: main.sh: analysis incomplete: files nested deeper than 8 levels (sourced file f9.sh) at line 2 "
        "of f8.sh: not analysed\nshlint-iam: 1 file could not be analysed completely: main.sh (exit 2).\n")
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == [f"f{i}.sh" for i in range(1, 9)]


def test_libraries_that_source_each_other_behind_include_guards_are_complete(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "main.sh").write_text(f"{SET_E}source ./lib/common.sh\ndeploy_fn orders\n")
    (tmp_path / "lib" / "common.sh").write_text(textwrap.dedent(f"""\
        [ -n "${{COMMON_LOADED:-}}" ] && return 0
        COMMON_LOADED=1
        source "$(dirname "${{BASH_SOURCE[0]}}")/log.sh"
        deploy_fn() {{
          log "deploying $1"
          gcloud functions deploy "$1" {TOPIC}
        }}
        """))
    (tmp_path / "lib" / "log.sh").write_text(textwrap.dedent("""\
        source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
        log() { echo "$*" >&2; }
        """))
    proc = cli(tmp_path, "-f", "concise", "main.sh")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == f"lib/common.sh:6:3: IAM001 {IAM001.format(name='orders')}\n"


def test_a_script_that_runs_itself_is_a_cycle_not_depth(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(textwrap.dedent(f"""\
        #!/bin/bash
        set -euo pipefail
        if [ "${{1:-}}" != inner ]; then
          bash "$0" inner
          exit 0
        fi
        gcloud functions deploy orders {TOPIC}
        """))
    proc = cli(tmp_path, "-f", "concise", "deploy.sh")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == f"deploy.sh:7:1: IAM001 {IAM001.format(name='orders')}\n"
