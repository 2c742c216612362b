"""An Eventarc trigger with --destination-workflow=W: its --service-account needs
roles/workflows.invoker (granted on the project), judged like any invoker requirement."""

from __future__ import annotations

from ruletest import lint_snippet

HEAD = "set -euo pipefail\n"
TRIGGER = ("gcloud eventarc triggers create nightly-report --location=us-west2 --project=proj "
           "--destination-workflow=report --event-filters=type=google.cloud.pubsub.topic.v1.messagePublished "
           "--transport-topic=reports --service-account=trigger-sa@proj.iam.gserviceaccount.com\n")
GRANT = ("gcloud projects add-iam-policy-binding proj --member=serviceAccount:trigger-sa@proj.iam.gserviceaccount.com "
         "--role=roles/workflows.invoker\n")


def found(script: str) -> list[tuple[str, int, int, str]]:
    return sorted((f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported
                  if f.code.startswith("IAM"))


def test_trigger_identity_without_workflows_invoker() -> None:
    (finding,) = found(HEAD + TRIGGER)
    assert finding[:3] == ("IAM001", 2, 1)
    assert finding[3] == ("workflow report, started by the Eventarc trigger nightly-report, is invoked as "
                          "serviceAccount:trigger-sa@proj.iam.gserviceaccount.com, which gets no roles/workflows.invoker "
                          "on workflow report anywhere in the script")


def test_project_grant_of_workflows_invoker_satisfies_it() -> None:
    assert found(HEAD + TRIGGER + GRANT) == []
    assert found(HEAD + GRANT + TRIGGER) == []


def test_run_invoker_does_not_start_a_workflow() -> None:
    assert [f[:3] for f in found(HEAD + TRIGGER + GRANT.replace("workflows.invoker", "run.invoker"))] == [
        ("IAM001", 2, 1), ("IAM007", 3, 109)]


def test_grant_on_some_paths() -> None:
    script = HEAD + TRIGGER + 'if [ "${GRANT:-}" = 1 ]; then\n  ' + GRANT + "fi\n"
    assert [f[:3] for f in found(script)] == [("IAM008", 4, 3)]
