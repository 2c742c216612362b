from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    Binding,
    Deploy,
    FileContext,
    Finding,
    Match,
    Rule,
    Severity,
    binding_fix,
    invoker_analysis,
    same_service,
    show,
)


class WrongInvokerRole(Rule):
    """## What it does
    Reports a binding whose role or command does not let the member invoke the deployed
    service: a role without `run.routes.invoke` (such as `roles/run.viewer`), or
    `gcloud functions add-iam-policy-binding` on a 2nd-gen function.

    ## Why it matters
    On a gen2 function, `roles/cloudfunctions.invoker` on the *function* succeeds and grants
    nothing: invocation is checked on the function's Cloud Run service. `functions
    add-iam-policy-binding --role=roles/run.invoker` is rejected ("Role roles/run.invoker is not
    supported for this resource"). Either way the trigger still gets 403.

    Roles that grant invoke: `roles/run.invoker`, `roles/run.servicesInvoker` (and the broader
    `roles/run.developer`, `roles/run.admin`, `roles/run.sourceDeveloper`, see IAM007).

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    gcloud functions add-iam-policy-binding orchestrator --region=us-west2 \\
      --member="serviceAccount:$SA" --role=roles/cloudfunctions.invoker
    ```

    ## Fix
    Use `gcloud functions add-invoker-policy-binding NAME --member=...`, or
    `gcloud run services add-iam-policy-binding NAME --role=roles/run.invoker --member=...`.
    """

    code = "IAM004"
    name = "wrong-invoker-role"
    summary = "the role or command does not grant invoke"
    severity = Severity.ERROR
    tags = ("iam", "correctness")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for outcome in invoker_analysis(ctx).outcomes:
            for miss in outcome.near_misses:
                if miss.code != self.code or id(miss.binding) in reported:
                    continue
                reported.add(id(miss.binding))
                binding = miss.binding
                yield ctx.report(self, binding.role_span or binding.span, f"{miss.reason}; the invoker of "
                                 f"{show(outcome.requirement.service.name)} still cannot call it",
                                 scope=binding.lines, fix=binding_fix(outcome.requirement))
        # `functions add-iam-policy-binding` on any gen2 function deployed here grants no invoke.
        gen2 = [d for d in ctx.facts(Deploy) if d.kind == "function" and d.generation == 2]
        for binding in ctx.facts(Binding):
            if binding.scope != "function" or id(binding) in reported or binding.target is None:
                continue
            if binding.role == "roles/run.invoker":
                reason = "`functions add-iam-policy-binding` cannot grant roles/run.invoker on a function"
            elif any(same_service(d.service, binding.target) is Match.YES for d in gen2):
                reason = f"{show(binding.role or '?')} on a gen2 function's own policy does not grant invoke"
            else:
                continue
            reported.add(id(binding))
            yield ctx.report(self, binding.role_span or binding.span, reason, scope=binding.lines,
                             fix=f"gcloud functions add-invoker-policy-binding {show(binding.function_name or '')}"
                                 " --member=...")
