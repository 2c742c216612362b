"""A retry helper: `until "$@"; do (( n >= attempts )) && return 1; sleep ...; done`. The step is
the loop's condition, so it was taken as checked; but when the retries run out the helper returns
1, and a call that nothing checks, in a script without `set -e`, goes on to the binding, the
scheduler job and `echo done`, and exits 0: the failed deploy goes unnoticed. The step's failure
is now the helper's status, judged at the call as `gcloud ... || return 1` is (found writing blind
deploy scripts, realcorpus blind5/03)."""

from __future__ import annotations

from ruletest import lint_snippet

SCRIPT = """\
#!/bin/bash
# Deploy the nightly report service; org policy propagation makes the first attempts flaky.
PROJECT_ID=reports-prod-2291
REGION=us-central1
SA="report-scheduler@${PROJECT_ID}.iam.gserviceaccount.com"

retry() {
  local attempts=$1; shift
  local n=1
  until "$@"; do
    if (( n >= attempts )); then
      echo "giving up after $n attempts: $*" >&2
      return 1
    fi
    sleep $((n * 10))
    n=$((n + 1))
  done
}

retry 5 gcloud run deploy nightly-report --image="us-docker.pkg.dev/$PROJECT_ID/apps/report:v3" \\
  --region="$REGION" --project="$PROJECT_ID" --no-allow-unauthenticated
retry 3 gcloud run services add-iam-policy-binding nightly-report --region="$REGION" --project="$PROJECT_ID" \\
  --member="serviceAccount:$SA" --role=roles/run.invoker
echo "done"
"""


def found(script: str) -> list[tuple[str, int, int, str]]:
    return [(f.code, f.span.start_line, f.span.start_col, f.message)
            for f in lint_snippet(script, select=["ERR001"]).reported]


def test_a_retry_helper_that_gives_up_with_return_1_is_unchecked_at_an_unchecked_call() -> None:
    assert found(SCRIPT) == [(
        "ERR001", 20, 9, "none of the script's 2 deployment steps (lines 20, 22) runs with `set -e` or has its exit "
                         "status checked; a failure in any of them goes unnoticed and the script still exits 0")]


def test_checked_calls_or_set_e_check_it() -> None:
    checked = SCRIPT.replace("--no-allow-unauthenticated\n", "--no-allow-unauthenticated || exit 1\n").replace(
        "--role=roles/run.invoker\n", "--role=roles/run.invoker || exit 1\n")
    assert found(checked) == []
    assert found(SCRIPT.replace("#!/bin/bash\n", "#!/bin/bash\nset -e\n")) == []


def test_a_helper_that_retries_for_ever_or_exits_stays_checked() -> None:
    exits = SCRIPT.replace("      return 1\n", "      exit 1\n")
    assert found(exits) == []
