"""A Cloud Scheduler job that runs a workflow: `scheduler jobs create http` whose `--uri` is the
Workflow Executions API (`https://workflowexecutions.googleapis.com/v1/projects/P/locations/L/
workflows/W/executions`), with an OAuth token of `--oauth-service-account-email`, which needs
roles/workflows.invoker (cloud.google.com/workflows/docs/schedule-workflow).

Seen in real scripts (DevinSit/dank-league-of-memeing-battlegrounds workflows/scripts/
createSchedulerJob.sh, Dualic/AWA-GCP-final-project workflown_scheduler.sh): both grant the role on
the project, but a script that forgot it was not reported, because such a job was read as calling a
URL no service answers.
"""

from __future__ import annotations

from ruletest import lint_snippet

from shlint_iam.gcloud.urls import workflow_of_value
from shlint_iam.shell.values import concat, unknown

SCRIPT = """\
#!/bin/sh
gcloud iam service-accounts create nightly-runner --project=reports-prod
{grant}
gcloud scheduler jobs create http nightly-report \\
    --schedule="0 2 * * *" \\
    --location="europe-west1" \\
    --uri="https://workflowexecutions.googleapis.com/v1/projects/reports-prod/locations/europe-west1/workflows/build-report/executions" \\
    --time-zone="Europe/Paris" \\
    {auth}="nightly-runner@reports-prod.iam.gserviceaccount.com" \\
    --project=reports-prod || exit 1
"""
GRANT = """\
gcloud projects add-iam-policy-binding reports-prod \\
  --member serviceAccount:nightly-runner@reports-prod.iam.gserviceaccount.com \\
  --role roles/workflows.invoker || exit 1"""
AUTH = "--oauth-service-account-email"


def findings(script: str) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported
            if f.code.startswith("IAM")]


def test_scheduled_workflow_without_the_invoker_role() -> None:
    result = lint_snippet(SCRIPT.format(grant="", auth=AUTH))
    iam = [f for f in result.reported if f.code.startswith("IAM")]
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in iam] == [(
        "IAM001", 4, 1,
        "workflow build-report, started by the Cloud Scheduler job nightly-report, is invoked as "
        "serviceAccount:nightly-runner@reports-prod.iam.gserviceaccount.com, which gets no roles/workflows.invoker "
        "on workflow build-report anywhere in the script")]
    assert iam[0].fix == (
        "gcloud projects add-iam-policy-binding reports-prod "
        "--member=serviceAccount:nightly-runner@reports-prod.iam.gserviceaccount.com --role=roles/workflows.invoker")


def test_scheduled_workflow_with_the_invoker_role_on_the_project() -> None:
    assert findings(SCRIPT.format(grant=GRANT, auth=AUTH)) == []


def test_scheduled_workflow_without_a_token() -> None:
    script = SCRIPT.format(grant=GRANT, auth=AUTH).replace(
        f'    {AUTH}="nightly-runner@reports-prod.iam.gserviceaccount.com" \\\n', "")
    result = lint_snippet(script)
    assert [(f.code, f.span.start_line, f.span.start_col, f.message, f.fix) for f in result.reported
            if f.code.startswith("IAM")] == [(
        "IAM001", 6, 1,
        "workflow build-report, started by the Cloud Scheduler job nightly-report, is invoked with no identity "
        "(no --oauth-service-account-email): the Workflow Executions API rejects its requests",
        "add --oauth-service-account-email=SA_EMAIL and grant SA roles/workflows.invoker")]


def test_an_oidc_token_to_the_executions_api_is_left_alone() -> None:
    """Google APIs take OAuth tokens; a job sending an OIDC token fails, but not for want of a role."""
    assert findings(SCRIPT.format(grant="", auth="--oidc-service-account-email")) == []


def test_executions_url_with_unknown_project_and_location() -> None:
    project = unknown("env", "PROJECT_ID", text="$PROJECT_ID")
    region = unknown("env", "REGION", text="$REGION")
    url = concat("https://workflowexecutions.googleapis.com/v1/projects/", project, "/locations/", region,
                 "/workflows/build-report/executions")
    assert workflow_of_value(url) == ("build-report", region, project)
    assert workflow_of_value(concat("https://workflowexecutions.googleapis.com/v1/projects/p/locations/l/workflows/",
                                    unknown("env", "W", text="$W"), "/executions")) is None
    assert workflow_of_value("https://workflows.googleapis.com/v1/projects/p/locations/l/workflows/w") is None
