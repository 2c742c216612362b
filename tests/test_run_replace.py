"""`gcloud run services replace FILE` deploys the Cloud Run service its Knative manifest names
(metadata.name), in --region, else the manifest's cloud.googleapis.com/location label, else
run/region. Before, it was not a deploy: a binding after it ran before no deploy (IAM002 never
fired), a push subscription's IAM001 said "anywhere in the script", and COV001 said a required
service deployed this way was "not deployed by any linted script". A manifest the analysis cannot
read as the script would (not in the project, rendered by the script itself, a placeholder name)
deploys a service it cannot name: nothing is compared with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import shlint

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "push@acme-prod.iam.gserviceaccount.com"
MANIFEST = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: orders
  labels:
    cloud.googleapis.com/location: us-west2
  annotations:
    run.googleapis.com/ingress: all
spec:
  template:
    spec:
      serviceAccountName: orders-runtime@acme-prod.iam.gserviceaccount.com
      containers:
      - image: us-docker.pkg.dev/acme-prod/apps/orders:1.4.2
"""
HEAD = "#!/bin/bash\nset -euo pipefail\n"
REPLACE = "gcloud run services replace service.yaml --project=acme-prod\n"
BIND = (f'gcloud run services add-iam-policy-binding orders --region=us-west2 --project=acme-prod '
        f'--member="serviceAccount:{SA}" --role=roles/run.invoker\n')
PUSH = ("URL=$(gcloud run services describe orders --region=us-west2 --project=acme-prod "
        "--format='value(status.url)')\n"
        'gcloud pubsub subscriptions create orders-push --topic=orders --project=acme-prod --push-endpoint="$URL/push" '
        f"--push-auth-service-account={SA}\n")
UNBOUND = (f"Cloud Run service orders, called by the Pub/Sub push subscription orders-push, is invoked as "
           f"serviceAccount:{SA}, which gets no roles/run.invoker on service orders after this deploy")


