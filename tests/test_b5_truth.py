"""Truth fixes from the fifth sweep of real deploy scripts (/work/realcorpus/b5/TRIAGE.md).

Each script here is shaped like a real one (not a copy): the idiom that the sweep found read
wrongly, with the exact finding the reader of the script should get.
"""

from __future__ import annotations

from ruletest import lint_snippet


def found(script: str) -> list[tuple[str, int, int, str]]:
    result = lint_snippet(script)
    assert result.problems == []
    return sorted((f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported)


# The deploy's words are kept in an array that one branch extends, and the array is the command:
# after the `fi` the array differs between the paths, so the command (`"${ARGS[@]}"`) was an
# unknown program and the deploy was never seen (a silent pass on everything about it).
ARRAY_DEPLOY = """\
#!/usr/bin/env bash
set -euo pipefail
PROJECT="${PROJECT:-acme-prod}"
REGION=europe-west1
RUNTIME_SA="${RUNTIME_SA:-}"
ARGS=(
  gcloud functions deploy ingest-worker
  --gen2
  --project "$PROJECT"
  --region "$REGION"
  --runtime python312
  --source .
  --trigger-topic ingest-jobs
)
if [[ -n "$RUNTIME_SA" ]]; then
  ARGS+=(--run-service-account "$RUNTIME_SA")
fi
"${ARGS[@]}"
"""


def test_a_deploy_run_from_an_array_one_branch_extends_is_seen() -> None:
    assert found(ARRAY_DEPLOY) == [(
        "IAM001", 18, 1,
        "gen2 function ingest-worker (Pub/Sub topic ingest-jobs) is invoked as "
        "serviceAccount:PROJECT_NUMBER-compute@developer.gserviceaccount.com (the default compute service "
        "account), which gets no roles/run.invoker on service ingest-worker after this deploy",
    )]


def test_the_array_deploy_is_satisfied_by_its_binding() -> None:
    script = ARRAY_DEPLOY + """\
PROJECT_NUMBER=$(gcloud projects describe "$PROJECT" --format='value(projectNumber)')
gcloud functions add-invoker-policy-binding ingest-worker --project "$PROJECT" --region "$REGION" \\
  --member "serviceAccount:${PROJECT_NUMBER}-compute@developer.gserviceaccount.com"
"""
    assert found(script) == []


# `--allow-unauthenticated=false` is how some scripts try to say "private". gcloud rejects the
# whole command (a boolean flag takes no value: GCL001); it makes nothing public, so IAM006
# ("makes ... callable by anyone") said something false, and the push subscription's missing
# invoker binding went unreported.
VALUED_PUBLIC_FLAG = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud run deploy orders-sync --region europe-west1 --source . --allow-unauthenticated=false
URL=$(gcloud run services describe orders-sync --region europe-west1 --format='value(status.url)')
gcloud pubsub subscriptions create orders-sync-push --topic orders \\
  --push-endpoint="$URL/" --push-auth-service-account=pusher@acme-prod.iam.gserviceaccount.com
"""


def test_a_public_flag_written_with_a_value_makes_nothing_public() -> None:
    assert found(VALUED_PUBLIC_FLAG) == [
        ("GCL001", 3, 64,
         "`gcloud run deploy`: `--allow-unauthenticated` is a boolean flag and takes no value: gcloud rejects "
         "the whole command (ignored explicit argument 'false')"),
        ("IAM001", 3, 1,
         "Cloud Run service orders-sync, called by the Pub/Sub push subscription orders-sync-push, is invoked as "
         "serviceAccount:pusher@acme-prod.iam.gserviceaccount.com, which gets no roles/run.invoker on service "
         "orders-sync after this deploy"),
    ]


# "Cloud Run service S, called by the Pub/Sub push subscription P, sends no identity" said that the
# service sends none; the push subscription is what sends no token. The sentence is about the
# callee, as in "..., is invoked as serviceAccount:...".
PUSH_AND_JOB = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud run deploy ledger-sync --region europe-west1 --source . --no-allow-unauthenticated
URL=$(gcloud run services describe ledger-sync --region europe-west1 --format='value(status.url)')
gcloud pubsub subscriptions create ledger-sync-push --topic ledger --push-endpoint="$URL/events"
gcloud scheduler jobs create http ledger-sync-nightly --location europe-west1 --schedule "0 2 * * *" \\
  --uri="$URL/nightly" --oidc-service-account-email=nightly@acme-prod.iam.gserviceaccount.com
"""


def test_an_unauthenticated_push_is_said_to_invoke_with_no_identity() -> None:
    script = PUSH_AND_JOB.replace(
        '\ngcloud scheduler jobs create http ledger-sync-nightly --location europe-west1 --schedule "0 2 * * *" \\\n'
        '  --uri="$URL/nightly" --oidc-service-account-email=nightly@acme-prod.iam.gserviceaccount.com\n', "\n")
    assert found(script) == [(
        "IAM001", 3, 1,
        "Cloud Run service ledger-sync, called by the Pub/Sub push subscription ledger-sync-push, is invoked with "
        "no identity (no --push-auth-service-account): a private Cloud Run service rejects its requests",
    )]


def test_a_list_of_invokers_names_the_one_that_sends_no_identity() -> None:
    assert found(PUSH_AND_JOB) == [(
        "IAM001", 3, 1,
        "service ledger-sync is called by 2 invokers that get no roles/run.invoker after this deploy: the Pub/Sub "
        "push subscription ledger-sync-push with no identity; the Cloud Scheduler job ledger-sync-nightly as "
        "serviceAccount:nightly@acme-prod.iam.gserviceaccount.com",
    )]


def test_a_list_of_invokers_counts_and_names_each_subscription() -> None:
    script = PUSH_AND_JOB.replace(
        '--push-endpoint="$URL/events"\n',
        '--push-endpoint="$URL/events"\ngcloud pubsub subscriptions create ledger-audit-push --topic audit '
        '--push-endpoint="$URL/audit"\n')
    assert found(script) == [(
        "IAM001", 3, 1,
        "service ledger-sync is called by 3 invokers that get no roles/run.invoker after this deploy: the Pub/Sub "
        "push subscriptions ledger-sync-push and ledger-audit-push with no identity; the Cloud Scheduler job "
        "ledger-sync-nightly as serviceAccount:nightly@acme-prod.iam.gserviceaccount.com",
    )]


# Re-create idiom in a helper: `delete J --quiet 2>/dev/null || true`, then `create http J`. A failed
# delete ("not found" on the first run, or any other failure) leaves the create to fail on the
# job that is still there, under `set -e`: the failure is not thrown away (ERR002 said it was).
RECREATE_JOBS = """\
#!/usr/bin/env bash
set -euo pipefail
BACKEND_URL="${1:?usage: $0 BACKEND_URL PROJECT}"
PROJECT="${2:?usage: $0 BACKEND_URL PROJECT}"
REGION=europe-west1
recreate_job() {
  local name="$1" schedule="$2" path="$3"
  gcloud scheduler jobs delete "$name" --project="$PROJECT" --location="$REGION" --quiet 2>/dev/null || true
  gcloud scheduler jobs create http "$name" --project="$PROJECT" --location="$REGION" \\
    --schedule="$schedule" --uri="$BACKEND_URL$path" --http-method=POST
}
recreate_job digest-morning "0 7 * * *" /jobs/digest
recreate_job digest-evening "0 19 * * *" /jobs/digest
"""


def test_a_delete_before_the_create_of_the_same_job_is_not_a_discarded_failure() -> None:
    assert found(RECREATE_JOBS) == []


def test_a_delete_whose_failure_is_thrown_away_with_no_create_after_it_still_is() -> None:
    script = "".join(line for line in RECREATE_JOBS.splitlines(keepends=True)
                     if "create http" not in line and "--schedule=" not in line)
    assert found(script) == [(
        "ERR002", 8, 3, "`gcloud scheduler jobs delete` fails silently: `|| true` throws its failure away",
    )]


# Describe-then-update-or-create, the update without any token flag: `update http` changes only
# the fields it is given, so the job keeps the OIDC token it was created with (or none). IAM001
# said the update "is invoked with no identity", which is unknown there; the create is judged.
UPDATE_OR_CREATE = """\
#!/bin/bash
set -e
SERVICE_URL=$(gcloud run services describe billing-batch --region=asia-northeast1 --format='value(status.url)')
if gcloud scheduler jobs describe billing-nightly --location=asia-northeast1 >/dev/null 2>&1; then
  gcloud scheduler jobs update http billing-nightly --location=asia-northeast1 \\
    --schedule="0 1 * * *" --uri="$SERVICE_URL/run" --http-method=POST
else
  gcloud scheduler jobs create http billing-nightly --location=asia-northeast1 \\
    --schedule="0 1 * * *" --uri="$SERVICE_URL/run" --http-method=POST{auth}
fi
"""


def test_an_update_without_token_flags_keeps_the_jobs_identity() -> None:
    assert found(UPDATE_OR_CREATE.format(auth="")) == [(
        "IAM001", 8, 3,
        "Cloud Run service billing-batch, called by the Cloud Scheduler job billing-nightly, is invoked with no "
        "identity (no --oidc-service-account-email): a private Cloud Run service rejects its requests",
    )]


def test_an_update_that_clears_the_token_sends_none() -> None:
    script = UPDATE_OR_CREATE.format(auth=" \\\n    --oidc-service-account-email=nightly@acme.iam.gserviceaccount.com").replace(
        '--uri="$SERVICE_URL/run" --http-method=POST\nelse', '--uri="$SERVICE_URL/run" --http-method=POST --clear-auth-token\nelse')
    assert [(code, line) for code, line, _, _ in found(script)] == [("IAM001", 5), ("IAM001", 8)]


# Store-or-rotate a secret: `gcloud secrets create S --data-file=- || gcloud secrets versions add S
# --data-file=-`. Adding a version changes cloud state (`add` is a step verb): the fallback is the
# change tried another way, and its status stops the script. ERR002 said the create's failure was
# thrown away (false: "add" was not a step, so the fallback read as a mere command).
SECRET_STORE = """\
#!/usr/bin/env bash
set -euo pipefail
PROJECT=acme-testing
printf '%s' "$SEARCH_API_KEY" | gcloud secrets create search-api-key --data-file=- --project="$PROJECT" \\
  2>/dev/null || \\
printf '%s' "$SEARCH_API_KEY" | gcloud secrets versions add search-api-key --data-file=- --project="$PROJECT"
gcloud run jobs create scraper --image=us-docker.pkg.dev/acme-testing/jobs/scraper --region=us-central1 \\
  --project="$PROJECT" --set-secrets=API_KEY=search-api-key:latest
"""


def test_a_secret_created_or_given_a_new_version_is_not_a_discarded_failure() -> None:
    assert found(SECRET_STORE) == []


def test_adding_a_secret_version_is_a_deployment_step() -> None:
    script = SECRET_STORE.replace("set -euo pipefail\n", "").replace(
        "printf '%s' \"$SEARCH_API_KEY\" | gcloud secrets create search-api-key --data-file=- "
        "--project=\"$PROJECT\" \\\n  2>/dev/null || \\\n", "")
    assert found(script) == [(
        "ERR001", 3, 33,
        "`gcloud secrets versions add` runs without `set -e` and nothing checks its exit status; a failure here "
        "goes unnoticed",
    )]


# A job calling a Firebase/Cloud Functions URL of a function this script does not deploy: the
# function is `renewGmailWatch` (the URL's path keeps its case), its gen2 Cloud Run service is
# `renewgmailwatch`. The message called the function by the service's lower-case name.
FUNCTION_URL_JOB = """\
#!/bin/bash
set -eu
PROJECT_ID="acme-mail"
REGION="us-central1"
gcloud scheduler jobs create http refresh-watch \\
  --schedule "0 9 */6 * *" \\
  --uri "https://${REGION}-${PROJECT_ID}.cloudfunctions.net/renewGmailWatch?email=ops@example.com" \\
  --oidc-service-account-email "scheduler-caller@${PROJECT_ID}.iam.gserviceaccount.com" \\
  --project "$PROJECT_ID" --location "$REGION"
"""


def test_a_function_url_caller_names_the_function_as_its_url_does() -> None:
    assert found(FUNCTION_URL_JOB) == [(
        "IAM001", 5, 1,
        "function renewGmailWatch, called by the Cloud Scheduler job refresh-watch, is invoked as "
        "serviceAccount:scheduler-caller@acme-mail.iam.gserviceaccount.com, which gets no roles/run.invoker on "
        "service renewgmailwatch anywhere in the script",
    )]


# One helper creates (or updates) a push subscription per topic, all without a token, to the same
# service (b5/12): one requirement per service and identity, whose IAM001 named only the first.
PUSH_HELPER = """\
#!/usr/bin/env bash
set -euo pipefail
PROJECT_ID="${GCP_PROJECT_ID:?}"
REGION=asia-northeast1
create_push_subscription() {
  local topic=$1 subscription=$2 endpoint=$3
  if gcloud pubsub subscriptions describe "$subscription" --project="$PROJECT_ID" >/dev/null 2>&1; then
    gcloud pubsub subscriptions update "$subscription" --project="$PROJECT_ID" --push-endpoint="$endpoint"
  else
    gcloud pubsub subscriptions create "$subscription" --project="$PROJECT_ID" --topic="$topic" \\
      --push-endpoint="$endpoint"
  fi
}
gcloud run deploy retro --image="gcr.io/$PROJECT_ID/retro" --project="$PROJECT_ID" --region="$REGION" \\
  --no-allow-unauthenticated
URL=$(gcloud run services describe retro --project="$PROJECT_ID" --region="$REGION" --format='value(status.url)')
create_push_subscription summary-jobs summary-jobs-push "$URL/pubsub/orchestrate"
create_push_subscription weekly-tasks weekly-tasks-push "$URL/pubsub/week"
create_push_subscription posting-tasks posting-tasks-push "$URL/pubsub/posting"
"""


def test_an_iam001_names_every_subscription_a_helper_creates_once() -> None:
    assert found(PUSH_HELPER) == [(
        "IAM001", 14, 1,
        "Cloud Run service retro, called by the Pub/Sub push subscriptions summary-jobs-push, weekly-tasks-push "
        "and posting-tasks-push, is invoked with no identity (no --push-auth-service-account): a private Cloud Run "
        "service rejects its requests",
    )]


def test_one_subscription_of_a_helper_is_named_alone() -> None:
    script = PUSH_HELPER.rsplit("create_push_subscription weekly-tasks", 1)[0]
    assert [m for _, _, _, m in found(script)] == [
        "Cloud Run service retro, called by the Pub/Sub push subscription summary-jobs-push, is invoked with no "
        "identity (no --push-auth-service-account): a private Cloud Run service rejects its requests"]


# Options parsed in a loop, a subscription with a token only when `--sa` was given (b5/04). The
# variant of `--push-auth-service-account="$SA"` where SA is empty does not run under
# `if [[ -n "$SA" ]]`; it named the subscription a second way ("ingest-sub", from the default
# name) as an invoker with no identity.
OPTION_PUSH = """\
#!/usr/bin/env bash
set -euo pipefail
PROJECT=acme-prod
SERVICE=ingest
SA=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --service) SERVICE="$2"; shift 2;;
    --sa) SA="$2"; shift 2;;
    *) exit 2;;
  esac
done
gcloud run deploy "$SERVICE" --image="gcr.io/$PROJECT/ingest" --project "$PROJECT" --region europe-west1 \\
  --no-allow-unauthenticated
URL=$(gcloud run services describe "$SERVICE" --project "$PROJECT" --region europe-west1 --format='value(status.url)')
SUB="${SERVICE}-sub"
if [[ -n "$SA" ]]; then
  gcloud pubsub subscriptions create "$SUB" --project "$PROJECT" --topic jobs --push-endpoint="$URL/" \\
    --push-auth-service-account="$SA"
else
  gcloud pubsub subscriptions create "$SUB" --project "$PROJECT" --topic jobs --push-endpoint="$URL/"
fi
"""


def test_a_command_under_a_non_empty_test_does_not_run_where_the_variable_is_empty() -> None:
    assert found(OPTION_PUSH) == [(
        "IAM001", 13, 1,
        "service $SERVICE is called by 2 invokers that get no roles/run.invoker after this deploy: the Pub/Sub "
        "push subscription ${SERVICE}-sub as serviceAccount:$SA; the Pub/Sub push subscription ${SERVICE}-sub "
        "with no identity",
    )]


def test_under_an_empty_test_the_variant_where_it_is_set_does_not_run() -> None:
    head, branches = OPTION_PUSH.split('if [[ -n "$SA" ]]; then\n')
    with_token, without = branches.removesuffix("fi\n").split("else\n")
    script = head + 'if [[ -z "$SA" ]]; then\n' + without + "else\n" + with_token + "fi\n"
    assert [m for _, _, _, m in found(script)] == [
        "service $SERVICE is called by 2 invokers that get no roles/run.invoker after this deploy: the Pub/Sub "
        "push subscription ${SERVICE}-sub with no identity; the Pub/Sub push subscription ${SERVICE}-sub as "
        "serviceAccount:$SA"]
