"""The fixes that write invoker commands (IAM001, IAM008: insert the binding after the deploy;
IAM003: point the binding at the deployed service's region and project), through the real CLI.
For each: the finding is gone after `--fix --unsafe-fixes`, nothing new appears, `bash -n` still
accepts the file, and a second run changes nothing (test_fixes.assert_fix)."""

from __future__ import annotations

import json
from pathlib import Path

from clirun import shlint
from test_fixes import assert_fix

# A function deploys one orchestrator per call; a loop deploys one per phase. The binding goes
# into the function body and the loop body, with the deploy's own words ("$name", "$phase-...").
PIPELINE = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=acme-prod
SA="orch@${PROJECT}.iam.gserviceaccount.com"
PHASES=(phase1 phase2 phase3)

deploy_orchestrator() {
  local name=$1
  gcloud functions deploy "$name" --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic="${name}-done" --trigger-service-account="$SA" --runtime=python312 --source=.
}

for phase in "${PHASES[@]}"; do
  gcloud functions deploy "$phase-orchestrator" --gen2 --region "$REGION" --project="$PROJECT" \\
    --trigger-topic="${phase}-complete" --trigger-service-account "$SA" --runtime=python312 --source=.
done

deploy_orchestrator final
deploy_orchestrator cleanup
"""
PIPELINE_FIXED = PIPELINE.replace(
    '--runtime=python312 --source=.\n}',
    '--runtime=python312 --source=.\n'
    '  gcloud functions add-invoker-policy-binding "$name" --region="$REGION" --member="serviceAccount:$SA"'
    ' --project="$PROJECT"\n}',
).replace(
    '--runtime=python312 --source=.\ndone',
    '--runtime=python312 --source=.\n'
    '  gcloud functions add-invoker-policy-binding "$phase-orchestrator" --region="$REGION"'
    ' --member="serviceAccount:$SA" --project="$PROJECT"\n'
    "done",
)

# A deploy inside `if` that spans lines and ends in `|| { ...; exit 1; }`, one followed by `;`
# and another command, one followed by `&& echo`, and one in a one-line `if`.
SHAPES = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=acme-prod
INVOKER_SA="pipeline-invoker@${PROJECT}.iam.gserviceaccount.com"

if [[ "${DEPLOY_INGEST:-yes}" == yes ]]; then
  gcloud functions deploy ingest --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic=raw-events \\
    --trigger-service-account="$INVOKER_SA" || { echo "ingest deploy failed" >&2; exit 1; }
fi
gcloud functions deploy enrich --gen2 --region="$REGION" --trigger-topic=ingested \
--trigger-service-account="$INVOKER_SA"; echo "enrich deployed"
gcloud functions deploy publish --gen2 --region="$REGION" --trigger-topic=enriched \
--service-account="$INVOKER_SA" && echo "publish deployed"
if [[ -n "${CANARY:-}" ]]; then gcloud functions deploy canary --gen2 --trigger-topic=canary \
--trigger-service-account="$INVOKER_SA"; fi
"""
SHAPES_FIXED = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
PROJECT=acme-prod
INVOKER_SA="pipeline-invoker@${PROJECT}.iam.gserviceaccount.com"

if [[ "${DEPLOY_INGEST:-yes}" == yes ]]; then
  gcloud functions deploy ingest --gen2 --region="$REGION" --project="$PROJECT" \\
    --trigger-topic=raw-events \\
    --trigger-service-account="$INVOKER_SA" || { echo "ingest deploy failed" >&2; exit 1; }
  gcloud functions add-invoker-policy-binding ingest --region="$REGION" \
--member="serviceAccount:$INVOKER_SA" --project="$PROJECT"
fi
gcloud functions deploy enrich --gen2 --region="$REGION" --trigger-topic=ingested \
--trigger-service-account="$INVOKER_SA"
gcloud functions add-invoker-policy-binding enrich --region="$REGION" \
--member="serviceAccount:$INVOKER_SA"; echo "enrich deployed"
gcloud functions deploy publish --gen2 --region="$REGION" --trigger-topic=enriched \
--service-account="$INVOKER_SA" && echo "publish deployed"
gcloud functions add-invoker-policy-binding publish --region="$REGION" --member="serviceAccount:$INVOKER_SA"
if [[ -n "${CANARY:-}" ]]; then gcloud functions deploy canary --gen2 --trigger-topic=canary \
--trigger-service-account="$INVOKER_SA"
  gcloud functions add-invoker-policy-binding canary --member="serviceAccount:$INVOKER_SA"; fi
