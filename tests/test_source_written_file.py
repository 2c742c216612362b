"""`source` of a file the script itself wrote before (`cat > env.sh <<EOF`, `cat <<'EOF' > lib.sh`,
`echo ... > env.sh`, `printf ... >> env.sh`): bash runs the text written, so the analysis runs it
too, with the variables expanded as bash expanded them when it wrote the file (an unquoted
here-document at write time, a quoted one `<<'EOF'` never), and reports what is inside it at the
`source` command. It said "not found" (SH001) and ran nothing: in a real lab script
(KloudCell/Cloud-Skills-Boost GSP773, realcorpus b4/07: `cat <<'EOF'> ani.sh` ... `source ani.sh`),
and in the script below a binding written into a function library was never seen (a false
IAM001). A text the analysis cannot know stays SH001, which says so (it said "not found")."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruletest import lint_snippet

RENDERED = """\
#!/usr/bin/env bash
# Renders the stage's environment and IAM helpers, then deploys the orders pipeline.
ENVIRONMENT=prod
REGION=europe-west1
PROJECT="acme-${ENVIRONMENT}"

cat > .deploy.env <<EOF
export PROJECT=$PROJECT
export REGION=$REGION
export FN=orders-$ENVIRONMENT
EOF
printf 'export INVOKER=%s\\n' "orders-push@$PROJECT.iam.gserviceaccount.com" >> .deploy.env

cat <<'EOF' > iam.sh
grant_invoker() {
  gcloud functions add-invoker-policy-binding "$1" --region="$REGION" --project="$PROJECT" \\
    --member="serviceAccount:$INVOKER"
}
EOF

source .deploy.env
. ./iam.sh
gcloud functions deploy "$FN" --gen2 --region="$REGION" --project="$PROJECT" --runtime=python312 \\
  --trigger-topic=orders --trigger-service-account="$INVOKER" --source=. --entry-point=handle
grant_invoker "$FN"
echo "deployed $FN"
"""


def found(script: str) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported]


def test_a_written_env_file_and_library_are_run_where_sourced() -> None:
    # The env file's values were expanded when it was written (orders-prod, acme-prod); `$1` in
    # the quoted library stays `$1` until grant_invoker runs: the binding reaches orders-prod.
    assert found(RENDERED) == [(
        "ERR001", 23, 1,
        "none of the script's 2 deployment steps (lines 23, 22) runs with `set -e` or has its exit status "
        "checked; a failure in any of them goes unnoticed and the script still exits 0")]


def test_a_step_inside_the_written_file_is_reported_at_the_source_command() -> None:
    script = RENDERED.replace('grant_invoker "$FN"\n', "")
    assert found(script) == [
        ("ERR001", 23, 1, "`gcloud functions deploy` runs without `set -e` and nothing checks its exit status; "
                          "a failure here goes unnoticed"),
        ("IAM001", 23, 1, "gen2 function orders-prod (Pub/Sub topic orders) is invoked as "
                          "serviceAccount:orders-push@acme-prod.iam.gserviceaccount.com (--trigger-service-account), "
                          "which gets no roles/run.invoker on service orders-prod after this deploy"),
    ]
    # The library's binding at its top level, not in a function: it runs at `. ./iam.sh`, before the deploy
    inline = script.replace("grant_invoker() {\n", "").replace('"$1"', "orders-prod").replace(
        '--member="serviceAccount:$INVOKER"\n}\n', '--member="serviceAccount:$INVOKER"\n')
    assert [(code, line) for code, line, _, _ in found(inline)] == [("ERR001", 20), ("IAM002", 20)]


def test_a_text_not_known_statically_stays_not_followed() -> None:
    script = RENDERED.replace('"orders-push@$PROJECT.iam.gserviceaccount.com"',
                              "\"$(gcloud iam service-accounts list --format='value(email)' --limit=1)\"")
    assert [(code, line, message) for code, line, _, message in found(script) if code == "SH001"] == [
        ("SH001", 21, "`source .deploy.env` not followed: .deploy.env: the script writes it itself, with a text not "
                      "known statically")]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_writes_and_sources_what_the_analysis_runs(tmp_path: Path) -> None:
    """The values above, checked against bash: gcloud stubbed to print its arguments."""
    (tmp_path / "bin").mkdir()
    stub = tmp_path / "bin" / "gcloud"
    stub.write_text('#!/bin/sh\necho "gcloud $*"\n')
    stub.chmod(0o755)
    (tmp_path / "deploy.sh").write_text(RENDERED)
    out = subprocess.run(["bash", "deploy.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=30,
                         env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}).stdout.splitlines()
    assert out[1] == ("gcloud functions add-invoker-policy-binding orders-prod --region=europe-west1 "
                      "--project=acme-prod --member=serviceAccount:orders-push@acme-prod.iam.gserviceaccount.com")
