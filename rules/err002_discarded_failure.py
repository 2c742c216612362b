from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity, deployment_steps, describe_step


class DiscardedFailure(Rule):
    """## What it does
    Reports a deployment step whose failure is thrown away: `|| true`, `|| :`, `|| echo ...`
    without an `exit`, `local x=$(gcloud ...)` (also `export`, `declare`, `readonly`), a
    `$(gcloud ...)` inside another command's arguments, `set +e` before the step, or a
    background job (`deploy "$fn" &`) whose status no `wait PID` collects: `set -e` stops
    only the job, and a bare `wait` returns 0 whatever the jobs did.

    ## Why it matters
    The script says, in code, "ignore this failure". For the invoker binding that is exactly the
    silent failure the linter exists to prevent: the deploy goes green and the function cannot be
    invoked. `local x=$(cmd)` is subtler: `local` succeeds, so `set -e` never sees `cmd` fail.

    ## Example
    ```bash
    set -e
    gcloud run services add-iam-policy-binding orchestrator --region=us-west2 \\
      --member="serviceAccount:$SA" --role=roles/run.invoker || true
    ```

    ## Fix
    Let the failure stop the script (drop `|| true`), or handle it: `|| { echo "..." >&2; exit 1; }`.
    Split `local x; x=$(gcloud ...)` so that `set -e` sees the status. For background jobs,
    keep their PIDs and wait for each: `deploy "$fn" & pids+=($!)`, then
    `for pid in "${pids[@]}"; do wait "$pid"; done` (under `set -e` a failed job stops the
    script there). A `wait` with an argument after the job in the same file, or in any
    function, counts as collecting it.

    A step whose captured output is tested by a condition that gates an `exit`, `return` or
    retry is not reported: `out=$(gcloud run deploy ... 2>&1 || true)` followed by
    `if ! grep -q "Service URL" <<<"$out"; then exit 1; fi` stops on failure. A test that
    gates nothing (`echo "$out" | grep -q URL; echo done`) does not count.
    """

    code = "ERR002"
    name = "discarded-failure"
    summary = "a deployment step's failure is thrown away"
    severity = Severity.ERROR
    tags = ("error-handling", "reliability")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for run in deployment_steps(ctx):
            if run.output_test:
                continue  # the captured output is tested before an exit: the failure is seen there
            if run.status == "discarded":
                yield ctx.report(self, run.span, f"{describe_step(run)} fails silently: {run.status_reason}",
                                 scope=run.scope, fix="remove the fallback or end it with `exit 1`")
            elif run.status == "propagates" and run.errexit == "disabled" and not run.err_trap:
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs after `set +e` and nothing checks its exit status",
                                 scope=run.scope, fix="keep `set -e` on, or add `|| exit 1`")
