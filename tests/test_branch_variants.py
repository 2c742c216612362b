"""A gcloud command that reads variables set differently on the branches of an ``if``/``case``
runs once per branch (shell/arms.py), with the values of one branch together.

The idiom: a ``case "$1"`` (or ``$ENVIRONMENT``) picks a function's name and its trigger flags, and
one deploy after the ``esac`` uses both. Joined into unknowns, the trigger was lost and the event
function that needs an invoker binding was never checked.
"""

from __future__ import annotations

from ruletest import lint_snippet

SELECTOR = """\
#!/usr/bin/env bash
set -euo pipefail
PROJECT=acme-prod
SA="events@${PROJECT}.iam.gserviceaccount.com"
case "${1:-}" in
  start)
    FUNC_NAME="samples-start"
    TRIGGER_FLAGS="--trigger-http"
    ;;
  hook)
    FUNC_NAME="samples-hook"
    TRIGGER_FLAGS="--trigger-topic jobs --trigger-service-account ${SA}"
    ;;
  *)
    echo "Usage: $0 {start|hook}" >&2
    exit 1
    ;;
esac
gcloud functions deploy "${FUNC_NAME}" --project "${PROJECT}" --gen2 --region asia-northeast1 \\
  --runtime go122 --source . --entry-point Handler ${TRIGGER_FLAGS}
"""
BIND = """\
gcloud functions add-invoker-policy-binding "${{FUNC_NAME}}" --project "${{PROJECT}}" --region asia-northeast1 \\
  --member "serviceAccount:{member}"
"""


def found(script: str) -> list[tuple[str, int, int, str]]:
    result = lint_snippet(script)
    assert result.problems == []
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_the_event_function_chosen_by_a_case_needs_its_binding() -> None:
    assert found(SELECTOR) == [(
        "IAM001", 19, 1,
        "gen2 function samples-hook (Pub/Sub topic jobs) is invoked as "
        "serviceAccount:events@acme-prod.iam.gserviceaccount.com (--trigger-service-account), which gets no "
        "roles/run.invoker on service samples-hook after this deploy",
    )]


def test_a_binding_of_the_same_variable_satisfies_it_on_its_own_branch() -> None:
    # The binding runs once per branch too; the start branch's binding is no path of the hook
    # function's requirement, so no IAM008 ("only on some paths").
    assert found(SELECTOR + BIND.format(member="${SA}")) == []


def test_a_binding_to_the_wrong_member_is_reported_with_the_branch_values() -> None:
    script = SELECTOR + BIND.format(member="deployer@acme-prod.iam.gserviceaccount.com")
    assert found(script) == [(
        "IAM005", 22, 12,
        "it grants serviceAccount:deployer@acme-prod.iam.gserviceaccount.com, but the invoker is "
        "serviceAccount:events@acme-prod.iam.gserviceaccount.com: the invoker of samples-hook stays without "
        "permission",
    )]


ENVIRONMENTS = """\
#!/usr/bin/env bash
set -euo pipefail
ENVIRONMENT="${1:-staging}"
case "$ENVIRONMENT" in
  prod) PROJECT_ID=acme-prod; TRIGGER="--trigger-topic=uploads" ;;
  staging) PROJECT_ID=acme-staging; TRIGGER="--trigger-bucket=acme-staging-uploads" ;;
  *) echo "unknown environment: $ENVIRONMENT" >&2; exit 1 ;;
esac
gcloud functions deploy ingest --gen2 --region=europe-west1 --project="$PROJECT_ID" $TRIGGER \\
  --trigger-service-account="ingest@${PROJECT_ID}.iam.gserviceaccount.com" --runtime=python312 --source=.
"""


