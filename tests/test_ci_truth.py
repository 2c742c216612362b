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
        "ledger-sync anywhere in the workflow",
    )]


def test_with_the_grant_the_handed_on_url_is_satisfied() -> None:
    assert found(lint(HANDOFF.rstrip("\n ") + GRANT)) == []


def _in_another_job(workflow: str) -> str:
    """``workflow`` with its "Push subscription" step moved to a job of its own."""
    moved = workflow.replace("      - name: Push subscription", "  other:\n        runs-on: ubuntu-latest\n"
                             "        steps:\n          - name: Push subscription")
    assert "other:" in moved
    return moved


def test_a_step_output_is_not_seen_by_another_job() -> None:
    assert found(lint(_in_another_job(HANDOFF))) == []


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


# One step writes the service's name, another its URL, to $GITHUB_ENV; the later steps of the
# job read them as `$SERVICE` and `${{ env.SERVICE_URL }}`. Both were unknown (or, where the job's
# `env:` named another service, that stale name), so the push subscription called no known
# service and its identity's missing roles/run.invoker went unreported.
ENV_HANDOFF = """
    name: wire pubsub
    on: workflow_dispatch
    env:
      REGION: europe-west1
      PUSHER: ledger-push@acme-ops.iam.gserviceaccount.com
    jobs:
      wire:
        runs-on: ubuntu-latest
        steps:
          - name: Pick the service
            run: echo "SERVICE=ledger-sync" >> "$GITHUB_ENV"
          - name: Look up the service URL
            run: |
              URL=$(gcloud run services describe "$SERVICE" --region "$REGION" --format='value(status.url)')
              echo "SERVICE_URL=$URL" >> $GITHUB_ENV
          - name: Push subscription
            run: |
              gcloud pubsub subscriptions create ledger-events-push \\
                --topic=ledger-events \\
                --push-endpoint=${{ env.SERVICE_URL }}/pubsub \\
                --push-auth-service-account=${{ env.PUSHER }}
    """
ENV_GRANT = """
          - name: Grant the pusher
            run: |
              gcloud run services add-iam-policy-binding ledger-sync --region ${{ env.REGION }} \\
                --member=serviceAccount:${{ env.PUSHER }} --role=roles/run.invoker
    """


def _ledger_push(service: str, line: int = 18) -> tuple[str, int, int, str]:
    return ("IAM001", line, 11,
            f"Cloud Run service {service}, called by the Pub/Sub push subscription ledger-events-push, is invoked as "
            f"serviceAccount:ledger-push@acme-ops.iam.gserviceaccount.com, which gets no roles/run.invoker on service "
            f"{service} anywhere in the workflow")


def test_github_env_carries_the_service_and_its_url_to_later_steps() -> None:
    assert found(lint(ENV_HANDOFF)) == [_ledger_push("ledger-sync")]


def test_with_the_grant_the_url_from_github_env_is_satisfied() -> None:
    assert found(lint(ENV_HANDOFF.rstrip("\n ") + ENV_GRANT)) == []


def test_github_env_overrides_the_job_env_and_a_step_env_overrides_github_env() -> None:
    # as the runner does: workflow and job `env:` first, then $GITHUB_ENV, then the step's `env:`
    job_env = ENV_HANDOFF.replace("        runs-on: ubuntu-latest\n",
                                  "        runs-on: ubuntu-latest\n        env:\n          SERVICE: ledger-staging\n")
    assert "SERVICE: ledger-staging" in job_env
    assert found(lint(job_env)) == [_ledger_push("ledger-sync", 20)]
    step_env = ENV_HANDOFF.replace("          - name: Look up the service URL\n",
                                   "          - name: Look up the service URL\n            env:\n"
                                   "              SERVICE: billing-sync\n")
    assert "SERVICE: billing-sync" in step_env
    assert found(lint(step_env)) == [_ledger_push("billing-sync", 20)]


def test_github_env_is_not_seen_by_another_job() -> None:
    assert found(lint(_in_another_job(ENV_HANDOFF))) == []


def test_a_conditional_or_path_dependent_github_env_write_stays_unknown() -> None:
    conditional = ENV_HANDOFF.replace("          - name: Look up the service URL\n",
                                      "          - name: Look up the service URL\n"
                                      "            if: github.ref == 'refs/heads/main'\n")
    assert "if: github.ref" in conditional
    assert found(lint(conditional)) == []
    in_script = ENV_HANDOFF.replace('              echo "SERVICE_URL=$URL" >> $GITHUB_ENV\n',
                                    '              if [ -n "$URL" ]; then\n'
                                    '                echo "SERVICE_URL=$URL" >> $GITHUB_ENV\n'
                                    '              fi\n')
    assert "  fi\n" in in_script
    assert found(lint(in_script)) == []


