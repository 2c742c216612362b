from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity, deployment_steps, describe_step


class UncheckedDeployStep(Rule):
    """## What it does
    Reports a deployment step (a deploy, delete, IAM policy change, or the creation of a
    trigger, subscription or scheduler job) that runs with `errexit` off while nothing checks
    its exit status.

    ## Why it matters
    Without `set -e` a failed `gcloud ... add-iam-policy-binding` prints an error that scrolls
    by, the script carries on and exits 0, and CI reports a green deploy of a function nobody
    can invoke.

    A step is checked when it is an `if`/`while` condition, is followed by `|| exit 1`
    (or `|| return`), or its `$?` is tested by the next command. A `trap '...' ERR` also
    counts (inside functions, subshells and `$(...)` only with `set -E`).

    `set -e` does not help where bash ignores it: left of `&&` (`gcloud ... && echo done`),
    in every command but the last of an `if`/`while` condition, under `!`, in every command
    of a function called in one of those places (`if deploy_all; then`, `deploy || warn`),
    and inside `$(...)` (unless `shopt -s inherit_errexit`). A step there is reported too.

    ## Example
    ```bash
    #!/bin/bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 --member="$MEMBER"
    ```

    ## Fix
    Start the script with `set -euo pipefail`, or check the step:
    `gcloud ... || { echo "binding failed" >&2; exit 1; }`.
    """

    code = "ERR001"
    name = "unchecked-deploy-step"
    summary = "a deployment step runs with errexit off and nothing checks its status"
    severity = Severity.ERROR
    tags = ("error-handling", "reliability")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for run in deployment_steps(ctx):
            if run.status != "propagates" or run.err_trap:
                continue
            if run.errexit == "off":
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs without `set -e` and nothing checks its exit status; "
                                 "a failure here goes unnoticed", scope=run.scope,
                                 fix="add `set -euo pipefail` at the top, or `|| exit 1` after the command")
            elif run.errexit == "ignored":
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs where bash ignores `set -e` ({run.errexit_reason}) "
                                 "and nothing checks its exit status; a failure here goes unnoticed",
                                 scope=run.scope, fix="check it: `|| exit 1` (or `|| return 1` in a function)")
