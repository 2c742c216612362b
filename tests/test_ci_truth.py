"""Idioms of real CI files that deploy (workflows, Cloud Build configs, Makefiles), each shaped
like the public file that showed the mistake (/work/realcorpus/ci/TRIAGE.md), written for these
tests."""

from __future__ import annotations

import textwrap

from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.model import Finding

WORKFLOW = ".github/workflows/release.yml"


def lint(text: str, path: str = WORKFLOW) -> list[Finding]:
    return Linter(Config()).lint_text(textwrap.dedent(text).lstrip("\n"), path).reported


def found(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in findings]


# A clean-up job deletes the deployed services the repository no longer lists: the array of
# names to delete is filled under an `if` in one loop and walked by another. After the `if`, the
# array differs between its paths; the loop over it was run once with the whole empty array as
# its variable, so the delete "had no SERVICE" (GCL001), a path bash never takes.
PRUNE = """
    name: prune
    on: workflow_dispatch
    jobs:
      prune:
        runs-on: ubuntu-latest
        steps:
          - name: Delete services no longer listed
            run: |
              wanted="api worker"
              deployed=$(gcloud run services list --region ${{ vars.REGION }} --format="value(name)")
              stale=()
              for name in $deployed; do
                if [[ " $wanted " != *" $name "* ]]; then
                  stale+=($name)
                fi
              done
              for name in "${stale[@]}"; do
                gcloud run services delete $name --region ${{ vars.REGION }} --quiet
              done
    """


def test_a_loop_over_an_array_filled_under_an_if_does_not_run_with_the_empty_array() -> None:
    assert found(lint(PRUNE)) == []


def test_the_same_prune_loop_in_a_shell_script() -> None:
    script = textwrap.dedent(PRUNE).split("run: |\n", 1)[1]
    script = textwrap.dedent(script).replace("${{ vars.REGION }}", "europe-west1")
    assert found(Linter(Config()).lint_text("#!/bin/bash\nset -e\n" + script, "prune.sh").reported) == []


def test_a_loop_over_an_array_that_is_the_same_on_every_path_still_runs_per_element() -> None:
    text = PRUNE.replace("stale+=($name)", "true").replace('stale=()', 'stale=("")')
    # ("" is a real empty argument: gcloud does get no SERVICE)
    assert found(lint(text)) == [("GCL001", 18, 33, "`gcloud run services delete` needs SERVICE (positional argument): "
                                  "gcloud rejects the command")]


# One step looks up the service's URL and hands it on as a step output; a later step creates the
# push subscription (or scheduler job) to `${{ steps.<id>.outputs.<name> }}`. The expression was
# an unknown, so the subscription called no known service and its identity's missing
# roles/run.invoker went unreported.
HANDOFF = """
    name: wire pubsub
    on: workflow_dispatch
    env:
      REGION: europe-west1
      SERVICE: ledger-sync
      PUSHER: ledger-push@acme-ops.iam.gserviceaccount.com
    jobs:
      wire:
        runs-on: ubuntu-latest
        steps:
          - name: Look up the service URL
            id: svc
            run: |
              URL=$(gcloud run services describe ${{ env.SERVICE }} --region ${{ env.REGION }} --format='value(status.url)')
              echo "url=$URL" >> "$GITHUB_OUTPUT"
          - name: Push subscription
            run: |
              gcloud pubsub subscriptions create ledger-events-push \\
                --topic=ledger-events \\
                --push-endpoint=${{ steps.svc.outputs.url }}/pubsub \\
                --push-auth-service-account=${{ env.PUSHER }}
    """
GRANT = """
          - name: Grant the pusher
            run: |
              gcloud run services add-iam-policy-binding ${{ env.SERVICE }} --region ${{ env.REGION }} \\
                --member=serviceAccount:${{ env.PUSHER }} --role=roles/run.invoker
    """


def test_a_step_output_carries_the_service_url_to_a_later_step() -> None:
    assert found(lint(HANDOFF)) == [(
        "IAM001", 18, 11,
        "Cloud Run service ledger-sync, called by the Pub/Sub push subscription ledger-events-push, is invoked as "
        "serviceAccount:ledger-push@acme-ops.iam.gserviceaccount.com, which gets no roles/run.invoker on service "
        "ledger-sync anywhere in the script",
    )]


def test_with_the_grant_the_handed_on_url_is_satisfied() -> None:
    assert found(lint(HANDOFF.rstrip("\n ") + GRANT)) == []


def test_a_step_output_is_not_seen_by_another_job() -> None:
    other_job = HANDOFF.replace("      - name: Push subscription", "  other:\n        runs-on: ubuntu-latest\n"
                                "        steps:\n          - name: Push subscription")
    assert "other:" in other_job
    assert found(lint(other_job)) == []


def test_a_conditional_step_s_output_stays_unknown() -> None:
    conditional = HANDOFF.replace("            id: svc\n", "            id: svc\n            if: github.ref == 'refs/heads/main'\n")
    assert "if: github.ref" in conditional
    assert found(lint(conditional)) == []


# The Cloud SDK images have no gcloud entrypoint (their Dockerfile sets none, or one that runs
# "$@"): a step that names one without `entrypoint:` runs its first argument. Taken as
# `gcloud gcloud functions deploy ...`, the deploy was an unknown command and went unchecked.
SDK_STEPS = """
    steps:
      - name: 'gcr.io/cloud-builders/npm'
        args: ['ci']
      - name: 'gcr.io/google.com/cloudsdktool/cloud-sdk'
        args:
          - gcloud
          - functions
          - deploy
          - spend-digest
          - --gen2
          - --region=asia-northeast1
          - --runtime=nodejs20
          - --trigger-topic=billing-alerts
          - --service-account=digest@acme-fin.iam.gserviceaccount.com
      - name: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:stable'
        args: ['bash', '-c', 'gcloud run deploy spend-api --region=asia-northeast1 --image=$_IMAGE']
    substitutions:
      _IMAGE: asia-docker.pkg.dev/acme-fin/web/spend-api
    """


def test_a_cloud_sdk_image_step_runs_its_first_argument() -> None:
    assert found(lint(SDK_STEPS, "cloudbuild.yaml")) == [(
        "IAM001", 6, 9,
        "gen2 function spend-digest (Pub/Sub topic billing-alerts) is invoked as "
        "serviceAccount:digest@acme-fin.iam.gserviceaccount.com (--service-account), which gets no "
        "roles/run.invoker on service spend-digest after this deploy",
    )]


def test_a_cloud_sdk_image_step_running_bash_is_a_shell_step() -> None:
    from shlint_iam.frontends.document import build
    from shlint_iam.source import SourceFile

    document = build(SourceFile("cloudbuild.yaml", textwrap.dedent(SDK_STEPS).lstrip("\n")))
    assert document is not None
    assert [p.source.text.split()[:4] for p in document.programs] == [
        ["gcloud", "'functions'", "'deploy'", "'spend-digest'"],
        ["gcloud", "run", "deploy", "spend-api"],
    ]


def test_the_gcloud_builder_image_still_takes_gcloud_s_arguments() -> None:
    text = SDK_STEPS.replace("'gcr.io/google.com/cloudsdktool/cloud-sdk'", "gcr.io/cloud-builders/gcloud") \
        .replace("          - gcloud\n", "", 1)
    assert [(c, line) for c, line, _, _ in found(lint(text, "cloudbuild.yaml"))] == [("IAM001", 4)]
