"""Several invokers of one Cloud Run service (a push subscription, a Scheduler job, an Eventarc
trigger), each with its own identity: every (service, identity) requirement is judged on its own."""

from __future__ import annotations

import pytest
from ruletest import lint_snippet

from shlint_iam.config import Config

PUSH, SCHED, TRIG = (f"serviceAccount:{n}@proj.iam.gserviceaccount.com" for n in ("push-sa", "sched-sa", "trigger-sa"))
SCRIPT = """\
set -euo pipefail
gcloud run deploy orch --region=us-west2 --project=proj --image=gcr.io/proj/orch
URL=$(gcloud run services describe orch --region=us-west2 --project=proj --format='value(status.url)')
gcloud pubsub subscriptions create orch-push --topic=jobs --project=proj --push-endpoint="$URL" \\
  --push-auth-service-account=push-sa@proj.iam.gserviceaccount.com
gcloud scheduler jobs create http orch-nightly --location=us-west2 --project=proj --schedule="0 3 * * *" \\
  --uri="$URL/nightly" --oidc-service-account-email=sched-sa@proj.iam.gserviceaccount.com
gcloud eventarc triggers create orch-audit --location=us-west2 --project=proj --destination-run-service=orch \\
  --event-filters=type=google.cloud.audit.log.v1.written --service-account=trigger-sa@proj.iam.gserviceaccount.com
"""


def bind(member: str, role: str = "roles/run.invoker") -> str:
    return (f"gcloud run services add-iam-policy-binding orch --region=us-west2 --project=proj "
            f"--member={member} --role={role}\n")


