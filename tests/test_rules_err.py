"""ERR001-ERR003 and SH000: snippets that must and must not produce them, at exact places."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruletest import Case, lint_snippet, triples

from shlint_iam.analysis import analyse
from shlint_iam.api import (
    VIA_ARGUMENTS,
    VIA_BACKGROUND,
    VIA_DECLARATION,
    VIA_OR,
    VIA_PIPE,
    VIA_PROCESS_SUBSTITUTION,
)
from shlint_iam.config import Config
from shlint_iam.source import SourceFile

BIND = ("gcloud run services add-iam-policy-binding orch --region=r "
        "--member=serviceAccount:a@p.iam.gserviceaccount.com --role=roles/run.invoker")

CASES = [
    # ERR001
    # (an `echo` after the step: the script's last command is checked by its exit status)
    Case("no-errexit", f"{BIND}\necho bound\n", [("ERR001", 1, 1)], "without `set -e`"),
    Case("no-errexit-last-command", f"{BIND}\n"),
    Case("set-e", f"set -e\n{BIND}\n"),
    Case("set-o-errexit", f"set -o errexit\n{BIND}\n"),
    Case("set-euo-pipefail", f"set -euo pipefail\n{BIND}\n"),
    Case("shebang-e", f"#!/bin/bash -e\n{BIND}\n"),
    Case("shebang-eu", f"#!/usr/bin/env -S bash -eu\n{BIND}\n"),
    Case("or-exit", f"{BIND} || exit 1\n"),
    Case("or-brace-exit", f'{BIND} || {{ echo "failed" >&2; exit 1; }}\n'),
    Case("or-return-in-function", f"f() {{\n  {BIND} || return 1\n}}\nf || exit 1\n"),
    Case("or-die-function", f'die() {{ echo "$1" >&2; exit 1; }}\n{BIND} || die "binding failed"\n'),
    Case("or-warn-function", f'set -e\nwarn() {{ echo "$1" >&2; }}\n{BIND} || warn "binding failed"\n',
         [("ERR002", 3, 1)]),
    Case("if-condition", f'if ! {BIND}; then\n  echo failed\n  exit 1\nfi\n'),
    Case("status-checked-next", f'{BIND}\nif [ $? -ne 0 ]; then exit 1; fi\n'),
    Case("status-saved", f'{BIND}\nrc=$?\n[ "$rc" -eq 0 ] || exit "$rc"\n'),
    Case("trap-err", f"trap 'echo failed; exit 1' ERR\n{BIND}\n"),
    Case("read-only-commands-are-not-steps", "gcloud run services describe orch --region=r\n"
         "gcloud run services get-iam-policy orch --region=r | grep -q roles/run.invoker\n"
         "if [ $? -ne 0 ]; then exit 1; fi\n"),
    Case("errexit-off-in-subshell-is-inherited", f"set -e\n( {BIND} )\n"),
    Case("set-e-inside-branch", f'if true; then set -e; fi\n{BIND}\n'),
    # ERR002
    Case("or-true", f"set -e\n{BIND} || true\n", [("ERR002", 2, 1)], "`|| true`"),
    Case("or-colon", f"set -e\n{BIND} || :\n", [("ERR002", 2, 1)]),
    Case("or-echo", f'set -e\n{BIND} || echo "binding failed"\n', [("ERR002", 2, 1)]),
    Case("local-masks", f'set -e\nf() {{\n  local out=$({BIND})\n}}\nf\n', [("ERR002", 3, 15)], "`local x=$(...)`"),
    Case("export-masks", f"set -e\nexport OUT=$({BIND})\n", [("ERR002", 2, 14)]),
    Case("plain-assignment-propagates", f"set -e\nOUT=$({BIND})\n"),
    Case("set-plus-e", f"set -e\nset +e\n{BIND}\necho bound\n", [("ERR002", 3, 1)], "`set +e`"),
    Case("set-plus-e-then-checked", f"set -e\nset +e\n{BIND} || exit 1\n"),
    # ERR003
    Case("piped-to-tee", f"set -e\n{BIND} | tee log\n", [("ERR003", 2, 1)], "tee log"),
    Case("piped-with-pipefail", f"set -eo pipefail\n{BIND} | tee log\n"),
    Case("pipefail-set-separately", f"set -e\nset -o pipefail\n{BIND} 2>&1 | tee -a log\n"),
    Case("last-in-pipeline-is-fine", f"set -e\necho y | {BIND}\n"),
    Case("pipe-in-condition-still-masked", f"if {BIND} | tee log; then echo ok; fi\n", [("ERR003", 1, 4)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_err_rules(case: Case) -> None:
    assert triples(case.script, ("ERR",)) == sorted(case.expected)
    if case.message and case.expected:
        first = next(f for f in lint_snippet(case.script).reported if f.code.startswith("ERR"))
        assert case.message in first.message


SH_CASES = [
    Case("valid", "echo hi\n"),
    Case("unclosed-if", "echo hi\nif true; then\n  echo x\n", [("SH000", 2, 1)], "this `if` is never closed: add `fi`"),
    Case("stray-fi", "echo hi\nfi\necho after\n", [("SH000", 2, 1)], "unexpected `fi`"),
    Case("unclosed-quote", 'echo "hi\n', [("SH000", 1, 6)]),
]


@pytest.mark.parametrize("case", SH_CASES, ids=[c.id for c in SH_CASES])
def test_syntax_errors(case: Case) -> None:
    assert triples(case.script, ("SH",)) == sorted(case.expected)
    if case.message and case.expected:
        first = next(f for f in lint_snippet(case.script).reported if f.code == "SH000")
        assert case.message in first.message


def test_syntax_error_does_not_stop_analysis() -> None:
    script = ("set -e\ngcloud functions deploy f --gen2 --region=r --trigger-topic=t\n"
              "if [ -n \"$X\" ]; then\n  echo unclosed\n")
    assert triples(script) == [("IAM001", 2, 1), ("SH000", 3, 1)]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("script", ['for i do echo "$i"; done\n', 'n=$(($1 + 0)) 2>/dev/null\n',
                                    'if [ "$a" != ~ ]; then :; fi\n'])
def test_valid_bash_that_tree_sitter_rejects_is_not_sh000(script: str) -> None:
    assert triples(script, ("SH",)) == []


def test_without_bash_tree_sitter_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHLINT_IAM_NO_BASH", "1")
    assert triples('for i do echo "$i"; done\n', ("SH",)) == [("SH000", 1, 1), ("SH000", 1, 21)]


# ------------------------------------------------------------------------------------------------
# Which commands are deployment steps (by verb, in every group), and one ERR001 per script.

SA = "serviceAccount:runner@proj.iam.gserviceaccount.com"
STEP_CASES = [
    Case("secrets-binding-is-a-step",
         f"set -e\nset +e\ngcloud secrets add-iam-policy-binding db-pass --member={SA} "
         "--role=roles/secretmanager.secretAccessor\necho granted\n", [("ERR002", 3, 1)]),
    Case("bucket-binding-is-a-step",
         f"gcloud storage buckets add-iam-policy-binding gs://artifacts --member={SA} --role=roles/storage.objectViewer "
         "| tee log\n", [("ERR003", 1, 1)]),
    Case("service-account-create-is-a-step", "gcloud iam service-accounts create runner || true\n",
         [("ERR002", 1, 1)]),
    Case("services-enable-is-a-step", "gcloud services enable run.googleapis.com\necho done\n", [("ERR001", 1, 1)]),
    Case("unmodelled-group-create-is-a-step", "gcloud compute instances create vm-1 --zone=us-central1-a\necho done\n",
         [("ERR001", 1, 1)]),
    Case("update-traffic-is-a-step", "gcloud run services update-traffic web --to-latest --region=r\necho done\n",
         [("ERR001", 1, 1)]),
    Case("read-only-verbs-are-not-steps",
         "gcloud secrets versions access latest --secret=db-pass\ngcloud compute instances list\n"
         "gcloud functions describe create --region=r\ngcloud run services get-iam-policy web --region=r\n"
         "gcloud projects list --filter=create\n"),
    Case("local-config-is-not-a-step",
         "gcloud config set project proj\ngcloud auth activate-service-account --key-file=k.json\n"
         "gcloud config configurations create ci\n"),
]


@pytest.mark.parametrize("case", STEP_CASES, ids=[c.id for c in STEP_CASES])
def test_deployment_steps_by_verb(case: Case) -> None:
    assert triples(case.script, ("ERR",)) == sorted(case.expected)


UNCHECKED_SCRIPT = """\
#!/bin/bash
# deploy the orchestrators
PROJECT=proj
for fn in phase2 phase3; do
  gcloud functions deploy "$fn-orchestrator" --gen2 --region=us-west2 --trigger-topic="$fn-done" \\
    --project="$PROJECT"
