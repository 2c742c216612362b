from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity, Unverifiable


class UnverifiableBinding(Rule):
    """## What it does
    Reports a deployment or binding command whose target, member, role, region or project
    cannot be worked out statically. (A `source` the analysis cannot follow is SH001.)

    Values come from variables assigned in the script (or in files it sources), from
    `gcloud config set`, exported `CLOUDSDK_*` variables, and the output of `gcloud projects
    describe`, `gcloud run services describe` and `gcloud config get-value`. Environment
    variables the script never sets, `read`, `--flags-file` and command output of other tools
    are unknown.

    ## Why it matters
    shlint-iam gives unknown values the benefit of the doubt: a binding on `$SERVICE` counts for
    a deploy of `$SERVICE`, but it cannot prove that `$A` and `$B` name the same service. This
    rule (off by default) shows where the analysis had to trust the script.

    ## Example
    ```bash
    gcloud run services add-iam-policy-binding "$SERVICE" --region="$REGION" \\
      --member="serviceAccount:$SA" --role=roles/run.invoker   # none of these is set here
    ```

    ## Fix
    Set the values in the script or in a file it sources with a path shlint-iam can resolve
    (`source "$(dirname "$0")/config.sh"`), or accept the finding (it is informational).
    """

    code = "IAM009"
    name = "unverifiable-binding"
    summary = "the target, member or role cannot be worked out statically"
    severity = Severity.INFO
    default_enabled = False
    tags = ("iam", "coverage")
    precision = "medium"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        seen: set[tuple[int, int, str]] = set()
        for fact in ctx.facts(Unverifiable):
            key = (fact.span.start_line, fact.span.start_col, fact.detail)
            if key in seen:
                continue
            seen.add(key)
            yield ctx.report(self, fact.span, f"cannot verify this {fact.what}: {fact.detail} "
                             "not known statically", scope=fact.lines)