# The deploy action names the function `${{ env.FUNCTION }}`, which an earlier step wrote to
# $GITHUB_ENV over the job's `env:`. The action was read as deploying the job's ledger-staging:
# the grant on ledger-sync was a false IAM001, and a grant on ledger-staging a silent pass.
FUNCTION_DEPLOY = """
    name: deploy
    on: push
    jobs:
      deploy:
        runs-on: ubuntu-latest
        env:
          REGION: europe-west1
          FUNCTION: ledger-staging
        steps:
          - name: Production on main
            run: echo "FUNCTION=ledger-sync" >> $GITHUB_ENV
          - uses: google-github-actions/deploy-cloud-functions@v3
            with:
              name: ${{ env.FUNCTION }}
              region: ${{ env.REGION }}
              runtime: python312
              event_trigger_type: google.cloud.pubsub.topic.v1.messagePublished
              event_trigger_pubsub_topic: projects/acme-ops/topics/ledger-events
              event_trigger_service_account: ledger-trigger@acme-ops.iam.gserviceaccount.com
          - name: Let the trigger invoke it
            run: |
              gcloud functions add-invoker-policy-binding ledger-sync --region "$REGION" \\
                --member=serviceAccount:ledger-trigger@acme-ops.iam.gserviceaccount.com
    """


def test_a_deploy_action_reads_its_name_from_github_env() -> None:
    assert found(lint(FUNCTION_DEPLOY)) == []
    stale = FUNCTION_DEPLOY.replace("add-invoker-policy-binding ledger-sync", "add-invoker-policy-binding ledger-staging")
    assert found(lint(stale)) == [(
        "IAM001", 12, 15,
        "gen2 function ledger-sync (Pub/Sub topic projects/acme-ops/topics/ledger-events) is invoked as "
        "serviceAccount:ledger-trigger@acme-ops.iam.gserviceaccount.com (--trigger-service-account), which gets no "
        "roles/run.invoker on service ledger-sync after this deploy",
    )]


# A step output is the value its variable had when it was written: a step that reuses one variable
# for two outputs, or writes an output only on some paths, hands on no single value of it.
REUSED = HANDOFF.replace(
    """              echo "url=$URL" >> "$GITHUB_OUTPUT"\n""",
    """              echo "url=$URL" >> "$GITHUB_OUTPUT"\n"""
    """              URL=$(gcloud run services describe audit-sink --region ${{ env.REGION }} --format='value(status.url)')\n"""
    """              echo "audit=$URL" >> "$GITHUB_OUTPUT"\n""",
)


def test_a_variable_reused_for_a_second_output_does_not_rename_the_first() -> None:
    assert "audit-sink" in REUSED
    # ledger-sync's pusher is granted: the url output is not audit-sink's URL (a false IAM001 before)
    assert found(lint(REUSED.rstrip("\n ") + GRANT)) == []


def test_an_output_written_only_on_some_paths_stays_unknown() -> None:
    guarded = HANDOFF.replace(
        """              echo "url=$URL" >> "$GITHUB_OUTPUT"\n""",
        """              if [ -n "$URL" ]; then\n"""
        """                echo "url=$URL" >> "$GITHUB_OUTPUT"\n"""
        """              fi\n""",
    )
    assert "if [ -n" in guarded
    assert found(lint(guarded)) == []


def test_a_single_quoted_output_is_its_text_not_the_variable() -> None:
    quoted = HANDOFF.replace('echo "url=$URL"', "echo 'url=$URL'")
    assert "'url=$URL'" in quoted
    assert found(lint(quoted)) == []


def test_a_github_env_variable_set_again_after_its_write_stays_unknown() -> None:
    script = HANDOFF.replace(
        """              echo "url=$URL" >> "$GITHUB_OUTPUT"\n""",
        """              echo "PUSH_URL=$URL" >> "$GITHUB_ENV"\n"""
        """              URL=$(gcloud run services describe audit-sink --region ${{ env.REGION }} --format='value(status.url)')\n""",
    ).replace("${{ steps.svc.outputs.url }}", "$PUSH_URL")
    assert "audit-sink" in script
    assert found(lint(script.rstrip("\n ") + GRANT)) == []
    # the same write with no later assignment hands on ledger-sync's URL
    plain = script.replace(
        """              URL=$(gcloud run services describe audit-sink --region ${{ env.REGION }} --format='value(status.url)')\n""",
        "")
    assert [f.code for f in lint(plain)] == ["IAM001"]
    assert found(lint(plain.rstrip("\n ") + GRANT)) == []


def test_iam001_names_the_kind_of_file_it_looked_through() -> None:
    build = """
        steps:
          - name: gcr.io/google.com/cloudsdktool/cloud-sdk
            entrypoint: bash
            args:
              - -c
              - |
                gcloud pubsub subscriptions create orders-push --topic=orders \\
                  --push-endpoint=https://orders-123456789012.us-central1.run.app/events \\
                  --push-auth-service-account=pusher@acme.iam.gserviceaccount.com
        """
    messages = [f.message for f in lint(build, "cloudbuild.yaml") if f.code == "IAM001"]
    assert len(messages) == 1 and messages[0].endswith("on service orders anywhere in the build config")