def lint(folder: Path, script: str, files: dict[str, str] | None = None, **config: object) -> list[tuple[str, int, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)
    (folder / "deploy.sh").write_text(script)
    for name, text in ({"service.yaml": MANIFEST} if files is None else files).items():
        (folder / name).write_text(text)
    result = Linter(Config(**config)).lint_paths([str(folder / "deploy.sh")])  # type: ignore[arg-type]
    return [(f.code, f.span.start_line, f.message) for f in result.reported]


def test_replace_then_binding_is_a_deploy_with_its_binding(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + REPLACE + BIND + PUSH) == []


def test_push_subscription_without_binding_is_reported_at_the_replace(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + REPLACE + PUSH) == [("IAM001", 3, UNBOUND)]


def test_binding_before_the_replace_that_creates_the_service(tmp_path: Path) -> None:
    assert [(c, line) for c, line, _ in lint(tmp_path, HEAD + BIND + REPLACE + PUSH)] == [("IAM002", 3)]


def test_region_flag_wins_over_the_label(tmp_path: Path) -> None:
    script = HEAD + REPLACE.replace("--project", "--region=europe-west1 --project") + BIND + PUSH
    found = lint(tmp_path, script)
    assert [(c, line) for c, line, _ in found] == [("IAM003", 4)]
    assert "it targets region us-west2 instead of europe-west1" in found[0][2]


def test_without_flag_or_label_the_region_is_run_region(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("  labels:\n    cloud.googleapis.com/location: us-west2\n", "")
    script = HEAD + "gcloud config set run/region europe-west1\n" + REPLACE + BIND + PUSH
    found = lint(tmp_path, script, {"service.yaml": manifest})
    assert [(c, line) for c, line, _ in found] == [("IAM003", 5)]
    assert "it targets region us-west2 instead of europe-west1" in found[0][2]


def test_required_resource_deployed_by_replace_is_covered(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + REPLACE + BIND + PUSH, required_resources=["orders"]) == []


def test_dry_run_deploys_nothing(tmp_path: Path) -> None:
    script = HEAD + "gcloud run services replace --dry-run service.yaml --project=acme-prod\n" + PUSH
    assert [(c, line) for c, line, _ in lint(tmp_path, script)] == [("IAM001", 5)]  # at the subscription


TEMPLATE = MANIFEST.replace("name: orders", "name: ${SERVICE}").replace("location: us-west2", "location: ${REGION}")
RENDER = 'export SERVICE=orders REGION=us-west2\nenvsubst < service.tpl.yaml > service.yaml\n'
STALE = MANIFEST.replace("us-west2", "europe-west1")  # a render for another environment, left in the checkout


@pytest.mark.parametrize(("script", "files"), [
    # rendered by the script: the copy in the checkout (rendered for another region) is not what gcloud
    # reads; read, it would put the binding in the wrong region (IAM003)
    (HEAD + RENDER + REPLACE + BIND + PUSH, {"service.tpl.yaml": TEMPLATE, "service.yaml": STALE}),
    (HEAD + RENDER + REPLACE + BIND + PUSH, {"service.tpl.yaml": TEMPLATE}),
    (HEAD + "deploy() {\n  envsubst < service.tpl.yaml > \"$1\"\n  gcloud run services replace \"$1\" "
     "--project=acme-prod\n}\nexport SERVICE=orders REGION=us-west2\ndeploy service.yaml\n" + BIND + PUSH,
     {"service.tpl.yaml": TEMPLATE, "service.yaml": STALE}),
    (HEAD + "sed -i \"s/europe-west1/us-west2/\" service.yaml\n" + REPLACE + BIND + PUSH, {"service.yaml": STALE}),
    # placeholders: the file is not what gets deployed as it stands
    (HEAD + REPLACE.replace("service.yaml", "service.tpl.yaml") + BIND + PUSH,
     {"service.tpl.yaml": MANIFEST.replace("location: us-west2", "location: ${REGION}")}),
], ids=["rendered-over-a-stale-copy", "rendered", "rendered-in-a-function", "edited-in-place", "placeholder"])
def test_a_manifest_the_script_renders_is_an_unknown_service(script: str, files: dict[str, str],
                                                              tmp_path: Path) -> None:
    assert lint(tmp_path, script, files) == []
    assert [(c, line) for c, line, _ in lint(tmp_path / "x", script.replace(BIND, ""), files)] == [
        ("IAM001", script.count("\n") - 1)]  # no binding: reported at the subscription, as for any unknown name


def test_a_manifest_not_in_the_project_is_a_notice_and_an_unknown_service(tmp_path: Path) -> None:
    script = HEAD + REPLACE.replace("service.yaml", "k8s/missing.yaml") + BIND + PUSH
    # SH001 (info, on by default) says where the analysis stopped; nothing else is reported
    assert lint(tmp_path, script, {}) == [("SH001", 3, "service manifest not followed: k8s/missing.yaml: not found")]


def test_the_cache_sees_the_manifest_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHLINT_IAM_CACHE_DIR", raising=False)
    lint(tmp_path, HEAD + REPLACE + BIND + PUSH)
    first = shlint("check", "-f", "concise", "deploy.sh", cwd=tmp_path)
    assert first.stdout.count("IAM0") == 0, first.stdout
    (tmp_path / "service.yaml").write_text(MANIFEST.replace("us-west2", "europe-west1"))
    second = shlint("check", "-f", "concise", "deploy.sh", cwd=tmp_path)
    assert "IAM003" in second.stdout


def test_a_replace_in_a_sourced_file_of_a_script_that_names_none_is_an_unknown_service(tmp_path: Path) -> None:
    # the script's writes are recorded only when its text names `replace`: otherwise a manifest is not read
    lib = "deploy_orders() {\n  " + REPLACE + "}\n"
    script = HEAD + 'source "$(dirname "$0")/lib.sh"\ndeploy_orders\n' + PUSH
    assert [(c, line) for c, line, _ in lint(tmp_path, script, {"service.yaml": MANIFEST, "lib.sh": lib})] == [
        ("IAM001", 6)]  # at the subscription, as for any unknown name (read, it would be at lib.sh's replace)


PUBLIC = MANIFEST.replace("    run.googleapis.com/ingress: all\n",
                          "    run.googleapis.com/ingress: all\n    run.googleapis.com/invoker-iam-disabled: 'true'\n")


@pytest.mark.parametrize("value", ["'true'", "true", '"True"'])
def test_a_manifest_that_disables_the_invoker_check_makes_the_service_public(tmp_path: Path, value: str) -> None:
    # as `run deploy --no-invoker-iam-check`: anyone may call it, so no binding is missing (IAM001), but an
    # event-invoked service made public is IAM006, at the manifest's word
    files = {"service.yaml": PUBLIC.replace("'true'", value)}
    assert lint(tmp_path, HEAD + REPLACE + PUSH, files) == [
        ("IAM006", 3, "the annotation run.googleapis.com/invoker-iam-disabled of service.yaml makes Cloud Run service "
                      "orders, called by the Pub/Sub push subscription orders-push, callable by anyone; only its "
                      "invoker needs access")]
    found = Linter(Config()).lint_paths([str(tmp_path / "deploy.sh")]).reported
    assert (found[0].span.start_col, found[0].span.end_col) == (29, 41)


def test_a_manifest_that_keeps_the_invoker_check_is_not_public(tmp_path: Path) -> None:
    files = {"service.yaml": PUBLIC.replace("'true'", "'false'")}
    assert lint(tmp_path, HEAD + REPLACE + PUSH, files) == [("IAM001", 3, UNBOUND)]


NO_LABEL = MANIFEST.replace("  labels:\n    cloud.googleapis.com/location: us-west2\n", "")
NO_REGION = ("`gcloud run services replace` has no region: without `--region`, a `cloud.googleapis.com/location` label "
             "in service.yaml, `CLOUDSDK_RUN_REGION` or `gcloud config set run/region` gcloud fails non-interactively "
             "(\"You must specify a region\") unless the configuration it runs with sets run/region; the command never "
             "takes effect")


def test_a_replace_with_no_region_anywhere_is_rejected_as_run_deploy_is(tmp_path: Path) -> None:
    script = HEAD + REPLACE + BIND + PUSH
    assert lint(tmp_path, script, {"service.yaml": NO_LABEL}) == [("GCL001", 3, NO_REGION)]


@pytest.mark.parametrize(("script", "files", "config"), [
    (HEAD + REPLACE + BIND + PUSH, {"service.yaml": MANIFEST}, {}),  # the label
    (HEAD + REPLACE.replace("--project", "--region=us-west2 --project") + BIND + PUSH, {"service.yaml": NO_LABEL}, {}),
    (HEAD + "gcloud config set run/region us-west2\n" + REPLACE + BIND + PUSH, {"service.yaml": NO_LABEL}, {}),
    (HEAD + "export CLOUDSDK_RUN_REGION=us-west2\n" + REPLACE + BIND + PUSH, {"service.yaml": NO_LABEL}, {}),
    (HEAD + REPLACE + BIND + PUSH, {"service.yaml": NO_LABEL}, {"default_region": "us-west2"}),
    (HEAD + RENDER + REPLACE + BIND + PUSH, {"service.tpl.yaml": TEMPLATE}, {}),  # rendered: a label may name it
], ids=["label", "flag", "config-set", "environment", "default-region", "rendered"])
def test_a_replace_that_gets_a_region_is_not_rejected(tmp_path: Path, script: str, files: dict[str, str],
                                                      config: dict[str, object]) -> None:
    assert [c for c, _, _ in lint(tmp_path, script, files, **config)] == []
