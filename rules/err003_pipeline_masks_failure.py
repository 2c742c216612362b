from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity, deployment_steps, describe_step


class PipelineMasksFailure(Rule):
    """## What it does
    Reports a deployment step that is piped into another command (`gcloud ... | tee deploy.log`)
    while `set -o pipefail` is off, unless the statement right after the pipeline reads
    `${PIPESTATUS[...]}`, which holds every part's status
    (`gcloud ... | tee deploy.log; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1`).

    ## Why it matters
    A pipeline's status is its last command's: `tee` succeeds, so neither `set -e` nor an `if`
    sees the deploy or binding fail.

    ## Example
    ```bash
    set -e
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done | tee deploy.log
    ```

    ## Fix
    `set -o pipefail` (with `set -e`: `set -euo pipefail`) before the pipeline.
    """

    code = "ERR003"
    name = "pipeline-masks-failure"
    summary = "a gcloud step is piped without `set -o pipefail`"
    severity = Severity.ERROR
    tags = ("error-handling", "reliability")
    precision = "very-high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for run in deployment_steps(ctx):
            if run.status == "masked" and not run.output_test:
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} is {run.status_reason} without `set -o pipefail`: "
                                 "its failure is lost", scope=run.scope, fix="add `set -o pipefail` before it")
