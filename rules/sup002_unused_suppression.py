from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity


class UnusedSuppression(Rule):
    """## What it does
    Reports a `# shlint-iam disable=` or `disable-file=` directive, or one code in it, that
    suppresses no finding. Off by default: turn it on with `extend-select = ["SUP002"]` or
    `--extend-select SUP002`.

    ## Why it matters
    A directive outlives the problem it was written for. Once the script is fixed (the binding
    added, the `|| true` removed), a leftover directive silently hides the same mistake if it
    comes back later. A directive for a rule that is not enabled is also reported, since it
    suppresses nothing in this run.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --trigger-topic=phase3-complete --region=us-central1
    # shlint-iam disable=ERR002 -- nothing here discards a failure any more
    gcloud run services add-iam-policy-binding orchestrator --region=us-central1 \\
      --member="serviceAccount:$SA" --role=roles/run.invoker
    ```

    ## Fix
    Delete the directive, or the codes in it that are reported.
    """

    code = "SUP002"
    name = "unused-suppression"
    summary = "a suppression directive suppresses nothing"
    severity = Severity.WARNING
    default_enabled = False
    tags = ("suppression",)
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        # The findings are made while suppressions are applied (shlint_iam.suppress).
        return iter(())