def test_a_missing_binding_in_every_environment_is_one_finding_naming_each() -> None:
    assert found(ENVIRONMENTS) == [(
        "IAM001", 9, 1,
        "whichever branch at line 4 runs, this command deploys an event-invoked service whose invoker gets no "
        "roles/run.invoker after this deploy: gen2 function ingest (Pub/Sub topic uploads) as "
        "serviceAccount:ingest@acme-prod.iam.gserviceaccount.com (--trigger-service-account); gen2 function "
        "ingest (Cloud Storage bucket acme-staging-uploads) as "
        "serviceAccount:ingest@acme-staging.iam.gserviceaccount.com (--trigger-service-account)",
    )]


def test_a_project_that_differs_by_environment_alone_does_not_split_the_command() -> None:
    # The joined $PROJECT_ID is compared with itself: one requirement, one finding, one run.
    script = ENVIRONMENTS.replace(" $TRIGGER", " --trigger-topic=uploads")
    assert found(script) == [(
        "IAM001", 9, 1,
        "gen2 function ingest (Pub/Sub topic uploads) is invoked as "
        "serviceAccount:ingest@${PROJECT_ID}.iam.gserviceaccount.com (--trigger-service-account), which gets "
        "no roles/run.invoker on service ingest after this deploy",
    )]


def test_the_binding_in_each_environment_is_matched_to_its_own_deploy() -> None:
    script = ENVIRONMENTS + (
        'gcloud functions add-invoker-policy-binding ingest --region=europe-west1 --project="$PROJECT_ID" \\\n'
        '  --member="serviceAccount:ingest@${PROJECT_ID}.iam.gserviceaccount.com"\n')
    assert found(script) == []


def test_the_status_of_whichever_variant_ran_is_checked_by_the_next_test() -> None:
    script = SELECTOR.replace("set -euo pipefail\n", "") + BIND.format(member="${SA}").replace(
        '"serviceAccount:${SA}"', '"serviceAccount:${SA}"; rc=$?\nif [ "$rc" -ne 0 ]; then exit "$rc"; fi')
    assert [(code, line) for code, line, _, _ in found(script)] == [("ERR001", 18)]  # the deploy only


def test_a_variable_unset_on_some_branch_is_not_split() -> None:
    # On the branch that does not set it, FUNC_NAME holds whatever the environment gives it: it
    # stays the joined unknown, while the trigger flags (set on both) still pick the hook branch.
    script = SELECTOR.replace('    FUNC_NAME="samples-start"\n', "")
    assert found(script) == [(
        "IAM001", 18, 1,
        "gen2 function ${FUNC_NAME} (Pub/Sub topic jobs) is invoked as "
        "serviceAccount:events@acme-prod.iam.gserviceaccount.com (--trigger-service-account), which gets no "
        "roles/run.invoker on service ${FUNC_NAME} after this deploy",
    )]


def test_too_many_combinations_keep_the_joined_values() -> None:
    head = "#!/bin/bash\nset -euo pipefail\n"
    choices = "".join(
        f'case "${{{n}:-}}" in a) V{n}=a{n} ;; b) V{n}=b{n} ;; *) V{n}=c{n} ;; esac\n' for n in (1, 2, 3))
    deploy = ('gcloud functions deploy "f-$V1-$V2-$V3" --gen2 --region=us-east1 --trigger-topic=t '
              "--trigger-service-account=sa@p.iam.gserviceaccount.com --project=p\n")
    findings = found(head + choices + deploy)  # 27 combinations: more than MAX_VARIANTS (8)
    assert [(code, line) for code, line, _, _ in findings] == [("IAM001", 6)]
    assert "gen2 function f-$V1-$V2-$V3 " in findings[0][3]


def test_a_value_built_on_itself_in_a_loop_is_resolved_without_recursion() -> None:
    script = """\
        #!/bin/bash
        set -euo pipefail
        NAME=api
        for suffix in a b; do
          if [ -n "${SUFFIXED:-}" ]; then NAME="$NAME-$suffix"; fi
        done
        gcloud run deploy "$NAME" --image=img --region=us-east1 --project=p
        """
    result = lint_snippet(script)
    assert result.problems == []
    assert result.exit_code() == 0
