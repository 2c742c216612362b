"""A 1st gen function (deployed with `--no-gen2`) is invoked through its own Cloud Functions
policy: an HTTP caller (a push subscription, a Scheduler job) needs roles/cloudfunctions.invoker on
the function (docs/gcloud-iam.md §4), which `gcloud functions add-iam-policy-binding --role
roles/cloudfunctions.invoker` and `gcloud functions add-invoker-policy-binding` grant. Before, every
caller was held to roles/run.invoker on a Cloud Run service: the right binding was IAM004 "does not
let anyone invoke a gen2 function" (a false alarm on every legacy gen1 script), and IAM001's fix was
a `gcloud run services` command on a service that does not exist."""

from __future__ import annotations

import pytest
from ruletest import lint_snippet

HEAD = "set -euo pipefail\nPROJECT=acme\nREGION=us-central1\n"
DEPLOY = ("gcloud functions deploy legacy-handler --no-gen2 --region=$REGION --project=$PROJECT --runtime=python39 "
          "--trigger-http --no-allow-unauthenticated --entry-point=handle\n")
PUSH = ("gcloud pubsub subscriptions create legacy-push --topic=events --project=$PROJECT "
        "--push-endpoint=https://$REGION-$PROJECT.cloudfunctions.net/legacy-handler "
        "--push-auth-service-account=push@$PROJECT.iam.gserviceaccount.com\n")
MEMBER = "--member=serviceAccount:push@$PROJECT.iam.gserviceaccount.com"


def found(script: str) -> list[tuple[str, int, int, str]]:
    return sorted((f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported
                  if f.code.startswith("IAM"))


@pytest.mark.parametrize("binding", [
    f"gcloud functions add-iam-policy-binding legacy-handler --region=$REGION --project=$PROJECT {MEMBER} "
    "--role=roles/cloudfunctions.invoker\n",
    f"gcloud functions add-invoker-policy-binding legacy-handler --region=$REGION --project=$PROJECT {MEMBER}\n",
], ids=["cloudfunctions-invoker-role", "add-invoker-policy-binding"])
def test_the_function_invoker_binding_of_a_gen1_function_is_enough(binding: str) -> None:
    assert found(HEAD + DEPLOY + binding + PUSH) == []


def test_a_gen1_function_without_its_binding_needs_the_function_role() -> None:
    [finding] = lint_snippet(HEAD + DEPLOY + PUSH).reported
    assert (finding.code, finding.span.start_line, finding.message) == (
        "IAM001", 4, "1st gen function legacy-handler, called by the Pub/Sub push subscription legacy-push, is "
        "invoked as serviceAccount:push@acme.iam.gserviceaccount.com, which gets no roles/cloudfunctions.invoker "
        "on function legacy-handler after this deploy")
    assert finding.fix is not None and finding.fix.startswith(
        "gcloud functions add-invoker-policy-binding legacy-handler --region=")


@pytest.mark.parametrize(("binding", "message"), [
    (f"gcloud functions add-iam-policy-binding legacy-handler --region=$REGION --project=$PROJECT {MEMBER} "
     "--role=roles/run.invoker\n",
     "roles/run.invoker does not apply to a 1st gen function: it needs roles/cloudfunctions.invoker on the function"),
    (f"gcloud functions add-iam-policy-binding legacy-handler --region=$REGION --project=$PROJECT {MEMBER} "
     "--role=roles/cloudfunctions.viewer\n", "roles/cloudfunctions.viewer does not grant "
     "cloudfunctions.functions.invoke"),
    (f"gcloud run services add-iam-policy-binding legacy-handler --region=$REGION --project=$PROJECT {MEMBER} "
     "--role=roles/run.invoker\n", "a 1st gen function has no Cloud Run service: it needs "
     "roles/cloudfunctions.invoker on the function (`gcloud functions add-invoker-policy-binding`)"),
], ids=["run-invoker-role", "viewer-role", "run-services-binding"])
def test_a_wrong_binding_for_a_gen1_function_is_iam004(binding: str, message: str) -> None:
    # reported at the binding's --role
    assert found(HEAD + DEPLOY + binding + PUSH) == [
        ("IAM004", 5, binding.index("--role") + 1, f"{message}; the invoker of legacy-handler still cannot call it")]


def test_the_same_binding_for_a_gen2_function_is_still_iam004() -> None:
    binding = (f"gcloud functions add-iam-policy-binding legacy-handler --region=$REGION --project=$PROJECT {MEMBER} "
               "--role=roles/cloudfunctions.invoker\n")
    assert [c for c, *_ in found(HEAD + DEPLOY.replace("--no-gen2", "--gen2") + binding + PUSH)] == ["IAM004"]
