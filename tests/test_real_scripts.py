"""Idioms of real public deploy scripts that the analysis once misread (the sweep of
/work/realcorpus, TRIAGE.md there): each test is a script shaped like the real one, with the exact
findings bash and gcloud would justify."""

from __future__ import annotations

import textwrap
from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.files import display_path
from shlint_iam.lint import Linter


def findings(script: str, select: list[str] | None = None) -> list[tuple[str, int, int, str]]:
    config = Config()
    if select is not None:
        config.select = select
    result = Linter(config).lint_text(textwrap.dedent(script).lstrip("\n"), "deploy.sh")
    assert not [p for p in result.problems if "internal error" in p.message], result.problems
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


# Process substitution: `<(...)` and `>(...)` run their commands (in a subshell, asynchronously):
# their gcloud commands count, their status is lost, their variables stay there.

LOGGED = """
    #!/usr/bin/env bash
    set -euo pipefail
    PROJECT=acme-prod
    REGION=europe-west1
    SA=pubsub-invoker@acme-prod.iam.gserviceaccount.com
    exec > >(tee -a "deploy-$(date +%s).log") 2>&1

    gcloud functions deploy ingest --gen2 --region="$REGION" --project="$PROJECT" --runtime=python312 \\
      --source=./ingest --entry-point=main --trigger-topic=raw-events --service-account="$SA"

    # prefix gcloud's output so the CI log shows which step wrote it
    sed 's/^/[iam] /' <(gcloud run services add-iam-policy-binding ingest --region="$REGION" --project="$PROJECT" \\
      --member="serviceAccount:$SA" --role=roles/run.invoker 2>&1)

    diff <(gcloud run services get-iam-policy ingest --region="$REGION" --project="$PROJECT" --format=json) \\
      expected-policy.json
"""


def test_a_binding_in_a_process_substitution_argument_counts_and_its_status_is_lost() -> None:
    assert findings(LOGGED) == [
        ("ERR002", 12, 21, "`gcloud run services add-iam-policy-binding` fails silently: process substitution "
                           "hides the exit status"),
    ]


def test_a_deploy_in_an_output_process_substitution_is_seen() -> None:
    script = """
        #!/usr/bin/env bash
        set -euo pipefail
        echo "deploying" > >(gcloud functions deploy ingest --gen2 --region=europe-west1 --project=acme-prod \\
          --runtime=python312 --source=. --trigger-topic=raw-events)
    """
    assert [f[:3] for f in findings(script)] == [("ERR002", 3, 22), ("IAM001", 3, 22)]


def test_what_a_process_substitution_assigns_stays_in_it() -> None:
    script = """
        #!/usr/bin/env bash
        set -euo pipefail
        SERVICE=api
        cat <(SERVICE=other; echo "$SERVICE") > /dev/null
        tee >(SERVICE=third) < /dev/null
        gcloud run deploy "$SERVICE" --image=gcr.io/acme/api --region=us-east1 --allow-unauthenticated
        gcloud eventarc triggers create api-audit --location=us-east1 --destination-run-service="$SERVICE" \\
          --destination-run-region=us-east1 --service-account=ev@acme.iam.gserviceaccount.com \\
          --event-filters=type=google.cloud.audit.log.v1.written
    """
    assert [f[:3] for f in findings(script)] == [("IAM006", 6, 72)]
    assert "service api, " in findings(script)[0][3]


# A push endpoint built from a function's argument, in a call that forgets it: the URL names no
# service (a service name starts with a letter), not a service "-abc123" that is never deployed.

FORGOTTEN_ARGUMENT = """
    #!/usr/bin/env bash
    set -euo pipefail
    PROJECT=acme-prod
    SA=push-invoker@acme-prod.iam.gserviceaccount.com
    gcloud run deploy orders --image=us-docker.pkg.dev/acme-prod/apps/orders --region=us-central1 \\
      --project="$PROJECT" --no-allow-unauthenticated
    gcloud run services add-iam-policy-binding orders --region=us-central1 --project="$PROJECT" \\
      --member="serviceAccount:$SA" --role=roles/run.invoker

    subscribe() {
      gcloud pubsub subscriptions create "orders-$1" --topic=orders --project="$PROJECT" \\
        --push-endpoint="https://$1-x7k2m9p4qa-uc.a.run.app/pubsub" --push-auth-service-account="$SA"
    }
    subscribe orders
    subscribe
"""


