from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity


class InvalidSuppression(Rule):
    """## What it does
    Reports a `# shlint-iam` directive that cannot work: it names a rule code that does not
    exist, names no code at all, or is not one of the known forms (`disable=` and
    `disable-file=`).

    ## Why it matters
    A directive with a typo suppresses nothing, so the finding it was meant to silence keeps
    coming back, or, worse, the author believes a check is switched off when it is not (and the
    other way round when the typo is fixed later). Directives are matched by exact rule code.

    ## Example
    ```bash
    # shlint-iam disable=IAM01 -- the binding is made by Terraform
    gcloud functions deploy orchestrator --gen2 --trigger-topic=phase3-complete
    gcloud run deploy api --image="$IMAGE"  # shlint-iam disable= -- no code
    ```

    ## Fix
    Name the full code of each rule to suppress, comma separated, and put the reason after
    `--`: `# shlint-iam disable=IAM001 -- the binding is made by Terraform`.
    `shlint-iam rules` lists every code. `all` suppresses every rule.
    """

    code = "SUP001"
    name = "invalid-suppression"
    summary = "a suppression directive names an unknown rule code or no code"
    severity = Severity.ERROR
    tags = ("suppression",)
    precision = "very-high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        # The findings are made while suppressions are applied (shlint_iam.suppress).
        return iter(())
