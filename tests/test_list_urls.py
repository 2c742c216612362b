"""`gcloud run services list --filter=NAME --format='value(URL)'` prints the URL of the service
NAME (the list's URL column is the service's status.url; without --region it lists every region).
Scripts read a service's URL back that way to give it to a Scheduler job or a push subscription
(the Pic-a-daily workshop's setup scripts). Before, the URL was unknown: the caller called no
service the analysis could name, so a missing roles/run.invoker on it was a silent pass."""

from __future__ import annotations

import pytest
from ruletest import lint_snippet

HEAD = "set -euo pipefail\nGOOGLE_CLOUD_PROJECT=acme-prod\ngcloud config set run/region europe-west1\n"
DEPLOY = ("gcloud run deploy collage-service --image gcr.io/acme-prod/collage --platform managed "
          "--no-allow-unauthenticated\n")
SA = "collage-scheduler-sa@acme-prod.iam.gserviceaccount.com"
BIND = (f"gcloud run services add-iam-policy-binding collage-service --member=serviceAccount:{SA} "
        "--role=roles/run.invoker\n")
URL = "SERVICE_URL=\"$(gcloud run services list --platform managed --filter={f} --format='value(URL)')\"\n"
JOB = (f"gcloud scheduler jobs create http collage-job --schedule '* * * * *' --http-method=GET "
       f"--uri=${{SERVICE_URL}} --oidc-service-account-email={SA} --oidc-token-audience=${{SERVICE_URL}}\n")
UNBOUND = ("Cloud Run service collage-service, called by the Cloud Scheduler job collage-job, is invoked as "
           f"serviceAccount:{SA}, which gets no roles/run.invoker on service collage-service after this deploy")


def found(script: str) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported
            if f.code.startswith("IAM")]


@pytest.mark.parametrize("flt", ["collage-service", "'(collage-service)'", "metadata.name=collage-service",
                                 '"SERVICE:collage-service"', "${SERVICE}", '"metadata.name=${SERVICE}"'])
def test_the_url_of_a_listed_service_is_that_service(flt: str) -> None:
    script = HEAD + "SERVICE=collage-service\n" + DEPLOY + URL.format(f=flt) + JOB
    assert found(script) == [("IAM001", 5, 1, UNBOUND)]
    assert found(HEAD + "SERVICE=collage-service\n" + DEPLOY + BIND + URL.format(f=flt) + JOB) == []


def test_a_listed_url_with_a_region_is_that_regions_service() -> None:
    # with --region, the URL is that region's service: not the one deployed in europe-west1
    script = HEAD + DEPLOY + BIND + URL.format(f="collage-service --region=us-east1") + JOB
    assert found(script) == [("IAM003", 5, 1, "binding does not reach collage-service (called by the Cloud "
                                             "Scheduler job collage-job at line 7): it targets region europe-west1 "
                                             "instead of us-east1")]


@pytest.mark.parametrize("flt", ["metadata.labels.app=collage", "collage-service --platform gke"])
def test_a_list_that_names_no_one_service_is_still_unknown(flt: str) -> None:
    assert found(HEAD + DEPLOY + URL.format(f=flt) + JOB) == []