def test_a_push_endpoint_built_from_an_empty_argument_names_no_service() -> None:
    assert findings(FORGOTTEN_ARGUMENT, select=["IAM"]) == []
    unbound = FORGOTTEN_ARGUMENT.replace('gcloud run services add-iam-policy-binding', 'echo gcloud run services')
    assert findings(unbound, select=["IAM"]) == [
        ("IAM001", 5, 1, "Cloud Run service orders, called by the Pub/Sub push subscription orders-orders, is invoked "
                         "as serviceAccount:push-invoker@acme-prod.iam.gserviceaccount.com, which gets no "
                         "roles/run.invoker on service orders after this deploy")]


# Create-or-update: `gcloud scheduler jobs create http J ... || gcloud scheduler jobs update http J ...`.
# The create's failure is answered by another attempt at the change, not thrown away; the update's
# own status is what the script goes on with (under `set -e` a failed update stops it).

CREATE_OR_UPDATE = """
    #!/usr/bin/env bash
    set -euo pipefail
    PROJECT_ID="${PROJECT_ID:-acme-data}"
    REGION="${REGION:-us-central1}"
    SERVICE=report-builder
    SCHED_SA="report-scheduler@${PROJECT_ID}.iam.gserviceaccount.com"
    URL="$(gcloud run services describe "${SERVICE}" --region "${REGION}" --project "${PROJECT_ID}" \\
      --format='value(status.url)')"
    gcloud run services add-iam-policy-binding "${SERVICE}" --region "${REGION}" --project "${PROJECT_ID}" \\
      --member="serviceAccount:${SCHED_SA}" --role="roles/run.invoker" >/dev/null
    gcloud scheduler jobs create http nightly-report --location="${REGION}" --project "${PROJECT_ID}" \\
      --uri="${URL}/build" --oidc-service-account-email="${SCHED_SA}" --schedule="0 3 * * *" >/dev/null || \\
    gcloud scheduler jobs update http nightly-report --location="${REGION}" --project "${PROJECT_ID}" \\
      --uri="${URL}/build" --oidc-service-account-email="${SCHED_SA}" --schedule="0 3 * * *" >/dev/null
"""


def test_a_create_that_falls_back_to_an_update_is_not_a_discarded_failure() -> None:
    assert findings(CREATE_OR_UPDATE) == []


def test_a_fallback_that_is_not_a_step_still_discards_the_failure() -> None:
    logged = CREATE_OR_UPDATE.replace("gcloud scheduler jobs update http nightly-report",
                                      "gcloud scheduler jobs describe nightly-report")
    assert findings(logged) == [
        ("ERR002", 11, 1, "`gcloud scheduler jobs create http` fails silently: `|| gcloud scheduler jobs "
                          "describe nightly-r` throws its failure away")]


def test_without_errexit_the_create_or_update_is_the_scripts_status() -> None:
    # the update is the last command: its status is the script's; the binding before it goes unchecked
    script = CREATE_OR_UPDATE.replace("set -euo pipefail", "set -uo pipefail")
    assert [f[:3] for f in findings(script)] == [("ERR001", 9, 1)]


# A scheduler job whose URL the analysis cannot read (`--uri "$CLOUD_RUN_URL"`, a placeholder) still
# calls with its OIDC identity: a project-wide roles/run.invoker for that identity is broad (IAM007).

SCHEDULE_PIPELINE = """
    #!/usr/bin/env bash
    set -euo pipefail
    PROJECT=acme-ml
    SA="pipeline-scheduler@${PROJECT}.iam.gserviceaccount.com"
    gcloud iam service-accounts create pipeline-scheduler --project="$PROJECT"
    gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$SA" --role="roles/run.invoker"
    gcloud scheduler jobs create http nightly-training --location=europe-west4 --project="$PROJECT" \\
      --schedule="0 2 * * *" --uri="$CLOUD_RUN_URL" --oidc-service-account-email="$SA"
"""


