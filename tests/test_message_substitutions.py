"""A name computed by a long command that is not gcloud's (a terraform-fed deploy reads its
function name with awk from variables.tf, as mento-protocol/oracle-relayer does) is shown in a
message as `$(awk …)`: the whole awk program filled the sentence. The fix, pasted into the script,
keeps the substitution whole; short substitutions and gcloud's stay as written."""

from __future__ import annotations

from ruletest import lint_snippet

AWK = """$(awk '/variable "function_name"/{f=1} f==1&&/default/{print $3; exit}' ./infra/variables.tf | tr -d '",')"""
SCRIPT = f"""\
#!/bin/bash
set -euo pipefail
function_name={AWK}-staging
gcloud functions deploy "$function_name" --gen2 --region=us-central1 --trigger-topic=relay \\
  --service-account=relayer@relay-staging.iam.gserviceaccount.com
"""


def test_long_substitution_is_shortened_in_the_message_not_in_the_fix() -> None:
    [finding] = lint_snippet(SCRIPT).reported
    assert finding.code == "IAM001"
    assert finding.message == (
        "gen2 function $(awk …)-staging (Pub/Sub topic relay) is invoked as "
        "serviceAccount:relayer@relay-staging.iam.gserviceaccount.com (--service-account), which gets no "
        "roles/run.invoker on service $(awk …)-staging after this deploy")
    assert finding.fix is not None and AWK in finding.fix, finding.fix


def test_short_and_gcloud_substitutions_stay_whole() -> None:
    script = SCRIPT.replace(AWK, "$(date +%Y%m%d)")
    assert "gen2 function $(date +%Y%m%d)-staging (Pub/Sub topic relay)" in lint_snippet(script).reported[0].message
    script = SCRIPT.replace(AWK, "$(gcloud config get-value project --quiet --verbosity=error)")
    message = lint_snippet(script).reported[0].message
    assert "gen2 function $(gcloud config get-value project --quiet --verbosity=error)-staging" in message, message
