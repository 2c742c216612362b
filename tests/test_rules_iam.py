"""IAM001-IAM008: every rule with snippets that must and must not produce it, at exact places,
and every interpreter construct shown through its effect on a finding."""

from __future__ import annotations

import pytest
from ruletest import Case, lint_snippet, triples

HEAD = "set -euo pipefail\n"
DEPLOY = "gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=done\n"
SA = "serviceAccount:756957797294-compute@developer.gserviceaccount.com"
BIND = f'gcloud functions add-invoker-policy-binding orch --region=us-west2 --member="{SA}"\n'
RUN_BIND = (f'gcloud run services add-iam-policy-binding orch --region=us-west2 --member="{SA}" '
            "--role=roles/run.invoker\n")

CASES = [
    # --- the seed's scenarios ---------------------------------------------------------------
    Case("session205-no-binding", HEAD + DEPLOY, [("IAM001", 2, 1)], "gets no roles/run.invoker"),
    Case("fixed-run-binding", HEAD + DEPLOY + RUN_BIND),
    Case("fixed-invoker-binding", HEAD + DEPLOY + BIND),
    Case("binding-in-comment", HEAD + DEPLOY + "# " + BIND, [("IAM001", 2, 1)]),
    Case("binding-in-heredoc", HEAD + DEPLOY + "cat <<EOF\n" + BIND + "EOF\n", [("IAM001", 2, 1)]),
    Case("binding-echoed", HEAD + DEPLOY + "echo '" + BIND.strip() + "'\n", [("IAM001", 2, 1)]),
    Case("binding-in-uncalled-function", HEAD + DEPLOY + "bind() {\n  " + BIND + "}\n", [("IAM001", 2, 1)]),
    Case("binding-in-called-function", HEAD + DEPLOY + "bind() {\n  " + BIND + "}\nbind\n"),
    Case("binding-after-exit-0", HEAD + DEPLOY + "exit 0\n" + BIND, [("IAM001", 2, 1)]),
    Case("binding-in-if", HEAD + DEPLOY + 'if [ -n "$X" ]; then\n  ' + BIND + "fi\n", [("IAM008", 4, 3)],
         "only on some paths"),
    Case("binding-in-both-branches", HEAD + DEPLOY + 'if [ -n "$X" ]; then\n  ' + BIND + "else\n  " + RUN_BIND
         + "fi\n"),
    Case("binding-after-conditional-exit-0", HEAD + DEPLOY + '[ -z "$X" ] && exit 0\n' + BIND, [("IAM008", 4, 1)]),
    Case("binding-after-failing-exit", HEAD + DEPLOY + '[ -z "$X" ] && exit 1\n' + BIND),
    Case("loop-skips-one",
         HEAD + "for f in a b c; do\n  gcloud functions deploy $f --gen2 --region=r --trigger-topic=t\ndone\n"
         + "for f in a b; do\n  gcloud functions add-invoker-policy-binding $f --region=r "
         + f'--member="{SA}"\ndone\n',
         [("IAM001", 3, 3)], "gen2 function c "),
    Case("loop-over-array-binds-all",
         HEAD + "FNS=(a b)\nfor f in \"${FNS[@]}\"; do\n  gcloud functions deploy $f --gen2 --region=r "
         "--trigger-topic=t\n  gcloud functions add-invoker-policy-binding $f --region=r "
         f'--member="{SA}"\ndone\n'),
    Case("loop-over-unknown-list",
         HEAD + "for f in $FUNCS; do\n  gcloud functions deploy $f --gen2 --region=r --trigger-topic=t\n"
         f'  gcloud functions add-invoker-policy-binding $f --region=r --member="{SA}"\ndone\n'),
    Case("case-known-value-takes-binding",
         HEAD + "ENV=prod\n" + DEPLOY + 'case "$ENV" in\n  prod) ' + BIND.strip() + " ;;\n  *) echo no ;;\nesac\n"),
    Case("case-known-value-skips-binding",
         HEAD + "ENV=dev\n" + DEPLOY + 'case "$ENV" in\n  prod) ' + BIND.strip() + " ;;\n  *) echo no ;;\nesac\n",
         [("IAM001", 3, 1)]),
    Case("case-unknown-value", HEAD + DEPLOY + 'case "$ENV" in\n  prod) ' + BIND.strip() + " ;;\nesac\n",
         [("IAM008", 4, 9)]),
    # --- generation, trigger kinds, identities ----------------------------------------------
    Case("gen1-event-needs-nothing", HEAD + "gcloud functions deploy f --no-gen2 --trigger-topic=t\n"),
    Case("gen2-is-default", HEAD + "gcloud functions deploy f --region=r --trigger-topic=t\n", [("IAM001", 2, 1)]),
    Case("http-function-needs-nothing", HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-http\n"),
    Case("bucket-trigger", HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-bucket=b\n",
         [("IAM001", 2, 1)], "Cloud Storage bucket b"),
    Case("event-filters-trigger",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-event-filters=type=x\n", [("IAM001", 2, 1)],
         "gen2 function f (Eventarc events x) is invoked as"),
    Case("event-filters-named-by-their-type-wherever-it-stands",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-event-filters=bucket=b "
         "--trigger-event-filters=type=google.cloud.storage.object.v1.finalized --trigger-event-filters=x=y\n",
         [("IAM001", 2, 1)], "gen2 function f (Eventarc events google.cloud.storage.object.v1.finalized) is invoked"),
    Case("event-filters-in-one-comma-separated-value",  # a dict flag: one value may hold them all
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-event-filters=\"type=google.cloud.audit.log.v1."
         "written,serviceName=bigquery.googleapis.com,methodName=jobservice.jobcompleted\"\n",
         [("IAM001", 2, 1)], "gen2 function f (Eventarc events google.cloud.audit.log.v1.written) is invoked"),
    Case("function-called-by-a-scheduler-job-is-named-as-a-function",
         HEAD + "gcloud functions deploy f --gen2 --region=us-central1 --project=p --trigger-http\n"
         "gcloud scheduler jobs create http j --location=us-central1 --schedule='0 * * * *' "
         "--uri=https://us-central1-p.cloudfunctions.net/f --oidc-service-account-email=s@p.iam.gserviceaccount.com\n",
         [("IAM001", 2, 1)], "gen2 function f, called by the Cloud Scheduler job j, is invoked as"),
    Case("event-filters-without-a-type",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-event-filters=bucket=b\n",
         [("IAM001", 2, 1)], "gen2 function f (Eventarc event filter bucket=b) is invoked"),
    Case("trigger-service-account-wins",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-topic=t "
         "--service-account=run@p.iam.gserviceaccount.com --trigger-service-account=trig@p.iam.gserviceaccount.com\n"
         "gcloud functions add-invoker-policy-binding f --region=r --member=serviceAccount:trig@p.iam.gserviceaccount.com\n"),
    Case("service-account-is-trigger-identity",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-topic=t "
         "--service-account=run@p.iam.gserviceaccount.com\n"
         "gcloud functions add-invoker-policy-binding f --region=r --member=serviceAccount:run@p.iam.gserviceaccount.com\n"),
    Case("run-service-account-is-not-trigger-identity",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-topic=t "
         "--run-service-account=run@p.iam.gserviceaccount.com\n"
         "gcloud functions add-invoker-policy-binding f --region=r --member=serviceAccount:run@p.iam.gserviceaccount.com\n",
         [("IAM005", 3, 58)]),
    Case("email-case-insensitive",
         HEAD + "gcloud functions deploy f --gen2 --region=r --trigger-topic=t --service-account=Run@P.iam.gserviceaccount.com\n"
         "gcloud functions add-invoker-policy-binding f --region=r --member=serviceAccount:run@p.iam.gserviceaccount.com\n"),
    # --- gcloud grammar ---------------------------------------------------------------------
    Case("global-flags-anywhere-and-beta",
         HEAD + "gcloud --project=p beta functions deploy f --region r --trigger-topic t --gen2\n"
         f"gcloud -q functions --project p add-invoker-policy-binding --region r --member {SA} f\n"),
    Case("last-region-wins",
         HEAD + "gcloud functions deploy f --gen2 --region=a --region=b --trigger-topic=t\n"
         f"gcloud functions add-invoker-policy-binding f --region=b --member={SA}\n"),
    Case("functions-default-region-us-central1",
         HEAD + "gcloud functions deploy f --trigger-topic=t\n"
         f"gcloud run services add-iam-policy-binding f --region=us-central1 --member={SA} --role=roles/run.invoker\n"),
    Case("function-name-lowercased-for-run",
         HEAD + "gcloud functions deploy MyFn --gen2 --region=r --trigger-topic=t\n"
         f"gcloud run services add-iam-policy-binding myfn --region=r --member={SA} --role=roles/run.invoker\n"),
    Case("run-binding-with-uppercase-name",
         HEAD + "gcloud functions deploy MyFn --gen2 --region=r --trigger-topic=t\n"
         f"gcloud run services add-iam-policy-binding MyFn --region=r --member={SA} --role=roles/run.invoker\n",
         [("IAM003", 3, 1)], "lower-case"),
    Case("config-set-region",
         HEAD + "gcloud config set functions/region europe-west1\ngcloud functions deploy f --trigger-topic=t\n"
         f"gcloud run services add-iam-policy-binding f --region=europe-west1 --member={SA} --role=roles/run.invoker\n"),
    Case("exported-env-region",
         HEAD + "export CLOUDSDK_FUNCTIONS_REGION=europe-west1\ngcloud functions deploy f --trigger-topic=t\n"
         f"gcloud functions add-invoker-policy-binding f --member={SA}\n"),
    Case("run-region-does-not-feed-functions",
         HEAD + "gcloud config set run/region europe-west1\ngcloud functions deploy f --trigger-topic=t\n"
         f"gcloud run services add-iam-policy-binding f --member={SA} --role=roles/run.invoker\n",
         [("IAM003", 4, 1)], "region europe-west1 instead of us-central1"),
    Case("project-mismatch",
         HEAD + "gcloud functions deploy f --gen2 --region=r --project=a --trigger-topic=t\n"
         f"gcloud functions add-invoker-policy-binding f --region=r --project=b --member={SA}\n",
         [("IAM003", 3, 1)], "project b instead of a"),
    Case("full-resource-name",
         HEAD + "gcloud functions deploy f --gen2 --region=r --project=p --trigger-topic=t\n"
         f"gcloud run services add-iam-policy-binding projects/p/locations/r/services/f --member={SA} "
         "--role=roles/run.invoker\n"),
    # --- IAM002 ------------------------------------------------------------------------------
    Case("binding-before-first-deploy", HEAD + BIND + DEPLOY, [("IAM002", 2, 1)], "before the deploy"),
    Case("binding-before-and-after-deploy", HEAD + BIND + DEPLOY + BIND),
    Case("redeploy-keeps-binding", HEAD + DEPLOY + BIND + DEPLOY),
    Case("delete-recreate", HEAD + DEPLOY + BIND + "gcloud functions delete orch --region=us-west2 -q\n" + DEPLOY,
         [("IAM002", 3, 1)]),
    Case("binding-removed-later", HEAD + DEPLOY + BIND + BIND.replace("add-invoker", "remove-invoker"),
         [("IAM001", 2, 1)], "removes the binding"),
    Case("other-member-removed", HEAD + DEPLOY + BIND + BIND.replace("add-invoker", "remove-invoker")
         .replace("756957797294-compute@developer", "x@p.iam")),
    Case("policy-replaced-later", HEAD + DEPLOY + RUN_BIND
         + "cat > policy.yaml <<EOF\nbindings: []\netag: BwYvq2Vt8Xo=\nEOF\n"
         + "gcloud run services set-iam-policy orch policy.yaml --region=us-west2\n",
         [("IAM001", 2, 1)], "replaces the whole policy"),
    # A whole policy's bindings of roles that cannot invoke are not attempts at the invoker's.
    Case("policy-written-with-another-role", HEAD + DEPLOY
         + "cat > policy.yaml <<EOF\nbindings:\n- role: roles/run.viewer\n  members: [group:ops@acme.com]\nEOF\n"
         + "gcloud run services set-iam-policy orch policy.yaml --region=us-west2\n",
         [("IAM001", 2, 1)], "replaces the whole policy"),
    Case("policy-written-with-the-invoker", HEAD + DEPLOY
         + f"cat > policy.json <<EOF\n{{\"bindings\": [{{\"role\": \"roles/run.invoker\", \"members\": [\"{SA}\"]}}]}}\nEOF\n"
         + "gcloud run services set-iam-policy orch policy.json --region=us-west2\n"),
    Case("policy-written-for-another-member", HEAD + DEPLOY
         + "cat > policy.yaml <<EOF\nbindings:\n- role: roles/run.invoker\n  members:\n"
         + "  - serviceAccount:other@p.iam.gserviceaccount.com\nEOF\n"
         + "gcloud run services set-iam-policy orch policy.yaml --region=us-west2\n",
         [("IAM005", 9, 41)], "it grants serviceAccount:other@p.iam.gserviceaccount.com"),
    # A policy file the analysis cannot read: the replacement is taken to grant nothing (IAM009 says
    # it cannot verify the file's bindings).
    Case("policy-not-known-replaced-later", HEAD + DEPLOY + RUN_BIND
         + "gcloud run services set-iam-policy orch policy.yaml --region=us-west2\n",
         [("IAM001", 2, 1)], "replaces the whole policy"),
    Case("policy-replaced-then-bound", HEAD + DEPLOY + "gcloud run services set-iam-policy orch policy.yaml "
         "--region=us-west2\n" + RUN_BIND),
    # --- IAM004 ------------------------------------------------------------------------------
    Case("viewer-role", HEAD + DEPLOY + RUN_BIND.replace("run.invoker", "run.viewer"), [("IAM004", 3, 144)],
         "roles/run.viewer"),
    Case("cloudfunctions-invoker-on-gen2",
         HEAD + DEPLOY + f"gcloud functions add-iam-policy-binding orch --region=us-west2 --member={SA} "
         "--role=roles/cloudfunctions.invoker\n", [("IAM004", 3, 139)]),
    Case("run-invoker-on-function-resource",
         HEAD + "gcloud functions deploy web --gen2 --region=r --trigger-http\n"
         f"gcloud functions add-iam-policy-binding web --region=r --member={SA} --role=roles/run.invoker\n",
         [("IAM004", 3, 131)], "cannot grant roles/run.invoker"),
    Case("gen1-http-cloudfunctions-invoker-is-fine",
         HEAD + "gcloud functions deploy web --no-gen2 --region=r --trigger-http\n"
         f"gcloud functions add-iam-policy-binding web --region=r --member={SA} --role=roles/cloudfunctions.invoker\n"),
    Case("services-invoker-role-suffices", HEAD + DEPLOY + RUN_BIND.replace("run.invoker", "run.servicesInvoker")),
    # --- IAM005 ------------------------------------------------------------------------------
    Case("bare-email-member", HEAD + DEPLOY + BIND.replace("serviceAccount:", ""), [("IAM005", 3, 68)],
         "malformed"),
    Case("lowercase-prefix-member", HEAD + DEPLOY + BIND.replace("serviceAccount:", "serviceaccount:"),
         [("IAM005", 3, 68)]),
    Case("other-account", HEAD + DEPLOY + BIND.replace("756957797294-compute@developer", "x@p.iam"),
         [("IAM005", 3, 68)], "but the invoker is"),
    # --- IAM006 ------------------------------------------------------------------------------
    Case("allow-unauthenticated-event", HEAD + DEPLOY.strip() + " --allow-unauthenticated\n", [("IAM006", 2, 76)]),
    Case("allusers-binding",
         HEAD + DEPLOY + "gcloud run services add-iam-policy-binding orch --region=us-west2 --member=allUsers "
         "--role=roles/run.invoker\n", [("IAM006", 3, 67)]),
    Case("public-http-on-purpose", HEAD + "gcloud functions deploy web --gen2 --region=r --trigger-http "
         "--allow-unauthenticated\n"),
    # --- IAM007 ------------------------------------------------------------------------------
    Case("project-wide-invoker",
         HEAD + "gcloud functions deploy f --gen2 --region=r --project=p --trigger-topic=t\n"
         f"gcloud projects add-iam-policy-binding p --member={SA} --role=roles/run.invoker\n",
         [("IAM007", 3, 117)], "on the whole project lets invoker "),
    Case("run-admin-on-service", HEAD + DEPLOY + RUN_BIND.replace("run.invoker", "run.admin"), [("IAM007", 3, 144)]),
    Case("project-viewer-is-unrelated",
         HEAD + "gcloud functions deploy f --gen2 --region=r --project=p --trigger-topic=t\n"
         f"gcloud projects add-iam-policy-binding p --member={SA} --role=roles/viewer\n",
         [("IAM001", 2, 1)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_iam_rules(case: Case) -> None:
    assert triples(case.script, ("IAM",)) == sorted(case.expected)
    if case.message and case.expected:
        result = lint_snippet(case.script)
        first = min((f for f in result.reported if f.code.startswith("IAM")),
                    key=lambda f: (f.span.start_line, f.span.start_col))
        assert case.message in first.message


def test_fix_names_the_binding_command() -> None:
    result = lint_snippet(HEAD + DEPLOY)
    (finding,) = result.reported
    assert finding.fix is not None
    assert finding.fix.startswith("gcloud functions add-invoker-policy-binding orch --region=us-west2")


def test_identity_from_default_compute_account_is_named() -> None:
    result = lint_snippet(HEAD + "gcloud functions deploy f --gen2 --region=r --project=p --trigger-topic=t\n")
    (finding,) = result.reported
    assert "PROJECT_NUMBER-compute@developer.gserviceaccount.com" in finding.message


def test_end_of_finding_span_covers_the_command() -> None:
    result = lint_snippet(HEAD + "gcloud functions deploy f --gen2 \\\n  --region=r --trigger-topic=t\n")
    (finding,) = result.reported
    assert (finding.span.start_line, finding.span.end_line, finding.span.end_col) == (2, 3, 31)


# --- one finding per command: a loop or function that deploys several services ------------------
LOOP = (HEAD + "for fn in phase2 phase3 phase4; do\n"
        '  gcloud functions deploy "$fn-orchestrator" --gen2 --region=us-west2 --trigger-topic="$fn-done" \\\n'
        "    --project=proj\n"
        "done\n")


def test_loop_deploying_three_unbound_functions_gives_one_iam001_listing_them() -> None:
    findings = [f for f in lint_snippet(LOOP).reported if f.code == "IAM001"]
    assert [(f.span.start_line, f.span.start_col) for f in findings] == [(3, 3)]
    message = findings[0].message
    assert message.startswith("this command deploys 3 event-invoked services")
    for name in ("phase2-orchestrator", "phase3-orchestrator", "phase4-orchestrator"):
        assert f"gen2 function {name} (Pub/Sub topic" in message
        assert f"add-invoker-policy-binding {name} --region=us-west2" in (findings[0].fix or "")
    assert "each is invoked as serviceAccount:PROJECT_NUMBER-compute@developer.gserviceaccount.com" in message


def test_loop_with_one_item_bound_lists_only_the_others() -> None:
    script = LOOP + ('NUMBER=$(gcloud projects describe proj --format="value(projectNumber)")\n'
                     "gcloud functions add-invoker-policy-binding phase3-orchestrator --region=us-west2 "
                     '--project=proj --member="serviceAccount:${NUMBER}-compute@developer.gserviceaccount.com"\n')
    findings = [f for f in lint_snippet(script, select=["IAM001"]).reported]
    assert [(f.code, f.span.start_line) for f in findings] == [("IAM001", 3)]
    assert "2 event-invoked services" in findings[0].message and "phase3-orchestrator" not in findings[0].message


def test_function_called_per_item_with_own_identities_names_each_identity() -> None:
    script = (HEAD + "deploy() {\n"
              '  gcloud functions deploy "$1" --gen2 --region=us-west2 --trigger-topic="$1-done" '
              '--trigger-service-account="$1@proj.iam.gserviceaccount.com"\n'
              '}\nfor name in alpha beta; do\n  deploy "$name"\ndone\n')
    (finding,) = [f for f in lint_snippet(script).reported if f.code == "IAM001"]
    assert (finding.span.start_line, finding.span.start_col) == (3, 3)
    assert "gen2 function alpha (Pub/Sub topic alpha-done) as serviceAccount:alpha@proj.iam.gserviceaccount.com" \
        in finding.message
    assert "gen2 function beta (Pub/Sub topic beta-done) as serviceAccount:beta@proj.iam.gserviceaccount.com" \
        in finding.message


@pytest.mark.parametrize(("role", "scope", "message"), [
    ("roles/run.invoker", "project",
     f"roles/run.invoker on the whole project lets invoker {SA} invoke every Cloud Run service in the project, "
     "not only f"),
    ("roles/run.admin", "project", f"roles/run.admin on the whole project gives invoker {SA} more than invoke"),
    ("roles/run.developer", "service", f"roles/run.developer on the service gives invoker {SA} more than invoke"),
])
def test_iam007_says_what_the_role_gives(role: str, scope: str, message: str) -> None:
    # run.invoker on the project invokes every service (not more than invoke); the admin and
    # developer roles also deploy, change and delete
    grant = (f"gcloud projects add-iam-policy-binding p --member={SA} --role={role}\n" if scope == "project" else
             f"gcloud run services add-iam-policy-binding f --region=r --project=p --member={SA} --role={role}\n")
    script = HEAD + "gcloud functions deploy f --gen2 --region=r --project=p --trigger-topic=t\n" + grant
    assert [f.message for f in lint_snippet(script).reported if f.code == "IAM007"] == [message]


# --- a service described by its caller ("..., called by the Cloud Scheduler job J") closes that clause
RUN_SVC = "gcloud run deploy orders --image=img --region=us-west2 --project=p --no-allow-unauthenticated\n"
JOB = ("gcloud scheduler jobs create http nightly --location=us-west2 --project=p --schedule='0 1 * * *' "
       '--uri="$(gcloud run services describe orders --region=us-west2 --project=p --format=\'value(status.url)\')" '
       "--oidc-service-account-email=job@p.iam.gserviceaccount.com\n")
PUSH_NO_AUTH = ("gcloud pubsub subscriptions create orders-push --topic=t --project=p "
                '--push-endpoint="$(gcloud run services describe orders --region=us-west2 --project=p '
                "--format='value(status.url)')\"\n")


def messages(script: str, code: str) -> list[str]:
    return [f.message for f in lint_snippet(script).reported if f.code == code]


def test_iam001_closes_the_callers_clause_before_the_verb() -> None:
    assert messages(HEAD + RUN_SVC + JOB, "IAM001") == [
        "Cloud Run service orders, called by the Cloud Scheduler job nightly, is invoked as "
        "serviceAccount:job@p.iam.gserviceaccount.com, which gets no roles/run.invoker on service orders after "
        "this deploy"]


def test_iam001_closes_the_callers_clause_of_an_unauthenticated_push() -> None:
    assert messages(HEAD + RUN_SVC + PUSH_NO_AUTH, "IAM001") == [
        "Cloud Run service orders, called by the Pub/Sub push subscription orders-push, is invoked with no identity "
        "(no --push-auth-service-account): a private Cloud Run service rejects its requests"]


def test_iam001_lists_several_invokers_with_open_clauses() -> None:
    # "as IDENTITY" continues the clause ("called by the job as SA"); "is invoked with no identity" continues the sentence
    [message] = messages(HEAD + RUN_SVC.replace("orders", "x") + "for s in a b; do\n"
                         + RUN_SVC.replace("orders", "$s") + JOB.replace("orders", "$s").replace("nightly", "$s-job")
                         + "done\n", "IAM001")
    assert message == (
        "this command deploys 2 event-invoked services that get no roles/run.invoker after this deploy: "
        "Cloud Run service a, called by the Cloud Scheduler job a-job; Cloud Run service b, called by the "
        "Cloud Scheduler job b-job; each is invoked as serviceAccount:job@p.iam.gserviceaccount.com")


def test_iam006_closes_the_callers_clause_before_callable() -> None:
    public = RUN_SVC.replace("--no-allow-unauthenticated", "--allow-unauthenticated")
    assert messages(HEAD + public + JOB, "IAM006") == [
        "--allow-unauthenticated makes Cloud Run service orders, called by the Cloud Scheduler job nightly, "
        "callable by anyone; only its invoker needs access"]
    grant = "gcloud run services add-iam-policy-binding orders --region=us-west2 --project=p " \
            "--member=allUsers --role=roles/run.invoker\n"
    assert messages(HEAD + RUN_SVC + JOB + grant, "IAM006") == [
        "allUsers makes Cloud Run service orders, called by the Cloud Scheduler job nightly, callable by anyone"]


def test_iam001_names_the_identity_flag_of_the_invoker_that_sends_none() -> None:
    # a Scheduler job without --oidc-service-account-email was told to add --push-auth-service-account
    job = JOB.replace(" --oidc-service-account-email=job@p.iam.gserviceaccount.com", "")
    [finding] = [f for f in lint_snippet(HEAD + RUN_SVC + job).reported if f.code == "IAM001"]
    assert (finding.message, finding.fix) == (
        "Cloud Run service orders, called by the Cloud Scheduler job nightly, is invoked with no identity "
        "(no --oidc-service-account-email): a private Cloud Run service rejects its requests",
        "add --oidc-service-account-email=SA_EMAIL and grant SA roles/run.invoker")


@pytest.mark.parametrize(("flags", "detail"), [
    ('--member="$M" --role="$R"', "member or role"),
    ('--member="$M" --role=roles/run.invoker', "member"),
    ('--member="$M" --role="$R" --project="$P"', "member, role, region or project"),
])
def test_iam009_lists_what_is_unknown_as_a_sentence(flags: str, detail: str) -> None:
    # "member, role not known statically" read as a list cut short
    script = HEAD + f"gcloud run services add-iam-policy-binding orch --region=us-west2 --project=p {flags}\n"
    result = lint_snippet(script, select=["IAM009"])
    assert [f.message for f in result.reported] == [f"cannot verify this binding: {detail} not known statically"]


# A Cloud Tasks HTTP task calls its --url with an OIDC token of --oidc-service-account-email, as a
# Scheduler job does: that account needs roles/run.invoker on the service (it passed in silence).
TASK = ("gcloud tasks create-http-task warmup --queue=orders-q --location=us-west2 --project=p "
        '--url="$(gcloud run services describe orders --region=us-west2 --project=p --format=\'value(status.url)\')/warm" '
        "--oidc-service-account-email=tasks@p.iam.gserviceaccount.com\n")
TASK_BIND = ("gcloud run services add-iam-policy-binding orders --region=us-west2 --project=p "
             '--member="serviceAccount:tasks@p.iam.gserviceaccount.com" --role=roles/run.invoker\n')


@pytest.mark.parametrize(("script", "expected"), [
    (HEAD + RUN_SVC + TASK, [("IAM001", 2, "Cloud Run service orders, called by the Cloud Tasks task warmup, is invoked "
                               "as serviceAccount:tasks@p.iam.gserviceaccount.com, which gets no roles/run.invoker on "
                               "service orders after this deploy")]),
    (HEAD + RUN_SVC + TASK_BIND + TASK, []),
    (HEAD + RUN_SVC + TASK.replace("warmup ", "").replace(" --oidc-service-account-email=tasks@p.iam.gserviceaccount.com",
                                                          ""),
     [("IAM001", 2, "Cloud Run service orders, called by the Cloud Tasks task, is invoked with no identity "
                    "(no --oidc-service-account-email): a private Cloud Run service rejects its requests")]),
], ids=["unbound", "bound", "no-identity-no-id"])
def test_cloud_tasks_http_task_is_an_invoker(script: str, expected: list[tuple[str, int, str]]) -> None:
    assert [(f.code, f.span.start_line, f.message) for f in lint_snippet(script).reported
            if f.code.startswith("IAM")] == expected


# A Cloud Tasks queue whose overrides send every HTTP task to one service with one identity
# (`queues create|update --http-uri-override=...,host:H --http-oidc-service-account-email-override=SA`):
# SA needs roles/run.invoker there. The host, when the script cuts it from the URL with sed, is
# unknown: the token's audience override (the service URL) names the service then.
QUEUE_URL = "$(gcloud run services describe orders --region=us-west2 --project=p --format='value(status.url)')"
QUEUE = ("gcloud tasks queues update orders-q --location=us-west2 --project=p "
         "--http-uri-override=scheme:https,host:orders-x7k2m9p4qa-uw.a.run.app,path:/tasks/run "
         "--http-oidc-service-account-email-override=tasks@p.iam.gserviceaccount.com\n")
QUEUE_BY_AUDIENCE = (f'URL="{QUEUE_URL}"\nHOST="$(echo "$URL" | sed -E \'s#https?://([^/]+)/?#\\1#\')"\n'
                     'gcloud tasks queues create orders-q --location=us-west2 --project=p '
                     '--http-uri-override="scheme:https,host:$HOST,path:/tasks/run" '
                     '--http-oidc-service-account-email-override=tasks@p.iam.gserviceaccount.com '
                     '--http-oidc-token-audience-override="$URL"\n')
UNBOUND_QUEUE = [("IAM001", 2, "Cloud Run service orders, called by the Cloud Tasks queue orders-q, is invoked as "
                               "serviceAccount:tasks@p.iam.gserviceaccount.com, which gets no roles/run.invoker on "
                               "service orders after this deploy")]


@pytest.mark.parametrize(("script", "expected"), [
    (HEAD + RUN_SVC + QUEUE, UNBOUND_QUEUE),
    (HEAD + RUN_SVC + TASK_BIND + QUEUE, []),
    (HEAD + RUN_SVC + QUEUE_BY_AUDIENCE, UNBOUND_QUEUE),
    (HEAD + RUN_SVC + TASK_BIND + QUEUE_BY_AUDIENCE, []),
    # no identity override: each task sends its own (created by the application, not seen here)
    (HEAD + RUN_SVC + QUEUE.replace(" --http-oidc-service-account-email-override=tasks@p.iam.gserviceaccount.com", ""),
     []),
    # an identity override only: the tasks' URLs are the application's, the service is not known
    (HEAD + RUN_SVC + QUEUE.replace(" --http-uri-override=scheme:https,host:orders-x7k2m9p4qa-uw.a.run.app,"
                                    "path:/tasks/run", ""), []),
], ids=["host-unbound", "host-bound", "audience-unbound", "audience-bound", "no-identity", "no-target"])
def test_cloud_tasks_queue_overrides_are_an_invoker(script: str, expected: list[tuple[str, int, str]]) -> None:
    assert [(f.code, f.span.start_line, f.message) for f in lint_snippet(script).reported
            if f.code.startswith("IAM")] == expected
