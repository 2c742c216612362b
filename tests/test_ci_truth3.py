"""Idioms of real CI files that deploy, from the third sweep (/work/realcorpus/ci3/TRIAGE.md):
each test file is written for these tests, shaped like the public file that showed the mistake."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

from shlint_iam.config import Config
from shlint_iam.lint import Linter
from shlint_iam.model import Finding


def lint(text: str, path: str) -> list[Finding]:
    return Linter(Config()).lint_text(textwrap.dedent(text).lstrip("\n"), path).reported


def found(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in findings]


# A build step installs Node from its setup script piped into `bash -` before an eval, then a
# gcloud step deploys. `-` ends bash's options (as `--` does) and the script is read from standard
# input; it was taken for a script file named `-` ("-: not found").
NODE_SETUP = """
    steps:
      - name: python:3.12-slim
        id: eval
        entrypoint: bash
        args:
          - -c
          - |
            apt-get update -qq && apt-get install -y -qq curl
            curl -fsSL https://deb.nodesource.com/setup_20.x | bash - >/dev/null 2>&1
            apt-get install -y -qq nodejs
            npx promptfoo eval --output results.json
      - name: gcr.io/google.com/cloudsdktool/cloud-sdk
        entrypoint: gcloud
        args: [run, deploy, ledger-api, --image, europe-docker.pkg.dev/$PROJECT_ID/apps/ledger-api,
               --region, europe-west4, --no-allow-unauthenticated]
    """


def test_bash_dash_reads_its_script_from_standard_input_not_a_file_named_dash() -> None:
    assert found(lint(NODE_SETUP, "cloudbuild.yaml")) == [
        ("SH001", 9, 60, "script on standard input not followed: its standard input is not known statically")]


def test_bash_dash_then_a_file_runs_that_file() -> None:
    script = "#!/bin/bash\nset -e\nbash - ./deploy-worker.sh europe-west4\n"
    assert found(Linter(Config()).lint_text(script, "ci/run.sh").reported) == [
        ("SH001", 3, 1, "`bash - ./deploy-worker.sh europe-west4` not followed: ci/deploy-worker.sh: not found "
                 "(looked in ci, .)")]


# A build step (`bash -c`, no `-e`) ends with an `if`: one branch tags the image and deploys it,
# the other cleans up and fails with `exit -1`. The `if` is the step's last statement, so its
# status is the deploy's and a failed deploy fails the build; only the last command of the *last*
# branch was taken as the step's status, and the deploy got ERR001.
BLUE_GREEN = """
    steps:
      - name: google/cloud-sdk
        entrypoint: /bin/bash
        args:
          - '-c'
          - |-
            if [ "$(cat gate.txt)" = 'PASS' ] ; then
              gcloud container images add-tag eu.gcr.io/$PROJECT_ID/billing:latest eu.gcr.io/$PROJECT_ID/billing:${_TAG} --quiet &&
              gcloud run deploy billing --image eu.gcr.io/$PROJECT_ID/billing:${_TAG} --region europe-west1 --no-traffic --tag blue ;
            else
              gcloud container images delete eu.gcr.io/$PROJECT_ID/billing:latest --quiet &&
              exit -1 ;
            fi
    substitutions:
      _TAG: v1
    """


def test_a_deploy_at_the_end_of_a_branch_of_the_step_s_last_if_is_checked_by_the_build() -> None:
    assert found(lint(BLUE_GREEN, "cloudbuild.yaml")) == []


def test_a_command_after_the_if_makes_the_deploy_unchecked_again() -> None:
    text = BLUE_GREEN.replace("            fi\n", "            fi\n            echo finished\n")
    # `set -e` would stop on the deploy only: the steps left of `&&` are told what helps there
    assert found(lint(text, "cloudbuild.yaml")) == [
        ("ERR001", 8, 11, "`gcloud container images add-tag` runs without `set -e`, which bash ignores there anyway "
                          "(left of `&& gcloud run deploy billing --image eu.gcr` on line 9), and nothing checks its "
                          "exit status; a failure here goes unnoticed"),
        ("ERR001", 9, 11, "`gcloud run deploy` runs without `set -e` and nothing checks its exit status; a failure here "
                          "goes unnoticed"),
        ("ERR001", 11, 11, "`gcloud container images delete` runs without `set -e`, which bash ignores there anyway "
                           "(left of `&& exit -1` on line 12), and nothing checks its exit status; a failure here goes "
                           "unnoticed")]


def test_a_script_whose_last_if_deploys_in_each_branch_exits_with_the_deploy_s_status() -> None:
    script = textwrap.dedent("""\
        #!/bin/bash
        if [ "$1" = prod ]; then
          gcloud run deploy billing --image "$IMAGE" --region europe-west1
        else
          gcloud run deploy billing-staging --image "$IMAGE" --region europe-west1
        fi
        """)
    assert found(Linter(Config()).lint_text(script, "deploy.sh").reported) == []
    # a path that ends with `exit 0` instead hides the failure of what ran before it
    hidden = script.replace('europe-west1\nelse', 'europe-west1\n  exit 0\nelse')
    assert found(Linter(Config()).lint_text(hidden, "deploy.sh").reported) == [
        ("ERR001", 3, 3, "`gcloud run deploy` runs without `set -e` and nothing checks its exit status; "
                         "a failure here goes unnoticed")]


# A workflow step deploys a function with a comment after a line's backslash. bash reads `\ ` as
# an argument (an escaped space), ends the command at the comment and runs the next lines as a
# command of their own (`--runtime ...`: not found); gcloud rejects the extra argument. The
# grammar drops the escaped space, so the deploy looked well-formed and nothing was reported.
COMMENTED = """
    name: deploy
    on:
      push:
        branches: [main]
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - uses: google-github-actions/setup-gcloud@v2
            with:
              project_id: acme-bots
          - name: Deploy the webhook
            run: |
              gcloud functions deploy chat-webhook \\
                --gen2 \\
                --entry-point handle \\  # the exported handler
                --runtime python312 \\
                --trigger-http \\
                --region asia-northeast1
    """

BLANK_MESSAGE = ("`gcloud functions deploy` takes only NAME; an escaped blank (`\\` followed by a space) is one too "
                 "many: gcloud rejects the command (unrecognized arguments). A backslash continues the line only as "
                 "its last character: here the command ends and the next line runs on its own")


def test_a_comment_after_a_backslash_ends_the_command_with_an_escaped_blank() -> None:
    findings = lint(COMMENTED, ".github/workflows/deploy.yml")
    # the region is on a line that runs as a command of its own: the deploy has none
    assert [f[:3] for f in found(findings)] == [("GCL001", 14, 11), ("GCL001", 16, 34)]
    assert findings[0].message.startswith("`gcloud functions deploy` has no region")
    assert findings[1].message == BLANK_MESSAGE
    assert findings[1].span.end_col == 36
    assert findings[1].fix == "delete what follows the backslash (a comment cannot follow a line continuation)"


def test_a_trailing_blank_after_the_backslash_ends_the_command_too() -> None:
    script = ("#!/bin/bash\nset -e\n"
              "gcloud functions deploy chat-webhook --gen2 --region asia-northeast1 \\ \n"
              "  --trigger-http --runtime python312\n")
    assert found(Linter(Config()).lint_text(script, "deploy.sh").reported) == [("GCL001", 3, 70, BLANK_MESSAGE)]
    # an escaped blank inside a word, and a real continuation, are read as before
    fine = script.replace("\\ \n", "\\\n").replace("--gen2", "--gen2 --set-env-vars=GREETING=hello\\ there")
    assert found(Linter(Config()).lint_text(fine, "deploy.sh").reported) == []


# A workflow deploys a Pub/Sub function with google-github-actions/deploy-cloud-functions@v0,
# whose inputs are those of the Cloud Functions v1 API (1st gen only): `event_trigger_type` with
# `event_trigger_resource`, `service_account_email`. Only v1 and v2 were read as 1st gen, and an
# event type became gen2 `--trigger-event-filters`: a false IAM001 for a 1st gen function, which
# Pub/Sub calls with no invoker role.
GEN1_ACTION = """
    name: functions
    on: push
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - uses: google-github-actions/auth@v0
            with:
              credentials_json: ${{ secrets.GCP_KEY }}
          - name: Deploy the ledger consumer
            uses: 'google-github-actions/deploy-cloud-functions@v0'
            with:
              name: ledger-consumer
              runtime: python39
              region: europe-west1
              project_id: acme-ledger
              entry_point: consume
              service_account_email: ledger-runtime@acme-ledger.iam.gserviceaccount.com
              event_trigger_type: google.pubsub.topic.publish
              event_trigger_resource: projects/acme-ledger/topics/ledger-events
    """


def test_the_v0_functions_action_deploys_a_first_gen_function() -> None:
    path = ".github/workflows/functions.yml"
    assert found(lint(GEN1_ACTION, path)) == []
    for version in ("v0.7.0", "v1", "v2.1.0"):
        assert found(lint(GEN1_ACTION.replace("@v0'", f"@{version}'"), path)) == []
    # v3 deploys 2nd gen: the event becomes an Eventarc trigger, as its action.yml says
    gen2 = GEN1_ACTION.replace("@v0'", "@v3'").replace("service_account_email:", "service_account:")
    gen2 = gen2.replace("event_trigger_resource: projects/acme-ledger/topics/ledger-events\n", "")
    assert [f[:3] for f in found(lint(gen2, path))] == [("IAM001", 11, 15)]


# A step makes a Python virtual environment and activates it before running the deploy's
# helper: `source env/bin/activate` only sets PATH, and the file does not exist until the step
# runs, so SH001 "not found" was noise on every such workflow. A missing `bin/activate` is not
# reported; any other missing sourced file still is.
VENV = """
    name: deploy
    on: push
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - name: Install dependencies
            run: |
              python3 -m venv .venv
              source .venv/bin/activate
              pip install -r requirements.txt
          - name: Deploy
            run: |
              source .venv/bin/activate
              source ./ci/settings.sh
              gcloud run deploy ledger-api --image "$IMAGE" --region europe-west4
    """


def test_a_virtualenv_made_by_the_job_is_activated_without_a_note() -> None:
    assert found(lint(VENV, ".github/workflows/deploy.yml")) == [
        ("SH001", 15, 11, "`source ./ci/settings.sh` not followed: ci/settings.sh: not found "
                          "(looked in ., .github/workflows)")]


# A repository keeps its deploy steps in a composite action (.github/actions/<name>/action.yml,
# `runs: using: composite`) that its workflows call with `uses: ./.github/actions/<name>`. The
# workflow's SH001 said the local action is not followed, and the action file itself was not
# linted: a push subscription it wires to the service it deploys, with no invoker binding, went
# unreported. Its steps now run like a job's (`${{ inputs.x }}` is the caller's value).
COMPOSITE = """
    name: Deploy worker
    description: Deploy the worker and the push subscription that feeds it
    inputs:
      region:
        description: Cloud Run region
        required: true
    runs:
      using: composite
      steps:
        - uses: google-github-actions/setup-gcloud@v2
        - name: Deploy
          shell: bash
          run: |
            gcloud run deploy ledger-worker --image europe-docker.pkg.dev/acme/apps/ledger-worker \\
              --region "${{ inputs.region }}" --no-allow-unauthenticated
        - name: Wire the push subscription
          shell: bash
          run: |
            url=$(gcloud run services describe ledger-worker --region "${{ inputs.region }}" --format='value(status.url)')
            gcloud pubsub subscriptions create ledger-worker-push --topic ledger-events \\
              --push-endpoint="$url" --push-auth-service-account=ledger-push@acme.iam.gserviceaccount.com
    """

COMPOSITE_GRANT = """\
        - name: Let the subscription call the worker
          shell: bash
          run: |
            gcloud run services add-iam-policy-binding ledger-worker --region "${{ inputs.region }}" \\
              --member=serviceAccount:ledger-push@acme.iam.gserviceaccount.com --role=roles/run.invoker
    """


def test_a_composite_action_is_linted_like_a_job() -> None:
    path = ".github/actions/deploy-worker/action.yml"
    findings = lint(COMPOSITE, path)
    assert found(findings) == [
        ("IAM001", 14, 9, "Cloud Run service ledger-worker, called by the Pub/Sub push subscription "
                          "ledger-worker-push, is invoked as serviceAccount:ledger-push@acme.iam.gserviceaccount.com, "
                          "which gets no roles/run.invoker on service ledger-worker after this deploy")]
    assert found(lint(COMPOSITE.rstrip(" ") + COMPOSITE_GRANT, path)) == []


def test_only_a_composite_action_is_linted_and_a_walk_finds_it(tmp_path: Any) -> None:
    node = "name: x\ndescription: y\nruns:\n  using: node20\n  main: dist/index.js\n"
    assert found(lint(node, "action.yml")) == []
    folder = tmp_path / ".github" / "actions" / "deploy-worker"
    folder.mkdir(parents=True)
    (folder / "action.yml").write_text(textwrap.dedent(COMPOSITE).lstrip("\n"))
    result = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-f", "concise", "--no-cache", "."],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.startswith(".github/actions/deploy-worker/action.yml:14:9: IAM001 ")


# A step collects the functions to deploy in a loop (`FUNCS="$FUNCS $f"`), deploys each and binds
# their invoker by name. tree-sitter-bash puts the blank before `$f` inside the expansion's node,
# and the interpreter dropped it: one function "ordersinvoices" was deployed, bound nowhere (a
# false IAM001 with a name no one wrote). The blanks inside a double-quoted string are its text.
ACCUMULATED = """
    name: functions
    on: push
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - name: Deploy the ledger functions
            run: |
              FUNCS=""
              for f in orders invoices; do
                FUNCS="$FUNCS $f"
              done
              for f in $FUNCS; do
                gcloud functions deploy "$f" --gen2 --region europe-west1 --source "functions/$f" \\
                  --trigger-topic "$f-events" --service-account ledger-runner@acme.iam.gserviceaccount.com
              done
              for f in orders invoices; do
                gcloud functions add-invoker-policy-binding "$f" --region europe-west1 \\
                  --member serviceAccount:ledger-runner@acme.iam.gserviceaccount.com
              done
    """


def test_blanks_between_expansions_in_a_double_quoted_string_are_kept() -> None:
    assert found(lint(ACCUMULATED, ".github/workflows/functions.yml")) == []
    script = '#!/bin/bash\nA=api; B=v2\necho "$A $B" " " "$A  " "$A\n  $B"\n'
    from shlint_iam.analysis import analyse
    from shlint_iam.source import SourceFile
    echo = analyse(SourceFile("words.sh", script), Config(), every_command=True).commands[-1]
    assert [w.text for w in echo.words] == ["echo", "api v2", " ", "api  ", "api\n  v2"]


def test_a_quoted_blank_argument_is_shown_quoted_not_as_an_escaped_blank() -> None:
    script = '#!/bin/bash\nset -e\ngcloud functions deploy chat-webhook --gen2 --region asia-northeast1 " " --trigger-http\n'
    assert found(Linter(Config()).lint_text(script, "deploy.sh").reported) == [
        ("GCL001", 3, 70, '`gcloud functions deploy` takes only NAME; `" "` is one too many: gcloud rejects the '
                          'command (unrecognized arguments)')]