def found(script: str, config: Config | None = None) -> list[tuple[str, int, int, str]]:
    result = lint_snippet(script, config=config)
    return sorted((f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported
                  if f.code.startswith("IAM"))


def test_all_three_bound() -> None:
    assert found(SCRIPT + bind(PUSH) + bind(SCHED) + bind(TRIG)) == []


@pytest.mark.parametrize("bound, unbound", [
    ((PUSH,), ("Cloud Scheduler job orch-nightly", "Eventarc trigger orch-audit")),
    ((SCHED,), ("Pub/Sub push subscription orch-push", "Eventarc trigger orch-audit")),
    ((PUSH, TRIG), ("Cloud Scheduler job orch-nightly",)),
    ((SCHED, TRIG), ("Pub/Sub push subscription orch-push",)),
])
def test_some_bound_names_exactly_the_unbound_invokers(bound: tuple[str, ...], unbound: tuple[str, ...]) -> None:
    script = SCRIPT + "".join(bind(m) for m in bound)
    findings = found(script)
    assert [(c, line, col) for c, line, col, _ in findings] == [("IAM001", 2, 1)]
    message = findings[0][3]
    for name in unbound:
        assert name in message
    for name in {"Cloud Scheduler job orch-nightly", "Eventarc trigger orch-audit",
                 "Pub/Sub push subscription orch-push"} - set(unbound):
        assert name not in message


def test_one_unbound_invoker_is_named_with_its_identity() -> None:
    findings = found(SCRIPT + bind(PUSH) + bind(TRIG))
    assert findings[0][3] == (f"Cloud Run service orch, called by the Cloud Scheduler job orch-nightly, is invoked as "
                              f"{SCHED}, which gets no roles/run.invoker on service orch after this deploy")


def test_none_bound_lists_all_three() -> None:
    findings = found(SCRIPT)
    assert [(c, line, col) for c, line, col, _ in findings] == [("IAM001", 2, 1)]
    assert findings[0][3].startswith("service orch is called by 3 invokers that get no roles/run.invoker")
    for member in (PUSH, SCHED, TRIG):
        assert member in findings[0][3]


def test_bound_with_a_broad_project_role() -> None:
    script = (SCRIPT + bind(SCHED) + bind(TRIG)
              + f"gcloud projects add-iam-policy-binding proj --member={PUSH} --role=roles/editor\n")
    assert [(c, line, col) for c, line, col, _ in found(script)] == [("IAM007", 12, 106)]


def test_member_that_invokes_nothing_is_iam005() -> None:
    script = SCRIPT + bind(PUSH) + bind(SCHED) + bind(TRIG) + bind("serviceAccount:ci@proj.iam.gserviceaccount.com")
    findings = found(script)
    assert [(c, line, col) for c, line, col, _ in findings] == [("IAM005", 13, 82)]
    assert findings[0][3] == (f"serviceAccount:ci@proj.iam.gserviceaccount.com invokes nothing here: orch is called "
                              f"only by {PUSH}, {SCHED}, {TRIG}")


def test_member_that_invokes_nothing_is_said_the_same_whatever_the_order_of_the_invokers() -> None:
    lines = SCRIPT.splitlines(keepends=True)
    head, push, sched, trig = ("".join(lines[i:j]) for i, j in ((0, 3), (3, 5), (5, 7), (7, 9)))
    assert head + push + sched + trig == SCRIPT
    stranger = bind("serviceAccount:ci@proj.iam.gserviceaccount.com")
    grants = bind(PUSH) + bind(SCHED) + bind(TRIG)
    messages = {found(head + a + b + c + grants + stranger)[0][3]
                for a, b, c in ((push, sched, trig), (trig, sched, push), (sched, trig, push))}
    assert messages == {f"serviceAccount:ci@proj.iam.gserviceaccount.com invokes nothing here: orch is called "
                        f"only by {PUSH}, {SCHED}, {TRIG}"}


def test_member_that_invokes_nothing_while_others_are_unbound() -> None:
    script = SCRIPT + bind(PUSH) + bind("serviceAccount:ci@proj.iam.gserviceaccount.com")
    findings = found(script)
    assert [(c, line, col) for c, line, col, _ in findings] == [("IAM001", 2, 1), ("IAM005", 11, 82)]
    assert "Cloud Scheduler job orch-nightly" in findings[0][3] and "Eventarc trigger orch-audit" in findings[0][3]
    assert findings[1][3].startswith("serviceAccount:ci@proj.iam.gserviceaccount.com invokes nothing here")


def test_configured_invoker_account_is_not_iam005_but_the_unbound_stay_iam001() -> None:
    config = Config()
    config.invoker_service_accounts = [f"{n}@proj.iam.gserviceaccount.com" for n in ("ci", "push-sa", "sched-sa",
                                                                                  "trigger-sa")]
    script = SCRIPT + bind(PUSH) + bind("serviceAccount:ci@proj.iam.gserviceaccount.com")
    assert [(c, line, col) for c, line, col, _ in found(script, config)] == [("IAM001", 2, 1)]


def test_functions_read_from_a_csv_list_are_each_checked() -> None:
    # `IFS=, read -r -a` over a known list: the loop deploys three functions, binds two.
    script = """
        set -euo pipefail
        REGION=us-central1
        SA="pusher@acme.iam.gserviceaccount.com"
        IFS=',' read -r -a FUNCS <<< "alpha,beta,gamma"
        for f in "${FUNCS[@]}"; do
          gcloud functions deploy "fn-$f" --gen2 --region="$REGION" --runtime=go122 --trigger-topic="topic-$f" \\
            --trigger-service-account="$SA"
        done
        for f in alpha beta; do
          gcloud functions add-invoker-policy-binding "fn-$f" --region="$REGION" --member="serviceAccount:$SA"
        done
        """
    assert found(script) == [("IAM001", 6, 3, "gen2 function fn-gamma (Pub/Sub topic topic-gamma) is invoked as "
                              "serviceAccount:pusher@acme.iam.gserviceaccount.com (--trigger-service-account), "
                              "which gets no roles/run.invoker on service fn-gamma after this deploy")]


XARGS_HEAD = """
    set -euo pipefail
    REGION=us-central1
    SA=push@acme.iam.gserviceaccount.com
    FUNCS=(ingest enrich publish)
    """
XARGS_BINDS = """
    for f in ingest enrich; do
      gcloud functions add-invoker-policy-binding "$f" --region="$REGION" --member="serviceAccount:$SA"
    done
    """
PUBLISH_UNBOUND = ("gen2 function publish (Pub/Sub topic publish-topic) is invoked as "
                   "serviceAccount:push@acme.iam.gserviceaccount.com (--trigger-service-account), which gets no "
                   "roles/run.invoker on service publish after this deploy")


def test_functions_deployed_in_parallel_by_xargs_are_each_checked() -> None:
    script = XARGS_HEAD + """
    printf '%s\\n' "${FUNCS[@]}" | xargs -P 3 -I{} gcloud functions deploy {} --gen2 --region="$REGION" \\
      --runtime=python312 --trigger-topic={}-topic --trigger-service-account="$SA" --source=functions/{}
    """ + XARGS_BINDS
    assert found(script) == [("IAM001", 6, 31, PUBLISH_UNBOUND)]


def test_an_exported_function_run_by_xargs_through_bash_c_gets_its_argument_as_0() -> None:
    # `bash -c 'deploy "$0"' NAME`: $0 is NAME (it was the script's own path: a function named after it)
    script = XARGS_HEAD + """
    deploy() {
      gcloud functions deploy "$1" --gen2 --region="$REGION" --runtime=python312 --trigger-topic="$1-topic" \\
        --trigger-service-account="$SA" --source="functions/$1"
    }
    export -f deploy
    export REGION SA
    echo "${FUNCS[*]}" | tr ' ' '\\n' | xargs -n1 -P3 bash -c 'deploy "$0"'
    """ + XARGS_BINDS
    assert found(script) == [("IAM001", 7, 3, PUBLISH_UNBOUND)]


def test_function_names_derived_with_sed_are_each_checked() -> None:
    script = """
        set -euo pipefail
        REGION=us-central1
        SA=push@acme.iam.gserviceaccount.com
        for fn in process_orders send_invoices; do
          svc=$(echo "$fn" | sed 's/_/-/g')
          gcloud functions deploy "$svc" --gen2 --region="$REGION" --runtime=python312 --entry-point="$fn" \\
            --trigger-topic="${svc}-topic" --trigger-service-account="$SA"
        done
        gcloud functions add-invoker-policy-binding process-orders --region="$REGION" --member="serviceAccount:$SA"
        """
    assert found(script) == [("IAM001", 6, 3, "gen2 function send-invoices (Pub/Sub topic send-invoices-topic) is "
                              "invoked as serviceAccount:push@acme.iam.gserviceaccount.com (--trigger-service-account), "
                              "which gets no roles/run.invoker on service send-invoices after this deploy")]
