"""Regions and projects as gcloud resolves them: a Cloud Run command with no region is rejected
(GCL001); IAM003 for any deploy a binding names; project-level grants are never lost (no IAM002),
satisfy the requirement (with IAM007), also on some paths (IAM008)."""

from __future__ import annotations

from pathlib import Path

from ruletest import lint_snippet

from shlint_iam.config import Config
from shlint_iam.lint import Linter

HEAD = "set -euo pipefail\n"
SA = "serviceAccount:orch@proj.iam.gserviceaccount.com"
RUN_DEPLOY = "gcloud run deploy web --image=gcr.io/proj/web --region=us-west2 --project=proj\n"
RUN_BIND_NO_REGION = f"gcloud run services add-iam-policy-binding web --project=proj --member={SA} --role=roles/run.invoker\n"
EVENT = ("gcloud functions deploy orch --gen2 --region=us-west2 --project=proj --trigger-topic=done "
         "--trigger-service-account=orch@proj.iam.gserviceaccount.com\n")
PROJECT_GRANT = f"gcloud projects add-iam-policy-binding proj --member={SA} --role=roles/run.invoker\n"


def found(script: str, config: Config | None = None) -> list[tuple[str, int, int]]:
    return sorted((f.code, f.span.start_line, f.span.start_col) for f in lint_snippet(script, config=config).reported
                  if f.code.startswith(("IAM", "GCL")))


def test_run_binding_without_any_region_is_rejected_by_gcloud() -> None:
    script = HEAD + RUN_DEPLOY + RUN_BIND_NO_REGION
    assert found(script) == [("GCL001", 3, 1)]
    finding = next(f for f in lint_snippet(script).reported if f.code == "GCL001")
    assert "You must specify a region" in finding.message and "CLOUDSDK_RUN_REGION" in finding.message


def test_run_deploy_update_and_delete_without_any_region_are_rejected_by_gcloud() -> None:
    # docs/gcloud-iam.md 2.2: `gcloud run deploy` and `run services update` have no default region;
    # non-interactively gcloud fails, so the service is never deployed.
    deploy = RUN_DEPLOY.replace(" --region=us-west2", "")
    assert found(HEAD + deploy) == [("GCL001", 2, 1)]
    assert found(HEAD + "gcloud run services update web --project=proj --cpu-boost\n") == [("GCL001", 2, 1)]
    assert found(HEAD + "gcloud run services delete web --project=proj -q\n") == [("GCL001", 2, 1)]
    finding = next(f for f in lint_snippet(HEAD + deploy).reported if f.code == "GCL001")
    assert finding.message.startswith("`gcloud run deploy` has no region")


def test_run_jobs_without_any_region_are_rejected_by_gcloud() -> None:
    # `gcloud run jobs create|deploy|update|execute` find their region as `run deploy` does
    # (command_lib/run/connection_context.py): without one gcloud fails non-interactively. A real
    # script (eventarc-samples EventListGenerator/setup.sh) sets REGION and never passes it.
    create = "gcloud run jobs create etl --image=gcr.io/proj/etl --tasks=1 --task-timeout=5m\n"
    assert found(HEAD + create) == [("GCL001", 2, 1)]
    finding = next(f for f in lint_snippet(HEAD + create).reported if f.code == "GCL001")
    assert finding.message.startswith("`gcloud run jobs create` has no region")
    assert found(HEAD + "gcloud run jobs deploy etl --image=gcr.io/proj/etl --tasks=1\n") == [("GCL001", 2, 1)]
    assert found(HEAD + "gcloud run jobs update etl --image=gcr.io/proj/etl\n") == [("GCL001", 2, 1)]
    assert found(HEAD + "gcloud run jobs execute etl --wait\n") == [("GCL001", 2, 1)]
    # `run jobs delete` too (surface/run/jobs/delete.py `Run`: GetConnectionContext before anything else)
    assert found(HEAD + "gcloud run jobs delete etl --quiet\n") == [("GCL001", 2, 1)]
    assert found(HEAD + "gcloud run jobs delete etl --region=us-west2 --quiet\n") == []
    assert found(HEAD + "gcloud beta run jobs create etl --image=gcr.io/proj/etl\n") == [("GCL001", 2, 1)]


def test_run_jobs_region_from_flag_config_environment_or_setting() -> None:
    create = "gcloud run jobs create etl --image=gcr.io/proj/etl --tasks=1\n"
    assert found(HEAD + create.replace(" --tasks", " --region us-west2 --tasks")) == []
    assert found(HEAD + "gcloud config set run/region us-west2\n" + create) == []
    assert found(HEAD + "export CLOUDSDK_RUN_REGION=us-west2\n" + create) == []
    assert found(HEAD + "gcloud run jobs create projects/proj/locations/us-west2/jobs/etl --image=gcr.io/p/e\n") == []
    config = Config()
    config.default_region = "us-west2"
    assert found(HEAD + create, config) == []


def test_run_deploy_region_from_config_environment_or_setting() -> None:
    deploy = RUN_DEPLOY.replace(" --region=us-west2", "")
    assert found(HEAD + "gcloud config set run/region us-west2\n" + deploy) == []
    assert found(HEAD + "export CLOUDSDK_RUN_REGION=us-west2\n" + deploy) == []
    config = Config()
    config.default_region = "us-west2"
    assert found(HEAD + deploy, config) == []


