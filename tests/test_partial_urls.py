"""URLs a script builds from variables: `https://$REGION-$PROJECT_ID.cloudfunctions.net/NAME` with
`PROJECT_ID=$(gcloud config get-value project)`, and the deterministic Cloud Run URL
`https://NAME-$PROJECT_NUMBER.$REGION.run.app` with the number from `gcloud projects describe`.

Seen in real scripts (m4r1k/gcp-scheduled-job-demo init.sh: a Scheduler job calls
`https://europe-west1-$PROJECT_ID.cloudfunctions.net/tasks-getData` with `PROJECT_ID` built from
`$(shuf ...)`): only literal URLs named a service, so the invoker of such a URL had no target and
a missing binding went unreported. The service's name must be known text; the region and project
may be unknown.
"""

from __future__ import annotations

from ruletest import lint_snippet

from shlint_iam.gcloud.urls import service_of_value
from shlint_iam.shell.values import concat, project_number, unknown

PROJECT = unknown("env", "PROJECT_ID", text="$PROJECT_ID")
REGION = unknown("env", "REGION", text="$REGION")


def test_function_url_with_an_unknown_project() -> None:
    url = concat("https://europe-west1-", PROJECT, ".cloudfunctions.net/tasks-getData")
    assert service_of_value(url) == ("tasks-getdata", "europe-west1", PROJECT)


def test_function_url_with_unknown_region_and_a_project_partly_known() -> None:
    url = concat("https://", REGION, "-demo-", PROJECT, ".cloudfunctions.net/Sync?x=1")
    assert service_of_value(url) == ("sync", REGION, concat("demo-", PROJECT))


def test_run_app_url_with_the_number_of_a_project() -> None:
    url = concat("https://orders-", project_number(PROJECT), ".", REGION, ".run.app/push")
    assert service_of_value(url) == ("orders", REGION, PROJECT)


def test_run_app_url_with_a_number_from_elsewhere_names_no_project() -> None:
    number = unknown("env", "PROJECT_NUMBER", text="$PROJECT_NUMBER")
    assert service_of_value(concat("https://orders-", number, ".us-central1.run.app")) == (
        "orders", "us-central1", None)


def test_urls_whose_service_name_is_unknown_name_none() -> None:
    service = unknown("env", "SERVICE", text="$SERVICE")
    for url in (
        concat("https://", service, "-123456789012.us-central1.run.app"),
        concat("https://api-", service, "-123456789012.us-central1.run.app"),
        concat("https://us-central1-p.cloudfunctions.net/", service),
        concat("https://", PROJECT, ".cloudfunctions.net/sync"),  # no region
        concat("https://", service, "-abcdefghij-uc.a.run.app"),
        concat("https://example.com/", service),
    ):
        assert service_of_value(url) is None, url


SCHEDULED = """\
#!/bin/bash
set -euo pipefail
PROJECT_ID=$(gcloud config get-value project)
REGION=europe-west1
gcloud iam service-accounts create sa-scheduler
gcloud functions deploy fetch-data --gen2 --region $REGION --trigger-http --runtime nodejs20 \\
  --entry-point getData --source .
{bind}
gcloud scheduler jobs create http fetch-every-minute --location $REGION --schedule "every 1 mins" \\
  --uri "https://$REGION-$PROJECT_ID.cloudfunctions.net/fetch-data" \\
  --oidc-service-account-email sa-scheduler@$PROJECT_ID.iam.gserviceaccount.com
"""


def test_scheduler_calling_the_function_url_built_from_the_configured_project() -> None:
    result = lint_snippet(SCHEDULED.format(bind=""))
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported] == [(
        "IAM001", 6, 1,
        "gen2 function fetch-data, called by the Cloud Scheduler job fetch-every-minute, is invoked as "
        "serviceAccount:sa-scheduler@$PROJECT_ID.iam.gserviceaccount.com, which gets no roles/run.invoker on "
        "service fetch-data after this deploy")]


def test_scheduler_calling_the_function_url_with_the_binding_is_clean() -> None:
    bind = ("gcloud functions add-invoker-policy-binding fetch-data --region $REGION "
            "--member serviceAccount:sa-scheduler@$PROJECT_ID.iam.gserviceaccount.com")
    assert lint_snippet(SCHEDULED.format(bind=bind)).reported == []


PUSH = """\
#!/bin/bash
set -e
PROJECT_ID=$(gcloud config get-value project)
PROJECT_NUMBER=$(gcloud projects describe $PROJECT_ID --format='value(projectNumber)')
REGION=us-central1
APP_NAME=subscriber-app
gcloud run deploy ${APP_NAME} --image us-docker.pkg.dev/$PROJECT_ID/apps/${APP_NAME} --region ${REGION} \\
  --no-allow-unauthenticated
gcloud iam service-accounts create cloud-run-pubsub-invoker
{bind}
gcloud pubsub subscriptions create messages-subscription --topic messages \\
  --push-endpoint="https://${APP_NAME}-${PROJECT_NUMBER}.${REGION}.run.app/pubsub" \\
  --push-auth-service-account="cloud-run-pubsub-invoker@${PROJECT_ID}.iam.gserviceaccount.com"
"""


def test_push_to_the_deterministic_url_built_from_the_project_number() -> None:
    result = lint_snippet(PUSH.replace("{bind}", ""))
    assert [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported] == [(
        "IAM001", 7, 1,
        "Cloud Run service subscriber-app, called by the Pub/Sub push subscription messages-subscription, is "
        "invoked as serviceAccount:cloud-run-pubsub-invoker@${PROJECT_ID}.iam.gserviceaccount.com, which gets no "
        "roles/run.invoker on service subscriber-app after this deploy")]


def test_push_to_the_deterministic_url_with_the_binding_in_its_region_is_clean() -> None:
    bind = ("gcloud run services add-iam-policy-binding ${APP_NAME} --region=${REGION} "
            "--member=\"serviceAccount:cloud-run-pubsub-invoker@${PROJECT_ID}.iam.gserviceaccount.com\" "
            "--role=roles/run.invoker")
    assert lint_snippet(PUSH.replace("{bind}", bind)).reported == []
