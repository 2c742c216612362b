"""A file the script writes from values it does not know statically (`cat > policy.json <<EOF` with
`"serviceAccount:${PROJECT_NUMBER}-compute@..."`, `cat > wf.yaml <<EOF` with `url: ${SERVICE_URL}/quote`):
the text is parsed with each unknown part as a placeholder, and the members and URLs are the same
values a command line's `--member="serviceAccount:${SA}"` or `--push-endpoint="${URL}"` is. Before, such
a text was not parsed at all: the policy granted nothing known, the workflow's calls were unseen."""

from __future__ import annotations

from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.gcloud.documents import NOT_KNOWN, load_placed
from shlint_iam.gcloud.policies import PolicyBinding, parse_policy
from shlint_iam.lint import Linter
from shlint_iam.shell.values import ENV, Value, concat, show, unknown


def lint(folder: Path, script: str, select: list[str] | None = None) -> list[tuple[str, int, int, str]]:
    (folder / ".git").mkdir(exist_ok=True)
    (folder / "deploy.sh").write_text(script)
    result = Linter(Config(select=select) if select else Config()).lint_paths([str(folder / "deploy.sh")])
    return sorted((f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported)


# -- a policy file: the Pub/Sub push identity is the project's default compute account ----------
POLICY_HEAD = """#!/bin/bash
set -euo pipefail
PROJECT_ID="$1"
REGION=us-central1
PROJECT_NUMBER=$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')
gcloud run deploy orders --image="gcr.io/$PROJECT_ID/orders" --region="$REGION" --project="$PROJECT_ID" \\
  --no-allow-unauthenticated
cat > policy.json <<EOF
{
  "bindings": [
    {
      "role": "roles/run.invoker",
      "members": ["serviceAccount:${PROJECT_NUMBER}-compute@developer.gserviceaccount.com"]
    }
  ]
}
EOF
gcloud run services set-iam-policy orders policy.json --region="$REGION" --project="$PROJECT_ID" --quiet
"""
PUSH = """URL=$(gcloud run services describe orders --region="$REGION" --project="$PROJECT_ID" --format='value(status.url)')
gcloud pubsub subscriptions create orders-push --topic=orders --project="$PROJECT_ID" \\
  --push-endpoint="$URL/push" --push-auth-service-account="${PROJECT_NUMBER}-compute@developer.gserviceaccount.com"
"""


def test_a_written_policy_granting_the_push_identity_by_project_number_is_its_binding(tmp_path: Path) -> None:
    # before: the policy's text has an unknown part, was not parsed, and the replacement granted
    # nothing known: IAM001 at the deploy
    assert lint(tmp_path, POLICY_HEAD + PUSH) == []


def test_a_written_policy_granting_another_account_is_a_near_miss(tmp_path: Path) -> None:
    script = POLICY_HEAD.replace("${PROJECT_NUMBER}-compute@developer", "pusher@${PROJECT_ID}.iam") + PUSH
    assert lint(tmp_path, script) == [(
        "IAM005", 18, 43, "it grants serviceAccount:pusher@${PROJECT_ID}.iam.gserviceaccount.com, but the invoker "
        "is serviceAccount:${PROJECT_NUMBER}-compute@developer.gserviceaccount.com: the invoker of orders stays "
        "without permission")]


def test_a_written_policy_whose_members_are_a_whole_unknown_list_is_not_known(tmp_path: Path) -> None:
    script = POLICY_HEAD.replace('["serviceAccount:${PROJECT_NUMBER}-compute@developer.gserviceaccount.com"]',
                                 "[${MEMBERS}]") + PUSH
    found = lint(tmp_path, script, select=["IAM001", "IAM009"])
    assert [(c, line, col) for c, line, col, _ in found] == [("IAM001", 6, 1), ("IAM009", 18, 1)]
    assert found[1][3] == "cannot verify this binding: the bindings of the policy file not known statically"


def test_a_written_policy_with_an_unknown_role_is_not_known(tmp_path: Path) -> None:
    script = POLICY_HEAD.replace('"roles/run.invoker"', '"${ROLE}"') + PUSH
    found = lint(tmp_path, script, select=["IAM001", "IAM009"])
    assert [(c, line, col) for c, line, col, _ in found] == [("IAM001", 6, 1), ("IAM009", 18, 1)]


def test_placeholders_map_back_to_the_unknowns_they_stand_for() -> None:
    sa = unknown(ENV, "SA", text="$SA")
    text = concat('{"bindings": [{"role": "roles/run.invoker", "members": ["serviceAccount:', sa,
                  '", "user:ops@acme.example"]}]}')
    assert isinstance(text, Value)
    assert parse_policy(text) == [PolicyBinding(concat("serviceAccount:", sa), "roles/run.invoker"),
                                  PolicyBinding("user:ops@acme.example", "roles/run.invoker")]
    document, invalid = load_placed(concat("url: ", sa, "/run\nother: [1, 2]\n"))  # type: ignore[arg-type]
    assert invalid == "" and show(document["url"]) == "$SA/run" and document["other"] == [1, 2]


def test_a_placeholder_where_the_document_needs_structure_leaves_it_unknown() -> None:
    sa = unknown(ENV, "SA", text="$SA")
    for text in (concat(sa, ": x\n"),  # a key
                 concat("members: [", sa, "]\n"),  # a flow list's whole item: maybe several
                 sa,  # the whole document
                 concat("a: &", sa, " x\n"),  # an anchor
                 concat("a: \ue000", sa, "\n")):  # the placeholder's own character in the text
        assert load_placed(text) == (None, NOT_KNOWN), text  # type: ignore[arg-type]


# -- a workflow calling a Cloud Run service by the URL `run services describe` prints ------------
WORKFLOW = """#!/bin/bash
set -euo pipefail
PROJECT_ID=acme-prod
REGION=us-central1
gcloud run deploy quotes --image=gcr.io/acme-prod/quotes --region="$REGION" --no-allow-unauthenticated
SERVICE_URL=$(gcloud run services describe quotes --region="$REGION" --format='value(status.url)')
cat > quote-workflow.yaml <<EOF
main:
  steps:
    - get_quote:
        call: http.get
        args:
          url: ${SERVICE_URL}/quote
          auth:
            type: OIDC
        result: quote
    - done:
        return: \\${quote.body}
EOF
gcloud workflows deploy quote-flow --source=quote-workflow.yaml --location="$REGION" \\
  --service-account="quote-runner@${PROJECT_ID}.iam.gserviceaccount.com"
"""
BIND = ('gcloud run services add-iam-policy-binding quotes --region="$REGION" '
        '--member="serviceAccount:quote-runner@${PROJECT_ID}.iam.gserviceaccount.com" --role=roles/run.invoker\n')


def test_a_written_workflow_calling_the_described_url_with_oidc_is_an_invoker(tmp_path: Path) -> None:
    # before: SH001 "workflow source not followed: quote-workflow.yaml: the script writes it, with text
    # not known here", and no invoker
    assert lint(tmp_path, WORKFLOW) == [(
        "IAM001", 5, 1, "Cloud Run service quotes, called by the workflow quote-flow (step get_quote), is invoked "
        "as serviceAccount:quote-runner@acme-prod.iam.gserviceaccount.com, which gets no roles/run.invoker on "
        "service quotes after this deploy")]
    assert lint(tmp_path, WORKFLOW + BIND) == []


def test_a_written_workflow_calling_the_url_without_auth_sends_no_token(tmp_path: Path) -> None:
    # as for a definition known whole: only an OIDC call is an invoker (before: SH001, as above)
    script = WORKFLOW.replace("          auth:\n            type: OIDC\n", "")
    assert lint(tmp_path, script) == []


def test_a_written_workflow_whose_steps_are_unknown_is_still_a_note(tmp_path: Path) -> None:
    script = WORKFLOW.replace("    - done:\n", "    - ${MORE_STEPS}\n    - done:\n")
    assert lint(tmp_path, script) == [(
        "SH001", 21, 1, "workflow source not followed: quote-workflow.yaml: the script writes it, with text not "
        "known here")]


def test_a_written_workflow_with_unknown_auth_is_still_a_note(tmp_path: Path) -> None:
    script = WORKFLOW.replace("type: OIDC", "type: ${AUTH_TYPE}")
    assert [(c, line) for c, line, _, _ in lint(tmp_path, script)] == [("SH001", 20)]


def test_an_unknown_in_a_steps_data_is_data(tmp_path: Path) -> None:
    script = WORKFLOW.replace("        result: quote\n", "        result: quote\n    - log:\n        assign:\n"
                              "          - region: ${REGION_LABEL}\n")
    assert [(c, line) for c, line, _, _ in lint(tmp_path, script)] == [("IAM001", 5)]


# iam2/01 (vwt-digital/dcat-deploy): the function's own policy, written with the project's id in
# its member, on an HTTP function whose deploy pins no generation.
FUNCTION_POLICY = """#!/bin/bash
PROJECT_ID=${1}
gcloud functions deploy "${PROJECT_ID}-history-func" --entry-point=handler --runtime=python312 --trigger-http \\
  --project=${PROJECT_ID} --region=europe-west1 || exit 1
cat << EOF > history_func_permissions.json
{ "bindings": [ { "members": [ "serviceAccount:${PROJECT_ID}@appspot.gserviceaccount.com" ], "role": "roles/cloudfunctions.invoker" } ] }
EOF
gcloud beta functions set-iam-policy "${PROJECT_ID}-history-func" --region=europe-west1 --project=${PROJECT_ID} \\
  history_func_permissions.json || exit 1
"""


def test_a_written_function_policy_with_the_project_in_its_member_is_read(tmp_path: Path) -> None:
    # before: nothing (IAM009 only, off by default: "the bindings of the policy file not known statically")
    found = lint(tmp_path, FUNCTION_POLICY)
    assert [(c, line, col) for c, line, col, _ in found] == [("IAM004", 9, 3)]
    assert found[0][3] == "roles/cloudfunctions.invoker on a gen2 function's own policy does not grant invoke"


# -- a service manifest: `run services replace` of what the script wrote, its name `${SERVICE}` --
MANIFEST = """#!/bin/bash
set -euo pipefail
PROJECT_ID=acme-prod
REGION=us-west2
SERVICE="orders-${ENVIRONMENT:?}"
cat > service.yaml <<EOF
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: ${SERVICE}
  labels:
    cloud.googleapis.com/location: ${REGION}
spec:
  template:
    spec:
      containers:
      - image: us-docker.pkg.dev/${PROJECT_ID}/apps/orders:${TAG:?}
EOF
gcloud run services replace service.yaml --project="$PROJECT_ID"
"""
MANIFEST_PUSH = """URL=$(gcloud run services describe "$SERVICE" --region="$REGION" --project="$PROJECT_ID" \\
  --format='value(status.url)')
gcloud pubsub subscriptions create "${SERVICE}-push" --topic=orders --project="$PROJECT_ID" \\
  --push-endpoint="$URL/push" --push-auth-service-account=push@acme-prod.iam.gserviceaccount.com
"""
MANIFEST_BIND = ('gcloud run services add-iam-policy-binding "$SERVICE" --region="$REGION" --project="$PROJECT_ID" '
                 '--member=serviceAccount:push@acme-prod.iam.gserviceaccount.com --role=roles/run.invoker\n')


def test_a_written_manifest_named_by_a_variable_deploys_that_service(tmp_path: Path) -> None:
    # before: the replace deployed a service with no name known, and IAM001 was at the subscription
    # ("anywhere in the script")
    assert lint(tmp_path, MANIFEST + MANIFEST_PUSH) == [(
        "IAM001", 19, 1, "Cloud Run service orders-${ENVIRONMENT:?}, called by the Pub/Sub push subscription "
        "orders-${ENVIRONMENT:?}-push, is invoked as serviceAccount:push@acme-prod.iam.gserviceaccount.com, which "
        "gets no roles/run.invoker on service orders-${ENVIRONMENT:?} after this deploy")]
    assert lint(tmp_path, MANIFEST + MANIFEST_BIND + MANIFEST_PUSH) == []


def test_a_binding_before_the_written_manifests_replace_is_iam002(tmp_path: Path) -> None:
    # before: nothing (the binding was not compared with a service of no name)
    head, replace = MANIFEST.split("cat > service.yaml")
    script = head + MANIFEST_BIND + "cat > service.yaml" + replace + MANIFEST_PUSH
    assert [(c, line) for c, line, _, _ in lint(tmp_path, script)] == [("IAM002", 6)]
