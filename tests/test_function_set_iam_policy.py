"""`gcloud functions set-iam-policy NAME POLICY_FILE` replaces the function's own (Cloud Functions)
policy with the file's. On a 1st gen function that is the policy it is invoked through
(roles/cloudfunctions.invoker); on a gen2 function gcloud sends it to the Cloud Functions v2 API,
the function resource's policy, which grants no invoke and leaves the Cloud Run service's policy
as it was (docs/gcloud-facts.md). Before, the command was not modelled at all: a gen1 function's
policy file that granted its caller was IAM001 (a false alarm), one that dropped the caller's
earlier binding was silent."""

from __future__ import annotations

from pathlib import Path

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "scheduler-invoker@acme-prod.iam.gserviceaccount.com"
HEAD = "#!/bin/bash\nset -euo pipefail\nPROJECT=acme-prod\nREGION=us-central1\n"
DEPLOY = ("gcloud functions deploy nightly-report --no-gen2 --runtime=python311 --trigger-http "
          "--entry-point=main --region=$REGION --project=$PROJECT --no-allow-unauthenticated\n")
SET = "gcloud functions set-iam-policy nightly-report policy.json --region=$REGION --project=$PROJECT\n"
JOB = ("gcloud scheduler jobs create http nightly-report-job --schedule='0 3 * * *' --location=$REGION "
       "--project=$PROJECT --uri=https://$REGION-$PROJECT.cloudfunctions.net/nightly-report "
       f"--oidc-service-account-email={SA}\n")
BIND = (f"gcloud functions add-invoker-policy-binding nightly-report --region=$REGION --project=$PROJECT "
        f"--member=serviceAccount:{SA}\n")


def policy(role: str, member: str) -> str:
    return f'{{"bindings": [{{"role": "{role}", "members": ["{member}"]}}], "etag": "BwYvq2Vt8Xo="}}\n'


def lint(folder: Path, script: str, files: dict[str, str] | None = None) -> list[tuple[str, int, int, str]]:
    (folder / ".git").mkdir(parents=True, exist_ok=True)
    (folder / "deploy.sh").write_text(script)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    result = Linter(Config(select=["IAM", "SH001"])).lint_paths([str(folder / "deploy.sh")])
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in result.reported]


def test_a_gen1_function_policy_file_granting_its_caller_is_its_binding(tmp_path: Path) -> None:
    files = {"policy.json": policy("roles/cloudfunctions.invoker", f"serviceAccount:{SA}")}
    assert lint(tmp_path, HEAD + DEPLOY + SET + JOB, files) == []


def test_a_gen1_function_policy_written_by_the_script_is_read(tmp_path: Path) -> None:
    script = (HEAD + f"SA={SA}\n" + DEPLOY + "cat > policy.json <<EOF\n"
              + policy("roles/cloudfunctions.invoker", "serviceAccount:${SA}") + "EOF\n" + SET + JOB)
    assert lint(tmp_path, script) == []


def test_a_gen1_function_policy_file_without_the_caller_drops_its_binding(tmp_path: Path) -> None:
    files = {"policy.json": policy("roles/cloudfunctions.viewer", "group:ops@acme.example")}
    assert lint(tmp_path, HEAD + DEPLOY + BIND + SET + JOB, files) == [(
        "IAM001", 5, 1, "1st gen function nightly-report, called by the Cloud Scheduler job nightly-report-job, is "
        f"invoked as serviceAccount:{SA}, which gets no roles/cloudfunctions.invoker on function nightly-report "
        "after this deploy (the command at line 7 replaces the whole policy)")]


def test_a_gen1_function_policy_file_with_the_run_role_is_iam004_at_the_file(tmp_path: Path) -> None:
    files = {"policy.json": policy("roles/run.invoker", f"serviceAccount:{SA}")}
    assert lint(tmp_path, HEAD + DEPLOY + SET + JOB, files) == [(
        "IAM004", 6, 48, "roles/run.invoker does not apply to a 1st gen function: it needs "
        "roles/cloudfunctions.invoker on the function; the invoker of nightly-report still cannot call it")]


GEN2 = ("gcloud functions deploy order-events --gen2 --runtime=python311 --trigger-topic=orders "
        f"--service-account={SA} --entry-point=main --region=$REGION --project=$PROJECT\n")
RUN_BIND = (f"gcloud run services add-iam-policy-binding order-events --region=$REGION --project=$PROJECT "
            f"--member=serviceAccount:{SA} --role=roles/run.invoker\n")
GEN2_SET = SET.replace("nightly-report", "order-events")


def test_a_gen2_function_policy_file_leaves_the_service_binding(tmp_path: Path) -> None:
    files = {"policy.json": policy("roles/cloudfunctions.viewer", "group:ops@acme.example")}
    assert lint(tmp_path, HEAD + GEN2 + RUN_BIND + GEN2_SET, files) == []


def test_a_gen2_function_policy_file_granting_the_functions_role_is_iam004(tmp_path: Path) -> None:
    files = {"policy.json": policy("roles/cloudfunctions.invoker", f"serviceAccount:{SA}")}
    assert lint(tmp_path, HEAD + GEN2 + GEN2_SET, files) == [(
        "IAM004", 6, 46, "roles/cloudfunctions.invoker on the function resource does not let anyone invoke a "
        "gen2 function; the invoker of order-events still cannot call it")]


def test_a_gen2_function_policy_file_with_the_run_role_is_rejected(tmp_path: Path) -> None:
    files = {"policy.json": policy("roles/run.invoker", f"serviceAccount:{SA}")}
    assert lint(tmp_path, HEAD + GEN2 + GEN2_SET, files) == [(
        "IAM004", 6, 46, "`functions set-iam-policy` cannot grant roles/run.invoker on a function; "
        "the invoker of order-events still cannot call it")]