"""

# A Cloud Run service called by a push subscription (the member is the subscription's account,
# known text), and a binding that runs only when GRANT=1 (IAM008).
PUSH = """\
#!/bin/bash
set -euo pipefail
PROJECT=acme-prod
REGION=europe-west1
PUSH_SA="push-invoker@acme-prod.iam.gserviceaccount.com"

gcloud run deploy report-api --image="europe-docker.pkg.dev/${PROJECT}/apps/report-api:latest" \\
  --region="$REGION" --project="$PROJECT" --no-allow-unauthenticated
URL=$(gcloud run services describe report-api --region="$REGION" --project="$PROJECT" --format='value(status.url)')
gcloud pubsub subscriptions create report-push --topic=reports --project="$PROJECT" \\
  --push-endpoint="$URL" --push-auth-service-account="$PUSH_SA"
"""
PUSH_FIXED = PUSH.replace(
    "--no-allow-unauthenticated\n",
    "--no-allow-unauthenticated\n"
    'gcloud run services add-iam-policy-binding report-api --region="$REGION"'
    " --member=serviceAccount:push-invoker@acme-prod.iam.gserviceaccount.com --role=roles/run.invoker"
    ' --project="$PROJECT"\n',
)

CONDITIONAL = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
SA="nightly@acme-prod.iam.gserviceaccount.com"
gcloud functions deploy nightly --gen2 --region="$REGION" --trigger-topic=nightly \\
  --trigger-service-account="$SA"
if [[ "${GRANT:-}" == 1 ]]; then
  gcloud functions add-invoker-policy-binding nightly --region="$REGION" --member="serviceAccount:$SA"
fi
"""
CONDITIONAL_FIXED = CONDITIONAL.replace(
    '--trigger-service-account="$SA"\n',
    '--trigger-service-account="$SA"\n'
    'gcloud functions add-invoker-policy-binding nightly --region="$REGION" --member="serviceAccount:$SA"\n',
)

MISMATCH = """\
#!/bin/bash
set -euo pipefail
PROJECT=acme-prod
REGION=us-west2

gcloud functions deploy orchestrator --gen2 --region="$REGION" --project="$PROJECT" \\
  --trigger-topic=phase3-complete --trigger-service-account="orch@${PROJECT}.iam.gserviceaccount.com"
gcloud functions add-invoker-policy-binding orchestrator --region=us-central1 --project="$PROJECT" \\
  --member="serviceAccount:orch@${PROJECT}.iam.gserviceaccount.com"

gcloud run deploy dashboard --image=gcr.io/acme-prod/dashboard --region "$REGION" --project="$PROJECT" \\
  --no-allow-unauthenticated
gcloud run services add-iam-policy-binding dashboard --project=acme-staging \\
  --member="group:analysts@acme.example" --role=roles/run.invoker
"""
MISMATCH_FIXED = MISMATCH.replace(
    "orchestrator --region=us-central1 --project", 'orchestrator --region="$REGION" --project'
).replace("dashboard --project=acme-staging", 'dashboard --region="$REGION" --project="$PROJECT"')

# The binding is in a function, the deploy is not: the deploy's word ("$REGION") is not copied
# into another scope; the known value is.
MISMATCH_IN_FUNCTION = """\
#!/bin/bash
set -euo pipefail
grant() {
  gcloud functions add-invoker-policy-binding "$1" --region=us-east1 \\
    --member="serviceAccount:orch@acme-prod.iam.gserviceaccount.com"
}
REGION=us-west2
gcloud functions deploy orchestrator --gen2 --region="$REGION" \\
  --trigger-topic=done --trigger-service-account=orch@acme-prod.iam.gserviceaccount.com
grant orchestrator
"""
MISMATCH_IN_FUNCTION_FIXED = MISMATCH_IN_FUNCTION.replace("--region=us-east1", "--region=us-west2")


