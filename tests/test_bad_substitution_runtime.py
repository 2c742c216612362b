"""`${$SERVICE}` / `${$1}`: bash parses it (`bash -n` passes) but cannot expand it. When bash
reaches it, the command does not run (status 1, "bad substitution") and bash drops the rest of the
top-level statement it is in (the whole `f; g` line of a function call, the whole `if`); under
`set -e` it exits the script, even in a condition or left of `|| true`. shlint-iam said nothing
and ran the command with an empty word (`${$SERVICE}` read as an unset variable): a binding after
`echo "Deployed ${$SERVICE}"` under `set -e` looked applied. Now SH000 says it where the word is
(the only rule for a script that is wrong as bash, whatever gcloud does), and the interpreter runs
what bash runs. Each behaviour below is checked against bash with gcloud stubbed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruletest import lint_snippet

NEEDS_BASH = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

STRICT = """\
#!/usr/bin/env bash
set -euo pipefail
REGION=us-west2
SERVICE=phase3-to-phase4-orchestrator
gcloud functions deploy "$SERVICE" --gen2 --region="$REGION" --runtime=python312 --source=. \\
  --entry-point=main --trigger-topic=phase3-complete
echo "Deployed ${$SERVICE}, granting the invoker"
gcloud functions add-invoker-policy-binding "$SERVICE" --region="$REGION" \\
  --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
"""

LOOSE = """\
#!/bin/bash
REGION=us-west2
grant() {
  echo "granting run.invoker on ${$1}"
  gcloud functions add-invoker-policy-binding "$1" --region="$REGION" \\
    --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
}
gcloud functions deploy orchestrator --gen2 --region="$REGION" --runtime=python312 --source=. \\
  --entry-point=main --trigger-topic=phase3-complete || exit 1
grant orchestrator; gcloud pubsub topics create phase4-complete
gcloud pubsub topics create phase5-complete || exit 1
"""


def reported(script: str) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message) for f in lint_snippet(script).reported]


def bash_runs(tmp_path: Path, script: str) -> list[str]:
    """The gcloud commands bash runs (gcloud stubbed to print its arguments), and its status."""
    (tmp_path / "bin").mkdir(exist_ok=True)
    stub = tmp_path / "bin" / "gcloud"
    stub.write_text('#!/bin/sh\necho "gcloud $1 $2 $3 $4"\n')
    stub.chmod(0o755)
    (tmp_path / "deploy.sh").write_text(script)
    proc = subprocess.run(["bash", "deploy.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=30,
                          env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"})
    assert "bad substitution" in proc.stderr
    return [line for line in proc.stdout.splitlines() if line.startswith("gcloud")] + [f"status {proc.returncode}"]


def test_under_set_e_the_script_stops_at_the_bad_substitution() -> None:
    # The binding never runs; the run ends with status 1, a failed run (no IAM001: CI sees it fail)
    assert reported(STRICT) == [
        ("SH000", 7, 16, "syntax error: `${$SERVICE}` is a bad substitution: bash parses it but cannot expand it, so "
                         "the command does not run (status 1) and bash drops the rest of the statement it is in; under "
                         "`set -e` the script exits there. For the variable's value write `${SERVICE}`"),
    ]
    fixed = reported(STRICT.replace("${$SERVICE}", "${SERVICE}"))
    assert fixed == []


@NEEDS_BASH
def test_bash_stops_there_under_set_e(tmp_path: Path) -> None:
    assert bash_runs(tmp_path, STRICT) == ["gcloud functions deploy phase3-to-phase4-orchestrator --gen2", "status 1"]


def test_without_set_e_bash_drops_the_rest_of_the_top_level_statement() -> None:
    # grant's binding and the topic on the same line never run; the next line does
    # (grant was called: not "never called", SH002)
    assert [(code, line, col) for code, line, col, _ in reported(LOOSE)] == [("SH000", 4, 33), ("IAM001", 8, 1)]
    assert reported(LOOSE)[0][3].endswith("For the variable's value write `${1}`")


@NEEDS_BASH
def test_bash_drops_the_rest_of_the_line_without_set_e(tmp_path: Path) -> None:
    assert bash_runs(tmp_path, LOOSE) == ["gcloud functions deploy orchestrator --gen2",
                                          "gcloud pubsub topics create phase5-complete", "status 0"]


def test_valid_forms_quotes_comments_and_quoted_heredocs_are_not_reported() -> None:
    script = """\
    #!/bin/bash
    set -euo pipefail
    SERVICE=api
    REF=SERVICE
    echo "${!REF} ${#SERVICE} ${SERVICE:-$REF} $$ ${$} pid-file /tmp/deploy.${$}.lock"
    echo 'literal ${$SERVICE}'  # and ${$SERVICE} in a comment
    cat <<'EOF' > notes.txt
    run ${$SERVICE} later
    EOF
    gcloud run deploy "$SERVICE" --image=gcr.io/p/api --region=us-central1 --no-allow-unauthenticated
    """
    assert reported(script) == []
