from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity, binding_fix, invoker_analysis, show_name


class BindingBeforeDeploy(Rule):
    """## What it does
    Reports an invoker binding that runs before the deploy that creates the resource (or before
    a `delete` and re-create of it), when no binding follows that deploy.

    ## Why it matters
    `add-iam-policy-binding` needs the Cloud Run service to exist: before the first deploy it
    fails, and a binding made before `gcloud functions delete` / `gcloud run services delete`
    is gone with the deleted service. The script looks right when read top to bottom, but the
    new service has no invoker.

    ## Example
    ```bash
    gcloud functions delete orchestrator --region=us-west2 --quiet
    gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \\
      --member="serviceAccount:$SA"
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    ```

    ## Fix
    Move the binding after the deploy (a redeploy keeps existing bindings, so a binding after
    every deploy is always safe).

    Bindings are matched to the deploy as for IAM001: an unknown value counts unless it surely
    differs.
    """

    code = "IAM002"
    name = "binding-before-deploy"
    summary = "the binding runs before the deploy that creates the resource and none follows it"
    severity = Severity.ERROR
    tags = ("iam", "reliability")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for outcome in invoker_analysis(ctx).outcomes:
            req = outcome.requirement
            anchor = req.anchor
            for binding in outcome.lost:
                message = (f"this binding for {show_name(req.service.name)} runs before the deploy at line "
                           f"{anchor.span.start_line} that creates it (or re-creates it), and no binding follows")
                yield ctx.report(self, binding.span, message, scope=binding.lines,
                                 fix=f"move it after the deploy: {binding_fix(req)}")
