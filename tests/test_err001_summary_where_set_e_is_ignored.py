"""ERR001's whole-script finding (a script without `set -e` that checks none of its steps) advises
`set -euo pipefail` for every step it lists. A step where bash ignores errexit (an `if`
condition, left of `&&`, inside a function called in such a place) is not fixed by that line: it
was listed all the same, and the fix said "add `set -euo pipefail`" (offered as automatic) for it
too. The summary now covers the steps that line fixes; each of the others gets the single-step
finding, which says bash ignores `set -e` there and advises `|| exit 1` (commit b9f81a1)."""

from __future__ import annotations

from ruletest import lint_snippet

SCRIPT = """\
#!/bin/bash
# Subscriber pipeline: topic, service, push subscription.
PROJECT=ingest-prod-1177
REGION=europe-west1
SA=push-invoker@ingest-prod-1177.iam.gserviceaccount.com

ensure_topic() {
  gcloud pubsub topics create "$1" --project "$PROJECT"
}

if ! gcloud pubsub topics describe events --project "$PROJECT" >/dev/null 2>&1; then
  ensure_topic events && echo "topic events created"
fi

gcloud run deploy events-ingest --project "$PROJECT" --region "$REGION" \\
  --image "europe-west1-docker.pkg.dev/$PROJECT/services/events-ingest:latest" --no-allow-unauthenticated
gcloud run services add-iam-policy-binding events-ingest --project "$PROJECT" --region "$REGION" \\
  --member "serviceAccount:$SA" --role roles/run.invoker
if gcloud pubsub subscriptions create events-push --project "$PROJECT" --topic events \\
    --push-endpoint "https://events-ingest-x7k2.a.run.app/push" --push-auth-service-account "$SA"; then
  echo "subscription created"
fi
echo "done"
"""


def test_the_summary_covers_only_the_steps_set_e_would_stop_on() -> None:
    found = lint_snippet(SCRIPT, select=["ERR001"]).reported
    assert [(f.span.start_line, f.span.start_col, f.message, f.fix) for f in found] == [
        (8, 3, "`gcloud pubsub topics create` runs without `set -e`, which bash ignores there anyway (left of "
               "`&& echo \"topic events created\"` on line 12), and nothing checks its exit status; a failure here goes "
               "unnoticed", "check it: `|| exit 1` (or `|| return 1` in a function)"),
        (15, 1, "none of the script's 2 deployment steps (lines 15, 17) runs with `set -e` or has its exit status "
                "checked; a failure in any of them goes unnoticed and the script still exits 0",
         "add `set -euo pipefail` on the line after the shebang"),
        (19, 4, "`gcloud pubsub subscriptions create` runs without `set -e`, which bash ignores there anyway (in the "
                "`if` condition on line 19, which has no `else`), and nothing checks its exit status; a failure here "
                "goes unnoticed",
         "check it: `|| exit 1` (or `|| return 1` in a function)"),
    ]
    assert [f.autofix is not None for f in found] == [False, True, False]
