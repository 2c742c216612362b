"""Literal service URLs in push endpoints, scheduler URIs and workflows: every documented shape.

The deterministic Cloud Run URL ``https://SERVICE-PROJECT_NUMBER.REGION.run.app`` names the region,
so a push to it needs the binding in that region; the hashed ``*.a.run.app`` form names none.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.gcloud.urls import ServiceUrl, service_of_url
from shlint_iam.lint import Linter


@pytest.mark.parametrize(("url", "named"), [
    ("https://orders-abcdefghij-uc.a.run.app", ServiceUrl("orders", None, None)),
    ("https://orders-api-abcdefghij-ew.a.run.app/events?x=1", ServiceUrl("orders-api", None, None)),
    ("https://orders-123456789012.us-central1.run.app", ServiceUrl("orders", "us-central1", None)),
    ("https://orders-v2-123456789012.europe-west1.run.app/push", ServiceUrl("orders-v2", "europe-west1", None)),
    ("https://svc-2-123456789012.asia-northeast1.run.app:443/", ServiceUrl("svc-2", "asia-northeast1", None)),
    ("https://us-central1-my-proj.cloudfunctions.net/ProcessOrder",
     ServiceUrl("processorder", "us-central1", "my-proj")),
    ("  https://orders-123456789012.us-central1.run.app  ", ServiceUrl("orders", "us-central1", None)),
    # scheme and host are read as DNS reads them, in any case; the path keeps its case
    ("https://Orders-abcdefghij-uc.a.run.app", ServiceUrl("orders", None, None)),
    ("HTTPS://ORDERS-123456789012.US-CENTRAL1.RUN.APP/Push", ServiceUrl("orders", "us-central1", None)),
    ("https://US-CENTRAL1-My-Proj.cloudfunctions.net/ProcessOrder?X=Y",
     ServiceUrl("processorder", "us-central1", "my-proj")),
])
def test_service_urls_name_their_service(url: str, named: ServiceUrl) -> None:
    assert service_of_url(url) == named


@pytest.mark.parametrize("url", [
    "https://orders-123456789012.us-central1.run.app.example.com/",
    "http://orders-123456789012.us-central1.run.app",  # push endpoints are https only
    "https://example.com/orders",
    "https://orders.us-central1.run.app",  # no project number
    "https://storage.googleapis.com/bucket",
    # built from an empty name (`https://$1-abcdefghij-uc.a.run.app` with no $1): no service
    "https://-abcdefghij-uc.a.run.app/push",
    "https://-abc123-uc.a.run.app/",
    "https://-123456789012.us-central1.run.app",
    "https://us-central1-my-proj.cloudfunctions.net/-handler",
    "https://7orders-abcdefghij-uc.a.run.app",  # a service name starts with a letter
    "HTTP://ORDERS-123456789012.US-CENTRAL1.RUN.APP",
    "https://us-central1-my-proj.cloudfunctions.net",  # no function
])
def test_other_urls_name_no_service(url: str) -> None:
    assert service_of_url(url) is None


SA = "pusher@p.iam.gserviceaccount.com"
SCRIPT = """\
#!/usr/bin/env bash
set -euo pipefail
gcloud run deploy orders --image=img --region=us-central1 --project=p --no-allow-unauthenticated
gcloud run deploy orders --image=img --region=europe-west1 --project=p --no-allow-unauthenticated
{bind}
gcloud pubsub subscriptions create orders-push --topic=orders --project=p \\
  --push-endpoint=https://orders-123456789012.{region}.run.app/events \\
  --push-auth-service-account={sa}
"""
BIND = ("gcloud run services add-iam-policy-binding orders --region={region} --project=p "
        "--member=serviceAccount:{sa} --role=roles/run.invoker")


def lint(tmp_path: Path, script: str) -> list[tuple[str, int, int, str]]:
    path = tmp_path / "deploy.sh"
    path.write_text(textwrap.dedent(script))
    result = Linter(Config()).lint_paths([str(path)])
    assert result.problems == []
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_push_to_the_regional_url_is_satisfied_by_the_binding_in_that_region(tmp_path: Path) -> None:
    script = SCRIPT.format(bind=BIND.format(region="us-central1", sa=SA), region="us-central1", sa=SA)
    assert lint(tmp_path, script) == []


def test_push_to_the_regional_url_is_not_satisfied_by_a_binding_in_another_region(tmp_path: Path) -> None:
    script = SCRIPT.format(bind=BIND.format(region="europe-west1", sa=SA), region="us-central1", sa=SA)
    assert lint(tmp_path, script) == [(
        "IAM003", 5, 1,
        "binding does not reach orders deployed at line 3: it targets region europe-west1 instead of us-central1",
    )]


def test_push_to_the_hashed_url_of_a_service_in_two_regions_stays_unresolved(tmp_path: Path) -> None:
    script = SCRIPT.format(bind=BIND.format(region="europe-west1", sa=SA), region="us-central1", sa=SA)
    script = script.replace("orders-123456789012.us-central1.run.app", "orders-abcdefghij-uc.a.run.app")
    # Two services named orders could be meant: the binding in europe-west1 may be the right one.
    assert lint(tmp_path, script) == []


def test_push_to_a_url_whose_host_is_written_in_capitals_needs_the_binding_too(tmp_path: Path) -> None:
    # `https://${SERVICE}-...` with SERVICE=Orders: DNS ignores the case, the push reaches orders.
    script = SCRIPT.format(bind="", region="us-central1", sa=SA).replace(
        "https://orders-123456789012.us-central1.run.app", "https://Orders-123456789012.us-central1.run.app")
    assert [(code, line) for code, line, _, _ in lint(tmp_path, script)] == [("IAM001", 3)]


# The URL read from the service's JSON description with jq, as CI scripts often do.
DESCRIBED = """\
#!/bin/bash
set -euo pipefail
gcloud run deploy reports --image=gcr.io/acme/reports --region=us-central1 --no-allow-unauthenticated
URL=$(gcloud run services describe reports --region=us-central1 --format=json | jq -r {filter})
gcloud scheduler jobs create http nightly --location=us-central1 --schedule="0 2 * * *" --uri="$URL/run" \\
  --oidc-service-account-email={sa} --oidc-token-audience="$URL"
"""
SCHEDULED_UNBOUND = (f"Cloud Run service reports, called by the Cloud Scheduler job nightly, is invoked as "
                     f"serviceAccount:{SA}, which gets no roles/run.invoker on service reports after this deploy")


@pytest.mark.parametrize("jq_filter", [".status.url", "'.status.url'", '".status.address.url"'])
def test_a_url_read_from_the_json_description_with_jq_names_the_service(tmp_path: Path, jq_filter: str) -> None:
    assert lint(tmp_path, DESCRIBED.format(filter=jq_filter, sa=SA)) == [("IAM001", 3, 1, SCHEDULED_UNBOUND)]


def test_jq_without_raw_output_prints_a_json_string_not_the_url(tmp_path: Path) -> None:
    assert lint(tmp_path, DESCRIBED.format(filter=".status.url", sa=SA).replace("jq -r", "jq")) == []
