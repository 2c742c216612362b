"""Delete, then create again under the same name: the redeploy idiom of real scripts
(workflows-demos cloud-run-jobs-payload-gcs/message-payload-job/deploy-job.sh:
`gcloud run jobs delete ${JOB_NAME} --quiet` then `gcloud run jobs create ${JOB_NAME} ...`).
The delete is meant to fail when there is nothing to delete; when it fails otherwise, the
resource is still there and the create fails on it, where its own status is checked. So the
delete is not an unchecked step (ERR001), and `set -euo pipefail` is not a safe fix there: it
would stop the script's first run at "not found"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruletest import lint_snippet, triples
from test_errexit import run_under_bash

JOB = """\
#!/bin/bash
export PROJECT_ID=$(gcloud config get project)
JOB_NAME=message-payload-job
gcloud config set run/region us-central1
gcloud services enable run.googleapis.com cloudbuild.googleapis.com
# Delete job if it already exists.
gcloud run jobs delete ${JOB_NAME} --quiet
gcloud run jobs create ${JOB_NAME} --image gcr.io/$PROJECT_ID/$JOB_NAME --tasks 1
"""

TRIGGER = """\
#!/bin/bash
ENV=${1:?"Must set environment as first arg"}
gcloud eventarc triggers delete storage-events-trigger-$ENV --location=us-west1
gcloud eventarc triggers create storage-events-trigger-$ENV --location=us-west1 \\
    --destination-run-service=cog-maker --destination-run-region=us-west1 \\
    --event-filters="type=google.cloud.storage.object.v1.finalized" --event-filters="bucket=tiles" \\
    --service-account="cog-maker@maps-prod.iam.gserviceaccount.com"
gcloud run services add-iam-policy-binding cog-maker --region=us-west1 \\
    --member="serviceAccount:cog-maker@maps-prod.iam.gserviceaccount.com" --role=roles/run.invoker
"""


def test_delete_before_create_is_not_unchecked() -> None:
    assert triples(JOB, ("ERR",)) == [("ERR001", 5, 1)]
    finding = lint_snippet(JOB).reported[0]
    assert finding.message == ("`gcloud services enable` runs without `set -e` and nothing checks its exit status; "
                               "a failure here goes unnoticed")
    assert finding.autofix is not None and not finding.autofix.safe  # `set -e` stops at the delete


def test_delete_before_create_of_a_trigger() -> None:
    assert triples(TRIGGER, ("ERR",)) == [("ERR001", 4, 1)]  # the create is not the last command


def test_create_that_throws_its_failure_away_answers_nothing() -> None:
    script = JOB.replace("--tasks 1\n", "--tasks 1 || true\n")
    assert triples(script, ("ERR",)) == [("ERR001", 5, 1), ("ERR002", 8, 1)]
    assert "none of the script's 2 deployment steps (lines 5, 7)" in lint_snippet(script).reported[0].message


def test_another_name_is_not_a_re_create() -> None:
    script = JOB.replace("jobs create ${JOB_NAME}", "jobs create ${JOB_NAME}-v2")
    assert triples(script, ("ERR",)) == [("ERR001", 5, 1)]
    assert "none of the script's 2 deployment steps (lines 5, 7)" in lint_snippet(script).reported[0].message


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_a_delete_that_fails_on_an_existing_job_fails_the_script(tmp_path: Path) -> None:
    """The stub fails both the delete and the create of the job (it exists and cannot be deleted):
    the script's exit status says so."""
    status, calls = run_under_bash(JOB, "jobs", tmp_path)
    assert [c.split()[:3] for c in calls if " jobs " in f" {c} "] == [["run", "jobs", "delete"], ["run", "jobs", "create"]]
    assert status != 0
