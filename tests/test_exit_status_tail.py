"""The end of a script is checked by its exit status (whoever runs it sees a failure there): its
last command, the steps left of `&&` in its last statement, every part of a last pipeline under
`set -o pipefail`, and, when that last statement runs a child script, the same end of the child
(the child's exit status is the command's). Shaped like a real build-and-deploy script
(`... && gcloud run deploy ... |& tee "$LOG" && ./ensure_trigger.sh && ... >& /dev/null`).
Findings at exact places, and the same scripts run under real bash with a stub gcloud: a step is
reported exactly when bash exits 0 after it failed."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from test_child_scripts import lint, project
from test_errexit import run_under_bash

from shlint_iam.config import Config
from shlint_iam.lint import Linter

SA = "eventarc-trigger@shop-prod.iam.gserviceaccount.com"
ENSURE_TRIGGER = f"""
    #!/bin/bash
    set -o pipefail
    gcloud run services add-iam-policy-binding store-in-gcs --region=us-west1 \\
        --member=serviceAccount:{SA} --role=roles/run.invoker >/dev/null || exit 1
    gcloud eventarc triggers describe game-doc --location=nam5 >& /dev/null ||
        gcloud eventarc triggers create game-doc --location=nam5 \\
            --event-filters=type=google.cloud.firestore.document.v1.written \\
            --destination-run-service=store-in-gcs --destination-run-region=us-west1 \\
            --service-account={SA}
"""
DEPLOY = "gcloud run deploy store-in-gcs --image=us-west1-docker.pkg.dev/shop-prod/artifacts/store-in-gcs \\\n" \
         "        --region=us-west1 --no-allow-unauthenticated"

CASES = [
    # (id, deploy.sh, what the bash run makes fail (the trigger's describe and create), expected findings)
    ("pipefail-pipeline-last", f"""
        #!/bin/bash
        set -o pipefail
        LOG=/tmp/deploy.log
        {DEPLOY} |& tee "$LOG"
        """, "run deploy", []),
    ("pipefail-pipeline-left-of-and-in-redirected-list", f"""
        #!/bin/bash
        set -o pipefail
        LOG=/tmp/deploy.log
        echo pushed &&
            {DEPLOY} |& tee "$LOG" &&
            gcloud storage cp "$LOG" gs://shop-prod-logs/ >& /dev/null
        """, "run deploy", []),
    ("pipeline-without-pipefail-is-masked", f"""
        #!/bin/bash
        LOG=/tmp/deploy.log
        {DEPLOY} |& tee "$LOG"
        """, "run deploy", [("deploy.sh", "ERR003", 3, 1)]),
    ("child-last-is-the-exit-status", f"""
        #!/bin/bash
        # Deploy the service, then wire the Firestore trigger to it.
        PROJECT=shop-prod
        REGION=us-west1
        SERVICE=store-in-gcs
        echo "deploying $SERVICE to $PROJECT ($REGION)"
        {DEPLOY}
        echo "deployed; now the trigger"
        date -u
        ./ensure_trigger.sh
        """, "game-doc --location", [("deploy.sh", "ERR001", 7, 1)]),
    ("child-left-of-and", f"""
        #!/bin/bash
        set -o pipefail
        {DEPLOY} |& tee /tmp/deploy.log &&
            ./ensure_trigger.sh &&
            echo deployed
        """, "game-doc --location", []),
    ("child-not-last-is-not-checked", f"""
        #!/bin/bash
        set -o pipefail
        {DEPLOY} |& tee /tmp/deploy.log &&
            ./ensure_trigger.sh
        echo deployed
        """, "game-doc --location", [("deploy.sh", "ERR001", 3, 1), ("ensure_trigger.sh", "ERR001", 6, 5)]),
]


def _files(script: str) -> dict[str, str]:
    return {"deploy.sh": script, "ensure_trigger.sh": ENSURE_TRIGGER}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_exit_status_tail(case: tuple[str, str, str, list[tuple[str, str, int, int]]], tmp_path: Path) -> None:
    _, script, _, expected = case
    folder = project(tmp_path, _files(script))
    assert [f for f in lint(folder) if f[1].startswith("ERR")] == sorted(expected)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_exit_status_tail_agrees_with_bash(case: tuple[str, str, str, list[tuple[str, str, int, int]]],
                                           tmp_path: Path) -> None:
    """The failing step is reported exactly when bash exits 0 after it failed."""
    _, script, fails, expected = case
    folder = project(tmp_path, {"ensure_trigger.sh": ENSURE_TRIGGER})
    status, calls = run_under_bash(textwrap.dedent(script).lstrip("\n"), fails, folder)
    step = "run deploy" if fails == "run deploy" else "triggers create"
    assert any(step in c for c in calls), calls  # the step ran (and failed)
    texts = {"deploy.sh": script, "ensure_trigger.sh": ENSURE_TRIGGER}
    flagged = [f for f in expected if step in textwrap.dedent(texts[f[0]]).lstrip("\n").splitlines()[f[2] - 1]]
    assert bool(flagged) == (status == 0), (status, calls)


def test_child_last_step_is_not_in_the_summary(tmp_path: Path) -> None:
    """Only the deploy is unchecked: the message names it alone (it used to count the child's
    last step too, and to say the script still exits 0)."""
    script = CASES[3][1]
    folder = project(tmp_path, _files(script))
    result = Linter(Config()).lint_paths([str(folder / "deploy.sh")])
    assert [f.message for f in result.reported if f.code == "ERR001"] == [
        "`gcloud run deploy` runs without `set -e` and nothing checks its exit status; a failure here goes unnoticed"]
