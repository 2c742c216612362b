"""`gcloud projects remove-iam-policy-binding` and `gcloud functions remove-iam-policy-binding`
take a member's role away: from the project (a project-level roles/run.invoker lets the member
invoke every service) or from a function's own policy (what a 1st gen function is invoked
through). Before, neither was modelled: a script that granted its trigger identity at project
level and then removed that grant, or removed a 1st gen function's Scheduler identity, passed
silently. A removal of a role that does not invoke, or of another member, takes nothing away."""

from __future__ import annotations

from ruletest import lint_snippet

SA = "orders-trigger@acme-prod.iam.gserviceaccount.com"
HEAD = "set -euo pipefail\nPROJECT=acme-prod\nREGION=us-east1\n"
DEPLOY = ("gcloud functions deploy order-events --gen2 --runtime=python311 --trigger-topic=orders "
          f"--service-account={SA} --entry-point=main --region=$REGION --project=$PROJECT\n")
GRANT = (f"gcloud projects add-iam-policy-binding $PROJECT --member=serviceAccount:{SA} "
         "--role=roles/run.invoker\n")
REMOVE = "gcloud projects remove-iam-policy-binding $PROJECT --member=serviceAccount:{sa} --role={role}\n"
BROAD = (f"roles/run.invoker on the whole project lets invoker serviceAccount:{SA} invoke every Cloud Run "
         "service in the project, not only order-events")


def found(script: str) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported
            if f.code.startswith("IAM")]


def test_removing_the_project_grant_takes_it_away() -> None:
    script = HEAD + DEPLOY + GRANT + REMOVE.format(sa=SA, role="roles/run.invoker")
    assert found(script) == [
        ("IAM001", 4, 1, f"gen2 function order-events (Pub/Sub topic orders) is invoked as serviceAccount:{SA} "
         "(--service-account), which gets no roles/run.invoker on service order-events after this deploy "
         "(the command at line 6 removes the project-level binding)"),
        ("IAM007", 5, 122, BROAD)]


def test_removing_another_role_or_member_takes_nothing_away() -> None:
    for remove in (REMOVE.format(sa=SA, role="roles/storage.admin"),
                   REMOVE.format(sa="ci-deployer@acme-prod.iam.gserviceaccount.com", role="roles/run.invoker")):
        assert [c for c, *_ in found(HEAD + DEPLOY + GRANT + remove)] == ["IAM007"]


JOB_SA = "scheduler-invoker@acme-prod.iam.gserviceaccount.com"
GEN1 = ("gcloud functions deploy nightly-report --no-gen2 --runtime=python311 --trigger-http --entry-point=main "
        "--region=$REGION --project=$PROJECT --no-allow-unauthenticated\n")
FN_BIND = ("gcloud functions add-iam-policy-binding nightly-report --region=$REGION --project=$PROJECT "
           f"--member=serviceAccount:{JOB_SA} --role=roles/cloudfunctions.invoker\n")
FN_REMOVE = ("gcloud functions remove-iam-policy-binding nightly-report --region=$REGION --project=$PROJECT "
             "--member={member} --role=roles/cloudfunctions.invoker\n")
JOB = ("gcloud scheduler jobs create http nightly-report-job --schedule='0 3 * * *' --location=$REGION "
       "--project=$PROJECT --uri=https://$REGION-$PROJECT.cloudfunctions.net/nightly-report "
       f"--oidc-service-account-email={JOB_SA}\n")


def test_removing_public_access_from_a_gen1_function_keeps_its_callers_binding() -> None:
    assert found(HEAD + GEN1 + FN_BIND + FN_REMOVE.format(member="allUsers") + JOB) == []


def test_removing_the_callers_binding_from_a_gen1_function_is_iam001() -> None:
    assert found(HEAD + GEN1 + FN_BIND + FN_REMOVE.format(member=f"serviceAccount:{JOB_SA}") + JOB) == [
        ("IAM001", 4, 1, "1st gen function nightly-report, called by the Cloud Scheduler job nightly-report-job, is "
         f"invoked as serviceAccount:{JOB_SA}, which gets no roles/cloudfunctions.invoker on function nightly-report "
         "after this deploy (the command at line 6 removes the binding)")]