def test_iam001_binding_in_the_function_and_the_loop_that_deploy(tmp_path: Path) -> None:
    assert_fix(tmp_path, PIPELINE, PIPELINE_FIXED, "IAM001", "--unsafe-fixes")


def test_iam001_binding_after_continuations_lists_and_inside_if(tmp_path: Path) -> None:
    assert_fix(tmp_path, SHAPES, SHAPES_FIXED, "IAM001", "--unsafe-fixes")


def test_iam001_binding_for_a_push_subscription_invoker(tmp_path: Path) -> None:
    assert_fix(tmp_path, PUSH, PUSH_FIXED, "IAM001", "--unsafe-fixes")


def test_iam008_unconditional_binding_after_the_deploy(tmp_path: Path) -> None:
    assert_fix(tmp_path, CONDITIONAL, CONDITIONAL_FIXED, "IAM008", "--unsafe-fixes")


def test_iam003_sets_region_and_project(tmp_path: Path) -> None:
    assert_fix(tmp_path, MISMATCH, MISMATCH_FIXED, "IAM003", "--unsafe-fixes")


def test_iam003_binding_in_another_function_gets_the_value(tmp_path: Path) -> None:
    assert_fix(tmp_path, MISMATCH_IN_FUNCTION, MISMATCH_IN_FUNCTION_FIXED, "IAM003", "--unsafe-fixes")


FULL_PATH = """\
#!/bin/bash
set -euo pipefail
gcloud functions deploy orchestrator --gen2 --region=us-west2 --project=acme-prod \\
  --trigger-topic=done --trigger-service-account=orch@acme-prod.iam.gserviceaccount.com
gcloud functions add-invoker-policy-binding projects/acme-prod/locations/us-central1/functions/orchestrator \\
  --member=serviceAccount:orch@acme-prod.iam.gserviceaccount.com
"""


# A deploy in `$( )`, in a case arm before `;;`, with a comment after it, with a release track,
# in a `while read` loop, and as the condition of `if !` (the binding goes after the `fi`).
PLACES = """\
#!/bin/bash
set -euo pipefail
SA=orch@acme-prod.iam.gserviceaccount.com
URL=$(gcloud functions deploy a1 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA" \\
  --format='value(url)')
case "${ENV:-dev}" in
  prod) gcloud functions deploy a2 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA" ;;
  *) echo skip ;;
esac
gcloud functions deploy a3 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA"  # ingest
gcloud beta functions deploy a4 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA"
while read -r fn; do
  gcloud functions deploy "$fn" --gen2 --region=us-west2 --trigger-topic="$fn" --trigger-service-account="$SA"
done < functions.txt
if ! gcloud functions deploy a5 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA"; then
  echo "deploy failed" >&2
  exit 1
fi
echo "$URL"
"""


def _binding(name: str, indent: str = "") -> str:
    return f'{indent}gcloud functions add-invoker-policy-binding {name} --region=us-west2 --member="serviceAccount:$SA"'


PLACES_FIXED = (
    PLACES.replace("--format='value(url)')\n", "--format='value(url)')\n" + _binding("a1") + "\n")
    .replace('--trigger-service-account="$SA" ;;', '--trigger-service-account="$SA"\n' + _binding("a2", "    ") + " ;;")
    .replace("# ingest\n", "# ingest\n" + _binding("a3") + "\n")
    .replace('a4 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA"\n',
             'a4 --gen2 --region=us-west2 --trigger-topic=t --trigger-service-account="$SA"\n' + _binding("a4") + "\n")
    .replace('--trigger-service-account="$SA"\ndone', '--trigger-service-account="$SA"\n' + _binding('"$fn"', "  ")
             + "\ndone")
    .replace("  exit 1\nfi\n", "  exit 1\nfi\n" + _binding("a5") + "\n")
)


def test_iam001_binding_after_substitution_case_arm_comment_loop_and_negated_if(tmp_path: Path) -> None:
    assert_fix(tmp_path, PLACES, PLACES_FIXED, "IAM001", "--unsafe-fixes")