done
gcloud run services add-iam-policy-binding phase2-orchestrator --region=us-west2 --project="$PROJECT" \\
  --member=serviceAccount:756957797294-compute@developer.gserviceaccount.com --role=roles/run.invoker
gcloud services enable eventarc.googleapis.com
echo "done"
"""


def test_script_without_errexit_gets_one_err001_listing_every_step() -> None:
    result = lint_snippet(UNCHECKED_SCRIPT, select=["ERR"])
    findings = [f for f in result.reported if f.code == "ERR001"]
    assert [(f.span.start_line, f.span.start_col) for f in findings] == [(5, 3)]
    finding = findings[0]
    assert "3 deployment steps (lines 5, 8, 10)" in finding.message
    assert finding.fix == "add `set -euo pipefail` on the line after the shebang"
    assert [(span.start_line, span.start_col) for span, _ in finding.related] == [(8, 1), (10, 1)]
    assert "`gcloud services enable`" in finding.related[1][1]


def test_checking_some_steps_keeps_one_err001_per_unchecked_step() -> None:
    script = UNCHECKED_SCRIPT.replace("gcloud services enable eventarc.googleapis.com",
                                      "gcloud services enable eventarc.googleapis.com || exit 1")
    assert triples(script, ("ERR",)) == [("ERR001", 5, 3), ("ERR001", 8, 1)]


def test_one_unchecked_step_keeps_its_own_message() -> None:
    script = "#!/bin/sh\ngcloud services enable run.googleapis.com\necho enabled\n"
    finding = next(f for f in lint_snippet(script).reported if f.code == "ERR001")
    assert finding.message.startswith("`gcloud services enable` runs without `set -e`")
    assert finding.related == ()


def test_grouped_err001_in_sarif_has_valid_related_locations(tmp_path: Path) -> None:
    from test_sarif import check_github_constraints, validate

    script = tmp_path / "deploy.sh"
    script.write_text(UNCHECKED_SCRIPT)
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "--select", "ERR", "-f", "sarif", "deploy.sh"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    validate(log)
    check_github_constraints(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "ERR001"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [0, 1]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [8, 10]
    assert all(r["physicalLocation"]["artifactLocation"]["uri"] == "deploy.sh" for r in related)
    assert "runs unchecked" in related[0]["message"]["text"]


def test_related_locations_in_json_and_text_output(tmp_path: Path) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text(UNCHECKED_SCRIPT)
    base = [sys.executable, "-m", "shlint_iam", "check", "--select", "ERR", "--no-color", "deploy.sh"]
    out = subprocess.run(base + ["-f", "json"], capture_output=True, text=True, cwd=tmp_path, check=False).stdout
    (item,) = json.loads(out)
    assert [(r["start_line"], r["start_column"]) for r in item["related"]] == [(8, 1), (10, 1)]
    text = subprocess.run(base, capture_output=True, text=True, cwd=tmp_path, check=False).stdout
    assert "= also: 10:1 `gcloud services enable` runs unchecked" in text


# ERR002's fix for the "create it unless it exists" idiom: `|| true` also hides a permission, quota
# or endpoint failure; `describe || create` keeps the second run working and a real failure loud.
@pytest.mark.parametrize(("line", "fix"), [
    ("gcloud pubsub subscriptions create orders-push --topic=orders --push-endpoint=https://x.run.app || true",
     "to create it only when it is missing: `gcloud pubsub subscriptions describe orders-push >/dev/null 2>&1 || "
     "gcloud pubsub subscriptions create orders-push ...` (with the flags that locate it, such as --project and --location)"),
    ("gcloud iam service-accounts create deployer --project=acme-prod || echo exists",
     "to create it only when it is missing: `gcloud iam service-accounts describe "
     "deployer@acme-prod.iam.gserviceaccount.com >/dev/null 2>&1 || gcloud iam service-accounts create deployer ...` "
     "(with the flags that locate it, such as --project and --location)"),
    ('gcloud scheduler jobs create http "$JOB" --location=us-central1 --schedule="0 * * * *" --uri=https://x || :',
     "to create it only when it is missing: `gcloud scheduler jobs describe \"$JOB\" >/dev/null 2>&1 || "
     "gcloud scheduler jobs create http \"$JOB\" ...` (with the flags that locate it, such as --project and --location)"),
    ("gcloud iam service-accounts keys create key.json --iam-account=a@p.iam.gserviceaccount.com || true",
     "remove the fallback or end it with `exit 1`"),
    (f"{BIND} || true", "remove the fallback or end it with `exit 1`"),
])
def test_err002_suggests_describe_before_create(line: str, fix: str) -> None:
    findings = [f for f in lint_snippet(f"set -e\nJOB=hourly\n{line}\n").findings if f.code == "ERR002"]
    assert [(f.span.start_line, f.fix) for f in findings] == [(3, fix)]


# How a status is lost is a field of the run (CommandRun.status_via), not the interpreter's wording:
# ERR002's describe-or-create fix is offered for a `||` fallback only.
CREATE = "gcloud pubsub topics create t"


@pytest.mark.parametrize(("script", "status", "via"), [
    (f"{CREATE} || true", "discarded", VIA_OR),
    (f"{CREATE} || echo exists", "discarded", VIA_OR),
    (f"{CREATE} || exit 1", "checked", ""),
    (f"f() {{\n  local out=$({CREATE})\n}}\nf", "discarded", VIA_DECLARATION),
    (f'echo "$({CREATE})"', "discarded", VIA_ARGUMENTS),
    (f"while read -r l; do echo \"$l\"; done < <({CREATE})", "discarded", VIA_PROCESS_SUBSTITUTION),
    (f"{CREATE} &", "discarded", VIA_BACKGROUND),
    (f"{CREATE} | tee log", "masked", VIA_PIPE),
    (f"set -o pipefail\n{CREATE} | tee log", "propagates", ""),
    (CREATE, "propagates", ""),  # under `set -e`: left as it is, even as the script's last command
], ids=["or-true", "or-echo", "or-exit", "local", "argument", "process-substitution", "background", "pipe",
        "pipefail", "plain"])
def test_status_via_says_how_the_status_is_lost(script: str, status: str, via: str) -> None:
    runs = [r for r in analyse(SourceFile("deploy.sh", f"set -e\n{script}\n"), Config()).commands
            if r.gcloud is not None]
    assert [(r.status, r.status_via) for r in runs] == [(status, via)]
    fixes = [f.fix for f in lint_snippet(f"set -e\n{script}\n").findings if f.code == "ERR002"]
    assert all(("describe t" in (fix or "")) == (via == VIA_OR) for fix in fixes)
    assert bool(fixes) == (status == "discarded")
