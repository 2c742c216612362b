"""GCL001: gcloud commands gcloud itself rejects, at exact places; commands it cannot judge stay silent."""

from __future__ import annotations

import pytest
from ruletest import Case, lint_snippet, triples

from shlint_iam.gcloud.commands import COMMANDS
from shlint_iam.registry import builtin_rules

SA = "serviceAccount:orch@proj.iam.gserviceaccount.com"

CASES = [
    Case("scheduler-name-before-type",
         'gcloud scheduler jobs create BlogScheduler http --location=us-central1 --schedule="0 * * * *" \\\n'
         "  --uri=https://blog-abc123-uw.a.run.app/tick --oidc-service-account-email=sched@proj.iam.gserviceaccount.com\n",
         [("GCL001", 1, 30)], "the command `http` comes before the name"),
    Case("scheduler-right-order",
         'gcloud scheduler jobs create http BlogScheduler --location=us-central1 --schedule="0 * * * *" \\\n'
         "  --uri=https://blog-abc123-uw.a.run.app/tick\n"),
    Case("scheduler-missing-uri", 'gcloud scheduler jobs create http blog --schedule="0 * * * *"\n',
         [("GCL001", 1, 30)], "requires `--uri`"),
    Case("scheduler-unknown-flag", "gcloud scheduler jobs create http blog --schedule=@daily --uri=https://x.example "
         "--oidc-service-account=a@p.iam.gserviceaccount.com\n", [("GCL001", 1, 82)], "has no flag `--oidc-service-account`"),
    Case("sa-binding-without-account",
         f"gcloud iam service-accounts add-iam-policy-binding --member={SA} --role=roles/iam.serviceAccountUser\n",
         [("GCL001", 1, 29)], "needs SERVICE_ACCOUNT"),
    Case("sa-binding-account-after-flags",
         f"gcloud iam service-accounts add-iam-policy-binding --member={SA} --role=roles/iam.serviceAccountUser \\\n"
         "  runner@proj.iam.gserviceaccount.com\n"),
    Case("run-binding-missing-role", f"gcloud run services add-iam-policy-binding orch --region=us-west2 --member={SA}\n",
         [("GCL001", 1, 21)], "requires `--role`"),
    Case("run-binding-missing-both", "gcloud run services add-iam-policy-binding orch --region=us-west2\n",
         [("GCL001", 1, 21)], "requires `--member` and `--role`"),
    Case("functions-binding-missing-member", "gcloud functions add-invoker-policy-binding orch --region=us-west2\n",
         [("GCL001", 1, 18)], "requires `--member`"),
    Case("invoker-binding-has-no-role-flag",
         f"gcloud functions add-invoker-policy-binding orch --region=us-west2 --member={SA} --role=roles/run.invoker\n",
         [("GCL001", 1, 126)], "has no flag `--role`"),
    Case("update-has-no-allow-unauthenticated",
         "gcloud run services update orch --region=us-west2 --allow-unauthenticated\n",
         [("GCL001", 1, 51)], "has no flag `--allow-unauthenticated`"),
    Case("update-has-no-source", "gcloud run services update orch --region=us-west2 --source=.\n", [("GCL001", 1, 51)]),
    Case("deploy-has-allow-unauthenticated", "gcloud run deploy web --region=us-west2 --image=gcr.io/p/web --allow-unauthenticated\n"),
    Case("update-with-its-own-flags", "gcloud run services update orch --region=us-west2 --no-invoker-iam-check --cpu-boost\n"),
    Case("extra-positional", f"gcloud functions add-invoker-policy-binding orch extra --region=us-west2 --member={SA}\n",
         [("GCL001", 1, 50)], "`extra` is one too many"),
    Case("global-flags-anywhere",
         f"gcloud --project=p -q functions --verbosity=debug add-invoker-policy-binding --region us-west2 orch "
         f"--member {SA} --format=json\n"),
    Case("positional-after-value-flags", f"gcloud projects add-iam-policy-binding --member={SA} --role=roles/run.invoker proj\n"),
    Case("beta-track", "gcloud beta run services add-iam-policy-binding orch --region=r --member=allUsers\n",
         [("GCL001", 1, 26)], "`gcloud beta run services add-iam-policy-binding` requires `--role`"),
    Case("alpha-flags-not-judged",
         "gcloud alpha run services add-iam-policy-binding orch --region=r --member=allUsers --role=roles/run.invoker "
         "--some-new-flag=1\n"),
    Case("flags-file-unverifiable", "gcloud run services add-iam-policy-binding orch --flags-file=binding.yaml\n"),
    Case("unknown-command-never-reported", "gcloud run services frobnicate orch --whatever\n"
         "gcloud compute instances create vm-1 --zone=us-central1-a\n"),
    Case("unquoted-unknown-may-split", 'gcloud run services add-iam-policy-binding orch $BINDING_ARGS\n'),
    Case("quoted-unknown-is-one-word", 'gcloud functions add-invoker-policy-binding "$FN" "$EXTRA" --member="$M"\n',
         [("GCL001", 1, 51)]),
    Case("missing-name-of-deploy", "gcloud functions deploy --gen2 --region=us-west2 --trigger-topic=done --runtime=python312\n",
         [("GCL001", 1, 18)], "needs NAME"),
    Case("pubsub-missing-topic",
         "gcloud pubsub subscriptions create orch-push --push-endpoint=https://orch-abc123-uw.a.run.app\n",
         [("GCL001", 1, 29)], "requires `--topic`"),
    Case("pubsub-several-subscriptions", "gcloud pubsub subscriptions create a b c --topic=t\n"),
    Case("set-iam-policy-needs-file", "gcloud run services set-iam-policy orch --region=r\n",
         [("GCL001", 1, 21)], "needs POLICY_FILE"),
    Case("bool-flag-negation", f"gcloud functions add-invoker-policy-binding orch --no-gen2 --member={SA}\n"),
    # Tables checked flag by flag against the reference pages (docs/gcloud-facts.md, "Command shapes").
    Case("functions-delete-valid", "gcloud functions delete orch --gen2 --region=us-west2 --quiet\n"
         "gcloud functions delete legacy --no-gen2 --region us-central1 -q\n"),
    Case("functions-delete-zone", "gcloud functions delete orch --zone=us-west2 -q\n",
         [("GCL001", 1, 30)], "`gcloud functions delete` has no flag `--zone`"),
    Case("run-services-delete-valid",
         "gcloud run services delete orch --region us-west2 --platform=managed --async --quiet\n"),
    Case("run-services-delete-force", "gcloud run services delete orch --region us-west2 --force\n",
         [("GCL001", 1, 51)], "`gcloud run services delete` has no flag `--force`"),
    Case("scheduler-update-valid",
         'gcloud scheduler jobs update http tick --location=us-central1 --schedule="*/5 * * * *" \\\n'
         "  --uri=https://orch-abc123-uw.a.run.app/tick --oidc-service-account-email=sched@proj.iam.gserviceaccount.com \\\n"
         "  --update-headers=Content-Type=application/json --clear-message-body --max-retry-attempts=3\n"),
    Case("scheduler-update-has-no-headers",
         "gcloud scheduler jobs update http tick --location=us-central1 --headers=Content-Type=application/json\n",
         [("GCL001", 1, 63)], "`gcloud scheduler jobs update http` has no flag `--headers`"),
    Case("workflows-deploy-valid",
         "gcloud workflows deploy orch --location=us-central1 --source=workflow.yaml "
         "--service-account=wf@proj.iam.gserviceaccount.com --call-log-level=log-errors-only "
         "--set-env-vars=STAGE=prod --kms-key=projects/p/locations/us-central1/keyRings/k/cryptoKeys/c\n"),
    Case("workflows-deploy-region", "gcloud workflows deploy orch --region=us-central1 --source=workflow.yaml\n",
         [("GCL001", 1, 30)], "`gcloud workflows deploy` has no flag `--region`"),
    Case("service-account-create-valid",
         'gcloud iam service-accounts create orch-invoker --display-name="Orch invoker" --description="Calls orch"\n'),
    Case("service-account-create-underscore",
         'gcloud iam service-accounts create orch-invoker --display_name="Orch invoker"\n',
         [("GCL001", 1, 49)], "`gcloud iam service-accounts create` has no flag `--display_name`"),
    Case("eventarc-update-valid",
         "gcloud eventarc triggers update orch-trigger --location=us-west2 --destination-run-service=orch "
         "--clear-destination-run-path --update-labels=team=data --clear-service-account\n"),
    Case("eventarc-update-hidden-destinations-valid",
         "gcloud eventarc triggers update t --location=us-west2 --destination-run-job=j --async\n"
         "gcloud eventarc triggers update t --location=us-west2 --destination-function=f "
         "--destination-function-location=us-east1 --labels=a=b\n"),
    Case("eventarc-update-typo",
         "gcloud eventarc triggers update t --location=us-west2 --destination-run-servce=orch\n",
         [("GCL001", 1, 55)], "`gcloud eventarc triggers update` has no flag `--destination-run-servce`"),
    Case("pubsub-update-valid",
         "gcloud pubsub subscriptions update orch-push --push-endpoint=https://orch-abc123-uw.a.run.app "
         "--push-auth-service-account=push@proj.iam.gserviceaccount.com --clear-retry-policy --ack-deadline=60\n"),
    Case("eventarc-delete-valid", "gcloud eventarc triggers delete orch-trigger --location=us-west2 --async -q\n"),
    Case("eventarc-delete-region", "gcloud eventarc triggers delete orch-trigger --region=us-west2 -q\n",
         [("GCL001", 1, 46)], "`gcloud eventarc triggers delete` has no flag `--region`"),
    Case("modify-push-config-valid",
         "gcloud pubsub subscriptions modify-push-config orch-push --push-endpoint=https://orch-x7k2m9p4qa-uw.a.run.app "
         "--push-auth-service-account=push@proj.iam.gserviceaccount.com --push-no-wrapper\n"),
    Case("modify-push-config-audience-typo",
         "gcloud pubsub subscriptions modify-push-config orch-push --push-endpoint=https://orch-x7k2m9p4qa-uw.a.run.app "
         "--push-auth-audience=https://orch-x7k2m9p4qa-uw.a.run.app\n",
         [("GCL001", 1, 111)], "has no flag `--push-auth-audience`"),
    Case("scheduler-pubsub-valid",
         'gcloud scheduler jobs create pubsub nightly --location=us-west2 --schedule="0 3 * * *" --topic=jobs '
         '--message-body="{}" --max-retry-attempts=3 --min-backoff=10s --time-zone=Europe/Paris\n'),
    Case("scheduler-pubsub-has-no-uri",
         'gcloud scheduler jobs create pubsub nightly --location=us-west2 --schedule="0 3 * * *" --topic=jobs '
         '--message-body="{}" --oidc-service-account-email=sched@proj.iam.gserviceaccount.com\n',
         [("GCL001", 1, 121)], "`gcloud scheduler jobs create pubsub` has no flag `--oidc-service-account-email`"),
    Case("scheduler-delete-valid", "gcloud scheduler jobs delete nightly --location=us-west2 --quiet\n"),
    Case("scheduler-delete-region", "gcloud scheduler jobs delete nightly --region=us-west2 --quiet\n",
         [("GCL001", 1, 38)], "`gcloud scheduler jobs delete` has no flag `--region`"),
    Case("replace-valid", "gcloud run services replace service.yaml --region=us-west2 --platform=managed --async\n"),
    Case("replace-has-no-allow-unauthenticated",
         "gcloud run services replace service.yaml --region=us-west2 --allow-unauthenticated\n",
         [("GCL001", 1, 60)], "`gcloud run services replace` has no flag `--allow-unauthenticated`"),
    Case("project-set-iam-policy-valid", "gcloud projects set-iam-policy proj policy.json --quiet\n"),
    Case("project-set-iam-policy-format-typo", "gcloud projects set-iam-policy proj policy.json --policy-format=json\n",
         [("GCL001", 1, 49)], "`gcloud projects set-iam-policy` has no flag `--policy-format`"),
    Case("subscriptions-delete-valid", "gcloud pubsub subscriptions delete orch-push orch-pull --quiet\n"),
    Case("subscriptions-delete-topic", "gcloud pubsub subscriptions delete orch-push --topic=jobs\n",
         [("GCL001", 1, 46)], "`gcloud pubsub subscriptions delete` has no flag `--topic`"),
    Case("eventarc-create-valid",
         "gcloud eventarc triggers create orch-audit --location=us-west2 --destination-run-service=orch "
         "--destination-run-region=us-west2 --destination-run-path=/events "
         "--event-filters=type=google.cloud.audit.log.v1.written --event-filters=serviceName=storage.googleapis.com "
         "--service-account=trigger@proj.iam.gserviceaccount.com --async\n"),
    Case("eventarc-create-event-filter-singular",
         "gcloud eventarc triggers create orch-audit --location=us-west2 --destination-run-service=orch "
         "--event-filters=type=google.cloud.audit.log.v1.written --event-filter=serviceName=storage.googleapis.com\n",
         [("GCL001", 1, 150)], "`gcloud eventarc triggers create` has no flag `--event-filter`"),
    # functions deploy, checked whole: realistic lines from real scripts (realcorpus 16_, 07_, 08_ and b3/), then typos.
    Case("functions-deploy-storage-gen2-valid",
         "gcloud functions deploy gcs-trigger-function \\\n  --gen2 \\\n  --memory=128MiB \\\n"
         '  --trigger-event-filters="type=google.cloud.storage.object.v1.finalized" \\\n'
         '  --trigger-event-filters="bucket=my-new-project-bucket-123" \\\n'
         "  --entry-point=main \\\n  --runtime python39 \\\n  --region us-east1 \\\n  --allow-unauthenticated\n"),
    Case("functions-deploy-legacy-trigger-valid",
         "gcloud functions deploy fn --no-gen2 --region=asia-northeast1 --runtime=python37 "
         "--trigger-event=google.pubsub.topic.publish --trigger-resource=reactions --timeout=540s --memory=256MB "
         "--env-vars-file=.env.yaml --set-secrets=TOKEN=token:latest --max-instances=3 --retry --ingress-settings=all "
         "--vpc-connector=conn --egress-settings=private-ranges-only --service-account=fn@proj.iam.gserviceaccount.com\n"),
    Case("functions-deploy-older-release-flags-valid",
         "gcloud functions deploy fn --region=us-central1 --trigger-provider=cloud.pubsub --trigger-event=topic.publish "
         "--trigger-resource=jobs --local-path=. --stage-bucket=gs://stage\n"),
    Case("functions-deploy-trigger-topic-typo",
         "gcloud functions deploy fn --gen2 --region=us-central1 --runtime=python312 --tigger-topic=jobs\n",
         [("GCL001", 1, 76)], "`gcloud functions deploy` has no flag `--tigger-topic`"),
    Case("functions-deploy-underscore-flag",
         "gcloud functions deploy fn --gen2 --region=us-central1 --runtime=python312 --trigger_topic=jobs\n",
         [("GCL001", 1, 76)], "`gcloud functions deploy` has no flag `--trigger_topic`"),
    Case("functions-deploy-beta-flags-not-judged",
         "gcloud beta functions deploy fn --region=us-central1 --trigger-http --alow-unauthenticated\n",
         []),
    Case("functions-deploy-typo-alpha-not-judged",
         "gcloud alpha functions deploy fn --region=us-central1 --trigger-http --buildpack-stack=google-22\n"),
    # A boolean flag takes no value (gcloud-iam.md 1.1 [EMP]: "ignored explicit argument 'true'").
    Case("bool-flag-with-value",
         "gcloud functions deploy fn --gen2 --region=us-central1 --trigger-http --allow-unauthenticated=true\n",
         [("GCL001", 1, 71)], "`--allow-unauthenticated` is a boolean flag and takes no value"),
    Case("negated-bool-flag-with-value",
         "gcloud run deploy web --region=us-west2 --image=gcr.io/p/web --no-allow-unauthenticated=yes\n",
         [("GCL001", 1, 62)], "ignored explicit argument 'yes'"),
    Case("value-flag-with-value-valid",
         "gcloud run deploy web --region=us-west2 --image=gcr.io/p/web --max-instances=3 --no-allow-unauthenticated\n"),
    # `gcloud run deploy` / `run services update` checked whole (surface/run/deploy.py, update.py; run/flags.py).
    Case("run-deploy-typo",
         "gcloud run deploy web --region=us-west2 --image=gcr.io/p/web --alow-unauthenticated\n",
         [("GCL001", 1, 62)], "`gcloud run deploy` has no flag `--alow-unauthenticated`"),
    Case("run-deploy-functions-flag",
         "gcloud run deploy web --region=us-west2 --source=. --entry-point=main\n",
         [("GCL001", 1, 52)], "`gcloud run deploy` has no flag `--entry-point`"),
    Case("run-deploy-every-kind-of-flag",
         "gcloud run deploy web --region=us-west2 --source=. --function=main --base-image=python312 \\\n"
         "  --no-allow-unauthenticated --no-invoker-iam-check --clear-build-service-account --clear-build-worker-pool \\\n"
         "  --clear-build-env-vars --set-build-env-vars=A=1 --no-cpu-throttling --min=1 --max=3 --scaling=auto \\\n"
         "  --add-volume=name=v,type=in-memory --add-volume-mount=volume=v,mount-path=/v --container=side \\\n"
         "  --image=gcr.io/p/side --startup-probe=tcpSocket.port=8080 --execution-environment=gen2 --platform=managed \\\n"
         "  --no-allow-unencrypted-build --update-annotations=a=b --service-min-instances=1 --quiet\n"),
    Case("run-services-update-typo",
         "gcloud run services update web --region=us-west2 --memmory=1Gi\n",
         [("GCL001", 1, 50)], "`gcloud run services update` has no flag `--memmory`"),
    Case("run-services-update-build-flag",
         "gcloud run services update web --region=us-west2 --clear-build-worker-pool\n",
         [("GCL001", 1, 50)], "has no flag `--clear-build-worker-pool`"),
    # A flag that takes a value gets none: bash drops an empty unquoted word, and argparse reads the next
    # flag (or the end) where the value should be: "argument --region: expected one argument" (gcloud-iam.md 1.1).
    Case("empty-unquoted-value-before-a-flag",
         "SERVICE_NAME=\nGCP_REGION=\nGCP_PROJECT_ID=\n\ngcloud run deploy $SERVICE_NAME \\\n  --source . \\\n"
         "  --allow-unauthenticated \\\n  --region $GCP_REGION \\\n  --project $GCP_PROJECT_ID\n",
         [("GCL001", 8, 3)], "`--region` gets no value: `$GCP_REGION` is empty here, bash drops an empty unquoted word, "
         "and the next argument `--project` is a flag: gcloud rejects the whole command "
         "(\"argument --region: expected one argument\")"),
    Case("empty-unquoted-value-at-the-end",
         "P=\ngcloud run deploy web --region=us-west2 --image=gcr.io/p/web --project $P\n",
         [("GCL001", 2, 62)], "and `--project` is the last argument"),
    Case("empty-unquoted-global-value-unknown-command",
         "P=\ngcloud services enable run.googleapis.com --project $P\n",
         [("GCL001", 2, 43)], "`gcloud services enable`: `--project` gets no value"),
    Case("flag-where-a-value-should-be",
         "gcloud run deploy web --image=gcr.io/p/web --region --project p\n",
         [("GCL001", 1, 44)], "`--region` takes a value but gets none (the next argument `--project` is a flag)"),
    Case("empty-value-after-equals-is-a-value",  # argparse takes '' for --region=: gcloud then has no region
         "R=\ngcloud run deploy web --image=gcr.io/p/web --region=$R\n",
         [("GCL001", 2, 1)], "has no region"),
    Case("empty-quoted-value-is-a-value", 'R=\ngcloud run deploy web --image=gcr.io/p/web --region "$R" --project p\n',
         [("GCL001", 2, 1)], "has no region"),
    Case("unknown-unquoted-value-not-judged", "gcloud run deploy web --image=gcr.io/p/web --region $R --project p\n"),
    Case("flag-of-unknown-arity-first-not-judged",  # an incomplete table: `--new-flag` may take `--push-endpoint`
         "E=\ngcloud pubsub subscriptions update s --new-flag --push-endpoint $E --ack-deadline 10\n"),
    Case("unknown-flag-first-in-a-complete-table",  # argparse: `--new-flag` is left over, `--location` fails first
         "L=\ngcloud eventarc triggers update t --new-flag --location $L --destination-run-service s\n",
         [("GCL001", 2, 46)], "`--location` gets no value"),
    Case("negative-number-is-a-value",
         "gcloud run deploy web --region=us-west2 --image=gcr.io/p/web --max-instances -1\n"),
    # `run deploy`, `run services update|delete` check the name first (flags.ValidateResource).
    Case("run-deploy-underscore-name",
         "gcloud run deploy my_func --region=us-west2 --image=gcr.io/p/web\n",
         [("GCL001", 1, 19)], "`my_func` is not a Cloud Run service name"),
    Case("run-services-update-uppercase-name",
         "SERVICE=OrderApi\ngcloud run services update $SERVICE --region=us-west2 --cpu-boost\n",
         [("GCL001", 2, 28)], "gcloud rejects the command (\"Invalid resource name [OrderApi]\")"),
    Case("run-services-delete-valid-names",
         "gcloud run services delete web-2 --region=us-west2 -q\n"
         "gcloud run services delete projects/p/locations/us-west2/services/web -q\n"),
    Case("function-called-twice-reports-once",
         'grant() {\n  gcloud run services add-iam-policy-binding "$1" --region=us-west2 --member="$2"\n}\n'
         f"grant orch {SA}\ngrant web {SA}\n", [("GCL001", 2, 23)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gcl001(case: Case) -> None:
    assert triples(case.script, ("GCL",)) == sorted(case.expected)
    if case.message and case.expected:
        first = next(f for f in lint_snippet(case.script).reported if f.code == "GCL001")
        assert case.message in first.message


def test_fix_shows_the_order_gcloud_wants() -> None:
    script = ('gcloud scheduler jobs create BlogScheduler http --schedule="0 * * * *" --uri=https://x.example/t\n')
    finding = next(f for f in lint_snippet(script).reported if f.code == "GCL001")
    assert finding.fix is not None and finding.fix.startswith("gcloud scheduler jobs create http BlogScheduler")


def test_update_headers_is_the_fix_for_headers_on_update() -> None:
    # One argument array shared by `create http` and `update http` (a real deploy script's bug: the
    # update, run once the job exists, fails with "unrecognized arguments: --headers=...").
    script = ('ARGS=(--location=us-west2 --schedule="0 * * * *" --uri=https://orch-x7k2m9p4qa-uw.a.run.app/tick '
              '--headers=Content-Type=application/json)\n'
              'if gcloud scheduler jobs describe tick --location=us-west2; then\n'
              '  gcloud scheduler jobs update http tick "${ARGS[@]}"\n'
              'else\n'
              '  gcloud scheduler jobs create http tick "${ARGS[@]}"\n'
              'fi\n')
    found = [(f.code, f.span.start_line, f.fix) for f in lint_snippet(script).reported if f.code == "GCL001"]
    assert found == [("GCL001", 3, "use `--update-headers=KEY=VALUE,...` (`--headers` is `create http`'s)")]


@pytest.mark.parametrize("script", [
    "gcloud workflows deploy orch --region=us-central1 --source=workflow.yaml\n",
    "gcloud eventarc triggers delete orch-trigger --region=us-west2 -q\n",
    "gcloud scheduler jobs delete nightly --region us-west2 --quiet\n",
])
def test_region_on_a_location_command_points_at_location(script: str) -> None:
    (finding,) = [f for f in lint_snippet(script).reported if f.code == "GCL001"]
    assert finding.fix == "use `--location`: this command places its resource with `--location`, not `--region`"


def test_without_errexit_the_rejected_step_is_also_unchecked() -> None:
    script = "#!/bin/bash\ngcloud run services update orch --region=us-west2 --allow-unauthenticated\necho done\n"
    assert triples(script) == [("ERR001", 2, 1), ("GCL001", 2, 51)]


def test_bool_flag_with_false_says_to_negate_it() -> None:
    script = "gcloud run deploy web --region=us-west2 --image=gcr.io/p/web --allow-unauthenticated=false\n"
    (finding,) = [f for f in lint_snippet(script).reported if f.code == "GCL001"]
    assert finding.fix == "write `--no-allow-unauthenticated`"


def test_rule_page_documents_every_known_command() -> None:
    rule = next(r for r in builtin_rules() if r.code == "GCL001")
    page = rule.docs()
    for spec in COMMANDS.values():
        assert f"`gcloud {spec.command}`" in page
        assert spec.reference.startswith("https://cloud.google.com/sdk/gcloud/reference/")
    assert "| `gcloud run services update` |" in page and "`--allow-unauthenticated`" in page