def test_iam001_binding_keeps_crlf_line_endings(tmp_path: Path) -> None:
    script = ("#!/bin/bash\r\nset -euo pipefail\r\ngcloud functions deploy c1 --gen2 --region=us-west2 "
              "--trigger-topic=t --trigger-service-account=c@p.iam.gserviceaccount.com\r\necho done\r\n")
    fixed = script.replace("\r\necho", "\r\ngcloud functions add-invoker-policy-binding c1 --region=us-west2 "
                           "--member=serviceAccount:c@p.iam.gserviceaccount.com\r\necho")
    path = tmp_path / "deploy.sh"
    path.write_bytes(script.encode())
    shlint("check", "--fix", "--unsafe-fixes", "deploy.sh", cwd=tmp_path)
    assert path.read_bytes() == fixed.encode()


def test_iam003_full_resource_path(tmp_path: Path) -> None:
    # The path's region wins over --region: the fix rewrites the path.
    fixed = FULL_PATH.replace("locations/us-central1/", "locations/us-west2/")
    assert_fix(tmp_path, FULL_PATH, fixed, "IAM003", "--unsafe-fixes")


def test_binding_fixes_are_unsafe_only(tmp_path: Path) -> None:
    path = tmp_path / "deploy.sh"
    for script in (PIPELINE, CONDITIONAL, MISMATCH):
        path.write_text(script, encoding="utf-8")
        proc = shlint("check", "--fix", "deploy.sh", cwd=tmp_path)
        assert path.read_text(encoding="utf-8") == script
        assert proc.returncode == 1


def test_no_binding_fix_when_a_value_has_no_word(tmp_path: Path) -> None:
    # The default compute account needs the project number, which the script never looks up;
    # a service account from an array of flags has no word of its own to copy; a deploy in the
    # background would race the binding.
    script = (
        "#!/bin/bash\nset -euo pipefail\n"
        "gcloud functions deploy a --gen2 --region=us-west2 --trigger-topic=t\n"
        'FLAGS=(--trigger-service-account=b@acme-prod.iam.gserviceaccount.com --region=us-west2)\n'
        'gcloud functions deploy b --gen2 --trigger-topic=t "${FLAGS[@]}"\n'
        "gcloud functions deploy c --gen2 --region=us-west2 --trigger-topic=t "
        "--trigger-service-account=c@acme-prod.iam.gserviceaccount.com &\n"
        "wait\n"
    )
    (tmp_path / "deploy.sh").write_text(script, encoding="utf-8")
    data = json.loads(shlint("check", "-f", "json", "deploy.sh", cwd=tmp_path).stdout)
    iam001 = [f for f in data if f["code"] == "IAM001"]
    assert [f["start_line"] for f in iam001] == [3, 5, 6]
    assert all(f["fix"]["applicability"] == "display-only" for f in iam001)


def test_binding_fixes_in_json_sarif_and_rule_docs(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(CONDITIONAL, encoding="utf-8")
    data = json.loads(shlint("check", "-f", "json", "deploy.sh", cwd=tmp_path).stdout)
    (iam008,) = [f for f in data if f["code"] == "IAM008"]
    command = 'gcloud functions add-invoker-policy-binding nightly --region="$REGION" --member="serviceAccount:$SA"'
    assert iam008["fix"]["applicability"] == "unsafe"
    assert iam008["fix"]["edits"] == [
        {"start_line": 7, "start_column": 1, "end_line": 7, "end_column": 1, "content": command + "\n"}]
    log = json.loads(shlint("check", "-f", "sarif", "deploy.sh", cwd=tmp_path).stdout)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "IAM008"]
    (fix,) = result["fixes"]
    assert fix["properties"] == {"applicability": "unsafe"}
    assert fix["artifactChanges"][0]["replacements"] == [
        {"deletedRegion": {"startLine": 7, "startColumn": 1, "endLine": 7, "endColumn": 1},
         "insertedContent": {"text": command + "\n"}}]
    for code in ("IAM001", "IAM003", "IAM008"):
        page = shlint("rule", code, cwd=tmp_path).stdout
        assert page.split("\n")[4].startswith("Fix (unsafe): "), page
