"""A service that no linted script deploys is needed by the caller this script creates: IAM003 and
IAM008 name that caller where they used to say "the deploy at line N" (the caller's line)."""

from __future__ import annotations

import textwrap

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "scheduler@acme-prod.iam.gserviceaccount.com"


def lint(text: str) -> list[tuple[str, int, int, str]]:
    result = Linter(Config()).lint_text(textwrap.dedent(text).lstrip("\n"), "wire_jobs.sh")
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_a_binding_on_some_paths_names_the_caller_that_needs_it() -> None:
    assert lint(f"""
        #!/usr/bin/env bash
        # The service is deployed by its own pipeline; this script only wires the nightly job.
        set -euo pipefail
        REGION=us-central1
        SA="{SA}"
        if [[ "${{BIND_INVOKER:-yes}}" == yes ]]; then
          gcloud run services add-iam-policy-binding reports --region="$REGION" --project=acme-prod \\
            --member="serviceAccount:$SA" --role=roles/run.invoker
        fi
        gcloud scheduler jobs create http nightly-reports --location="$REGION" --project=acme-prod \\
          --schedule="0 2 * * *" --uri="https://reports-123456789.us-central1.run.app/run" \\
          --oidc-service-account-email="$SA"
    """) == [("IAM008", 7, 3, "the invoker binding for reports, which the Cloud Scheduler job nightly-reports at "
                              "line 10 needs, runs only on some paths; on the others it stays unbound")]


def test_a_binding_in_the_wrong_region_names_the_caller_that_needs_it() -> None:
    assert lint(f"""
        #!/usr/bin/env bash
        set -euo pipefail
        SA="{SA}"
        gcloud run services add-iam-policy-binding reports --region=us-east1 --project=acme-prod \\
          --member="serviceAccount:$SA" --role=roles/run.invoker
        URL=$(gcloud run services describe reports --region=us-central1 --project=acme-prod --format='value(status.url)')
        gcloud scheduler jobs create http nightly-reports --location=us-central1 --project=acme-prod \\
          --schedule="0 2 * * *" --uri="$URL/run" --oidc-service-account-email="$SA"
    """) == [("IAM003", 4, 1, "binding does not reach reports (called by the Cloud Scheduler job nightly-reports at "
                              "line 7): it targets region us-east1 instead of us-central1")]


def test_with_the_deploy_in_the_script_the_messages_still_name_the_deploy() -> None:
    assert lint(f"""
        #!/usr/bin/env bash
        set -euo pipefail
        SA="{SA}"
        gcloud run deploy reports --image=us-docker.pkg.dev/acme-prod/apps/reports:3 --region=us-central1 \\
          --project=acme-prod --no-allow-unauthenticated
        if [[ "${{BIND:-}}" == 1 ]]; then
          gcloud run services add-iam-policy-binding reports --region=us-central1 --project=acme-prod \\
            --member="serviceAccount:$SA" --role=roles/run.invoker
        fi
        gcloud scheduler jobs create http nightly-reports --location=us-central1 --project=acme-prod \\
          --schedule="0 2 * * *" --uri="https://reports-123456789.us-central1.run.app/run" \\
          --oidc-service-account-email="$SA"
    """) == [("IAM008", 7, 3, "the invoker binding for reports runs only on some paths after the deploy at line 4; "
                              "on the others it stays unbound")]
