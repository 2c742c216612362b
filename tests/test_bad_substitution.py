"""`${$NAME}` (a typo for `${NAME}`) is a run-time error in bash ("bad substitution") but a parse
error in tree-sitter-bash, which let it swallow the lines after it: in backquotes, up to the end
of the file. The deploy on the last line then looked like an argument of an `echo` (a false
ERR002), and the steps between were unseen. Shaped like a real script
(MrMoshkovitz/GM-GCP-py-Serverless-PDF-Converter file2pdf.sh). It is also reported (SH000): in
backquotes, as here, only the substitution's subshell fails and `echo` prints an empty line."""

from __future__ import annotations

from ruletest import lint_snippet, triples

SCRIPT = """\
PROJECT=$(gcloud config get-value project)
gcloud run deploy pdf-converter --image gcr.io/$PROJECT/pdf-converter --region us-central1 --no-allow-unauthenticated
SERVICE_URL=$(gcloud run services describe pdf-converter --region us-central1 --format="value(status.url)")
echo `Service URL: ${$SERVICE_URL}`
gcloud iam service-accounts create pubsub-invoker --display-name "PubSub Invoker"
echo `Service account created`
gcloud pubsub subscriptions create pdf-sub --topic new-doc --push-endpoint=$SERVICE_URL \\
  --push-auth-service-account=pubsub-invoker@$PROJECT.iam.gserviceaccount.com
echo `Subscription created`
gcloud run services add-iam-policy-binding pdf-converter --region us-central1 \\
  --member=serviceAccount:pubsub-invoker@$PROJECT.iam.gserviceaccount.com --role=roles/run.invoker
"""


def test_bad_substitution_does_not_swallow_the_script() -> None:
    assert triples(SCRIPT) == [("ERR001", 2, 1), ("SH000", 4, 20)]
    message = lint_snippet(SCRIPT).reported[0].message
    assert message == ("none of the script's 3 deployment steps (lines 2, 5, 7) runs with `set -e` or has its exit "
                       "status checked; a failure in any of them goes unnoticed (the script's exit status is its last "
                       "step's, line 10)")


def test_valid_dollar_brace_dollar_is_left_alone() -> None:
    """`${$}` (the shell's PID) is valid: nothing to repair, nothing reported."""
    assert triples('#!/bin/bash\nset -euo pipefail\nLOCK="/tmp/deploy.${$}"\n'
                   'gcloud run deploy api --image=gcr.io/p/api --region=us-central1\n') == []