def test_a_project_wide_invoker_grant_to_the_identity_of_a_job_with_an_unknown_url_is_broad() -> None:
    assert findings(SCHEDULE_PIPELINE) == [
        ("IAM007", 6, 81, "roles/run.invoker on the whole project lets serviceAccount:pipeline-scheduler@acme-ml"
                          ".iam.gserviceaccount.com, an invoker in these scripts, invoke every Cloud Run service in "
                          "the project")]
    other = SCHEDULE_PIPELINE.replace('--oidc-service-account-email="$SA"',
                                      "--oidc-service-account-email=other@acme-ml.iam.gserviceaccount.com")
    assert findings(other) == []


# The script's last command gives it its exit status: without `set -e` its failure is still the
# script's failure (CI sees it), so a one-command deploy.sh, or the last step of a `main`, is checked.
# Anything after it (an `echo`, an assignment, `exit 0`) takes that status away again.

ONE_COMMAND = """
    gcloud functions deploy mail-ingest \\
    --gen2 \\
    --region=us-central1 \\
    --runtime=nodejs20 \\
    --trigger-http \\
    --no-allow-unauthenticated \\
    --entry-point=ingest
"""

MAIN = """
    #!/bin/bash
    # deploy the worker, then let the pusher call it
    main() {
      gcloud run deploy worker --image="gcr.io/acme/worker:$1" --region=europe-west1 --no-allow-unauthenticated
      gcloud run services add-iam-policy-binding worker --region=europe-west1 \\
        --member=serviceAccount:pusher@acme.iam.gserviceaccount.com --role=roles/run.invoker
    }

    main "$@"
    # end
"""


def test_the_scripts_last_command_is_checked_by_its_exit_status() -> None:
    assert findings(ONE_COMMAND, select=["ERR"]) == []
    assert findings(MAIN, select=["ERR"]) == [
        ("ERR001", 4, 3, "`gcloud run deploy` runs without `set -e` and nothing checks its exit status; a failure "
                         "here goes unnoticed")]


def test_what_follows_the_last_step_takes_its_status_away() -> None:
    for after in ('echo "deployed"', "STATUS=deployed", "exit 0"):
        assert [f[:3] for f in findings(ONE_COMMAND + "    " + after + "\n", select=["ERR"])] == [("ERR001", 1, 1)], after
    two = MAIN.replace('main "$@"', 'main "$@"\n    echo "done"')
    assert [f[:4] for f in findings(two, select=["ERR"])] == [
        ("ERR001", 4, 3, "none of the script's 2 deployment steps (lines 4, 5) runs with `set -e` or has its exit "
                         "status checked; a failure in any of them goes unnoticed and the script still exits 0")]


def test_a_loops_last_round_does_not_check_the_earlier_rounds() -> None:
    script = """
        for fn in ingest notify; do
          gcloud functions deploy "$fn" --gen2 --region=us-central1 --runtime=python312 --trigger-http
        done
    """
    assert [f[:3] for f in findings(script, select=["ERR"])] == [("ERR001", 2, 3)]


def test_several_steps_and_the_last_one_name_the_last_in_the_summary() -> None:
    script = MAIN.replace("      gcloud run deploy", "      gcloud services enable run.googleapis.com\n      gcloud run deploy")
    assert findings(script, select=["ERR"]) == [
        ("ERR001", 4, 3, "none of the script's 2 deployment steps (lines 4, 5) runs with `set -e` or has its exit "
                         "status checked; a failure in any of them goes unnoticed (the script's exit status is its "
                         "last step's, line 6)")]


def test_a_last_line_deploy_and_echo_is_checked_by_the_exit_status() -> None:
    # `gcloud ... && echo "Deployed"` as the script's last line: a failed deploy skips the echo and
    # is the script's status; inside a loop only the last round would be, so a loop stays reported
    script = ONE_COMMAND.rstrip("\n") + ' && echo "Deployed"\n'
    assert findings(script, select=["ERR"]) == []
    looped = """
        for region in us-central1 europe-west1; do
          gcloud run deploy api --image=gcr.io/acme/api --region="$region" && echo "deployed to $region"
        done
    """
    assert [f[:3] for f in findings(looped, select=["ERR"])] == [("ERR001", 2, 3)]
    followed = script + '    echo "done"\n'
    assert [f[:3] for f in findings(followed, select=["ERR"])] == [("ERR001", 1, 1)]