def test_run_deploy_to_a_cluster_needs_no_region() -> None:
    deploy = RUN_DEPLOY.replace(" --region=us-west2", " --platform=gke --cluster=c --cluster-location=us-west2-a")
    assert found(HEAD + deploy) == []


def test_functions_deploy_needs_a_region_only_when_gen2_is_explicit() -> None:
    deploy = "gcloud functions deploy api --runtime=python312 --trigger-http --source=. --project=proj\n"
    assert found(HEAD + deploy) == []  # us-central1, the property's built-in default
    assert found(HEAD + deploy.replace("--trigger-http", "--gen2 --trigger-http")) == [("GCL001", 2, 1)]


def test_run_region_from_the_environment_variable() -> None:
    assert found(HEAD + "export CLOUDSDK_RUN_REGION=us-west2\n" + RUN_DEPLOY + RUN_BIND_NO_REGION) == []


def test_run_region_from_gcloud_config() -> None:
    assert found(HEAD + "gcloud config set run/region us-west2\n" + RUN_DEPLOY + RUN_BIND_NO_REGION) == []


def test_run_region_from_the_default_region_setting() -> None:
    config = Config()
    config.default_region = "us-west2"
    assert found(HEAD + RUN_DEPLOY + RUN_BIND_NO_REGION, config) == []


def test_functions_region_does_not_feed_cloud_run() -> None:
    script = HEAD + "export CLOUDSDK_FUNCTIONS_REGION=us-west2\n" + RUN_DEPLOY + RUN_BIND_NO_REGION
    assert found(script) == [("GCL001", 4, 1)]


def test_functions_default_to_us_central1_unless_gen2_is_explicit() -> None:
    plain = f"gcloud functions add-invoker-policy-binding api --project=proj --member={SA}\n"
    assert found(HEAD + plain) == []
    assert found(HEAD + plain.replace("--member", "--gen2 --member")) == [("GCL001", 2, 1)]
    assert found(HEAD + "gcloud config set functions/region us-west2\n" + plain.replace("--member", "--gen2 --member")) \
        == []


def test_unknown_unquoted_arguments_may_carry_the_region() -> None:
    assert found(HEAD + RUN_DEPLOY + "gcloud run services add-iam-policy-binding web $BIND_ARGS\n") == []


def test_iam003_for_a_plain_run_service_in_another_region() -> None:
    bind = RUN_BIND_NO_REGION.replace("--project=proj", "--region=us-east1 --project=proj")
    script = HEAD + RUN_DEPLOY + bind
    assert found(script) == [("IAM003", 3, 1)]
    finding = next(f for f in lint_snippet(script).reported if f.code == "IAM003")
    assert "region us-east1 instead of us-west2" in finding.message


def test_iam003_for_a_plain_run_service_in_another_project() -> None:
    bind = RUN_BIND_NO_REGION.replace("--project=proj", "--region=us-west2 --project=staging")
    assert found(HEAD + RUN_DEPLOY + bind) == [("IAM003", 3, 1)]


def test_project_grant_before_the_deploy_is_not_lost() -> None:
    assert found(HEAD + PROJECT_GRANT + EVENT) == [("IAM007", 2, 103)]


def test_project_grant_survives_delete_and_recreate() -> None:
    script = HEAD + PROJECT_GRANT + EVENT + "gcloud functions delete orch --region=us-west2 --project=proj -q\n" + EVENT
    assert found(script) == [("IAM007", 2, 103)]


def test_project_grant_on_some_paths_is_iam008() -> None:
    script = HEAD + EVENT + 'if [ "${GRANT:-}" = 1 ]; then\n  ' + PROJECT_GRANT + "fi\n"
    assert found(script) == [("IAM007", 4, 105), ("IAM008", 4, 3)]


def test_broad_role_to_an_invoker_anywhere_is_iam007() -> None:
    other = f"gcloud projects add-iam-policy-binding tooling --member={SA} --role=roles/editor\n"
    script = HEAD + EVENT + other
    assert found(script) == [("IAM001", 2, 1), ("IAM007", 3, 106)]


def test_a_file_not_followed_may_set_the_region(tmp_path: Path) -> None:
    # `source ./env.sh` that the analysis cannot read may run `gcloud config set run/region` or
    # export CLOUDSDK_RUN_REGION: a missing region is then no longer certain.
    deploy = RUN_DEPLOY.replace(" --region=us-west2", "")
    script = tmp_path / "deploy.sh"
    script.write_text(HEAD + "source ./env.sh\n" + deploy)
    codes = [(f.code, f.span.start_line) for f in Linter(Config()).lint_paths([str(script)]).reported]
    assert codes == [("SH001", 2)]
    (tmp_path / "env.sh").write_text("PROJECT=proj\n")  # followed, and it sets no region
    codes = [(f.code, f.span.start_line) for f in Linter(Config()).lint_paths([str(script)]).reported]
    assert codes == [("GCL001", 3)]
