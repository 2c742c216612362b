"""How ERR001 names a step of a command group the parser does not know: by the words up to its
verb (`gcloud api-gateway api-configs create`), not by the group alone (`gcloud api-gateway`),
which named three different commands alike in a real lab script (CodingWithHardik/ARC109-cloudhustlers
run.sh: API Gateway API, config and gateway created unchecked)."""

from __future__ import annotations

from ruletest import lint_snippet

SCRIPT = """\
gcloud pubsub topics create ingest || exit 1
gcloud api-gateway api-configs create orders-config --api=orders-api \\
  --openapi-spec=openapi.yaml --backend-auth-service-account=gw@p.iam.gserviceaccount.com
gcloud beta compute instances create worker-1 --zone=us-central1-a
gcloud api-gateway gateways create orders-gw --api=orders-api --api-config=orders-config --location=us-central1
echo "gateway ready"
"""


def test_steps_of_unknown_groups_are_named_up_to_their_verb() -> None:
    result = lint_snippet(SCRIPT, select=["ERR001"])
    unchecked = "runs without `set -e` and nothing checks its exit status; a failure here goes unnoticed"
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported] == [
        ("ERR001", 2, 1, f"`gcloud api-gateway api-configs create` {unchecked}"),
        ("ERR001", 4, 1, f"`gcloud beta compute instances create` {unchecked}"),
        ("ERR001", 5, 1, f"`gcloud api-gateway gateways create` {unchecked}"),
    ]