# A deploy script that sources a helper library (`source "$HELPERS_PATH"`) whose function creates a
# topic, and builds the function's name from quoted pieces (`"$DEPLOYMENT_NAME""_""$CF_NAME"`).

HELPERS = """\
#!/bin/bash
function create_pubsub_topic() {
  EXISTS=$(gcloud pubsub topics list --filter="name~$1$" --format="value(name)")
  if [[ -z "$EXISTS" ]]; then
    gcloud pubsub topics create "$1"
  else
    echo "Topic '$1' already exists. Ignoring."
  fi
}
"""

LIBRARY_USER = """\
#!/bin/bash
# Performs cloud function deployment
HELPERS_PATH="../../deploy/helpers.sh"
source "$HELPERS_PATH"
eval "$(parse_settings ../../deploy/settings.yaml)"

INBOUND_TOPIC="$DEPLOYMENT_NAME.$SOLUTION_PREFIX.responses"
create_pubsub_topic "$INBOUND_TOPIC"

gcloud functions deploy "$DEPLOYMENT_NAME""_""$SOLUTION_PREFIX""_store_stats" \\
   --gen2 --runtime python312 --entry-point main --trigger-topic "$INBOUND_TOPIC" \\
   --project "$GCP_PROJECT" --region "$GCP_REGION" --service-account "$SERVICE_ACCOUNT"

rm -f ./__config.yaml
"""


def test_a_summary_for_steps_in_a_sourced_library_is_reported_in_the_script(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "helpers.sh").write_text(HELPERS)
    folder = tmp_path / "cfs" / "store_stats"
    folder.mkdir(parents=True)
    (folder / "deploy.sh").write_text(LIBRARY_USER)
    result = Linter(Config()).lint_paths([str(folder / "deploy.sh")])
    found = [(f.code, f.span.path, f.span.start_line, f.span.start_col, f.message) for f in result.reported]
    helpers = display_path(str(tmp_path / "deploy" / "helpers.sh"))
    assert found == [
        ("ERR001", str(folder / "deploy.sh"), 8, 1,
         f"none of the script's 2 deployment steps (lines {helpers}:5, 10) runs with `set -e` or has its exit "
         "status checked; a failure in any of them goes unnoticed and the script still exits 0"),
        ("IAM001", str(folder / "deploy.sh"), 10, 1,
         "gen2 function ${DEPLOYMENT_NAME}_${SOLUTION_PREFIX}_store_stats (Pub/Sub topic "
         "$DEPLOYMENT_NAME.$SOLUTION_PREFIX.responses) is invoked as serviceAccount:$SERVICE_ACCOUNT "
         "(--service-account), which gets no roles/run.invoker on service "
         "${DEPLOYMENT_NAME}_${SOLUTION_PREFIX}_store_stats after this deploy"),
    ]


def test_a_public_event_function_that_pins_no_generation_says_so() -> None:
    # shaped like a 2020 deploy script: legacy trigger flags, no --gen2/--no-gen2, --allow-unauthenticated
    script = """
        #!/usr/bin/env bash
        set -eu
        gcloud functions deploy collect-reactions \\
            --runtime python39 --entry-point main \\
            --trigger-resource reactions --trigger-event google.pubsub.topic.publish \\
            --region asia-northeast1 --allow-unauthenticated
    """
    result = Linter(Config(select=["IAM006"])).lint_text(textwrap.dedent(script).lstrip("\n"), "deploy.sh")
    [finding] = result.reported
    assert (finding.span.start_line, finding.span.start_col) == (6, 30)
    assert finding.notes == ("the deploy pins no generation: gcloud >= 492 creates a new function as gen2, whose "
                             "service the flag makes public; an existing gen1 function stays gen1, where an event "
                             "function has no public endpoint. Pin `--gen2` (and drop the flag) or `--no-gen2`",)
    pinned = script.replace("--region asia-northeast1", "--gen2 --region asia-northeast1")
    assert [f.notes for f in Linter(Config(select=["IAM006"])).lint_text(
        textwrap.dedent(pinned).lstrip("\n"), "deploy.sh").reported] == [()]
