"""`gcloud projects set-iam-policy PROJECT POLICY_FILE` replaces the project's whole policy with the
file's (docs/gcloud-facts.md). Before, it was not modelled: a project-level roles/run.invoker in
the file did not count (IAM001, a false alarm), and a file without the project grant the script
made before kept that grant (a silent pass). A project grant is still not lost by a deploy or a
service policy change, but the replacement takes it away and leaves what the service's own policy
says (a binding on the service made before still counts)."""

from __future__ import annotations

from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "orders-trigger@acme-prod.iam.gserviceaccount.com"
HEAD = "#!/bin/bash\nset -euo pipefail\nPROJECT=acme-prod\nREGION=us-east1\n"
DEPLOY = ("gcloud functions deploy order-events --gen2 --runtime=python311 --trigger-topic=orders "
          f"--service-account={SA} --entry-point=main --region=$REGION --project=$PROJECT\n")
GRANT = (f"gcloud projects add-iam-policy-binding $PROJECT --member=serviceAccount:{SA} "
         "--role=roles/run.invoker\n")
RUN_BIND = (f"gcloud run services add-iam-policy-binding order-events --region=$REGION --project=$PROJECT "
            f"--member=serviceAccount:{SA} --role=roles/run.invoker\n")
SET = "gcloud projects set-iam-policy $PROJECT iam/project-policy.yaml\n"
OWNERS = "bindings:\n- role: roles/owner\n  members:\n  - user:admin@acme.example\n"
WITH_SA = OWNERS + f"- role: roles/run.invoker\n  members:\n  - serviceAccount:{SA}\netag: BwYvq2Vt8Xo=\n"


def lint(folder: Path, script: str, policy: str | None = None,
         select: tuple[str, ...] = ("IAM", "SH001")) -> list[tuple[str, int, int, str]]:
    (folder / ".git").mkdir(parents=True, exist_ok=True)
    (folder / "deploy.sh").write_text(script)
    if policy is not None:
        (folder / "iam").mkdir()
        (folder / "iam" / "project-policy.yaml").write_text(policy)
    result = Linter(Config(select=list(select))).lint_paths([str(folder / "deploy.sh")])
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_a_project_policy_without_the_grant_takes_it_away(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + DEPLOY + GRANT + SET, OWNERS) == [
        ("IAM001", 5, 1, f"gen2 function order-events (Pub/Sub topic orders) is invoked as serviceAccount:{SA} "
         "(--service-account), which gets no roles/run.invoker on service order-events after this deploy "
         "(the command at line 7 replaces the project's whole policy)"),
        ("IAM007", 6, 122, f"roles/run.invoker on the whole project lets invoker serviceAccount:{SA} invoke every "
         "Cloud Run service in the project, not only order-events")]


def test_a_project_policy_file_granting_run_invoker_counts(tmp_path: Path) -> None:
    assert lint(tmp_path, HEAD + DEPLOY + SET, WITH_SA) == [
        ("IAM007", 6, 41, f"roles/run.invoker on the whole project lets invoker serviceAccount:{SA} invoke every "
         "Cloud Run service in the project, not only order-events")]


def test_the_same_project_policy_after_the_grant_keeps_it(tmp_path: Path) -> None:
    assert [c for c, *_ in lint(tmp_path, HEAD + DEPLOY + GRANT + SET, WITH_SA)] == ["IAM007", "IAM007"]


def test_a_service_binding_outlives_the_project_policy(tmp_path: Path) -> None:
    assert [c for c, *_ in lint(tmp_path, HEAD + DEPLOY + RUN_BIND + GRANT + SET, OWNERS)] == ["IAM007"]


def test_a_policy_read_and_edited_by_the_script_keeps_the_earlier_grant(tmp_path: Path) -> None:
    script = (HEAD + DEPLOY + GRANT + "gcloud projects get-iam-policy $PROJECT --format=json > policy.json\n"
              "jq '.bindings += [{\"role\": \"roles/viewer\", \"members\": [\"group:ops@acme.example\"]}]' "
              "policy.json > policy.new.json\n" + "gcloud projects set-iam-policy $PROJECT policy.new.json\n")
    assert lint(tmp_path, script, select=("IAM001", "IAM009")) == [
        ("IAM009", 9, 1, "cannot verify this binding: the bindings of the policy file not known statically")]
