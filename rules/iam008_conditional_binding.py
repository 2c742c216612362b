from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity, binding_fix, invoker_analysis, show_name


class ConditionalBinding(Rule):
    """## What it does
    Reports an invoker binding that runs after the deploy on some paths through the script but
    not on all: inside an `if`/`case` branch, behind `&&`/`||`, in a loop over a list that may be
    empty, or after a conditional `exit 0`/`return`.

    ## Why it matters
    The script works in the run you tested and silently skips the binding in another (a
    different environment variable, a flag, a missing file), leaving the function without an
    invoker.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    if [[ "$SET_IAM" == "true" ]]; then
      gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \\
        --member="serviceAccount:$SA"
    fi
    ```

    ## Fix
    Run the binding unconditionally after every deploy (it is idempotent).

    Bindings are matched to the deploy as for IAM001: an unknown value counts unless it surely
    differs.
    """

    code = "IAM008"
    name = "conditional-binding"
    summary = "the binding runs after the deploy on some paths but not all"
    severity = Severity.WARNING
    tags = ("iam", "reliability")
    precision = "medium"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for outcome in invoker_analysis(ctx).outcomes:
            if not (outcome.unbound and outcome.bound):
                continue
            req = outcome.requirement
            where = outcome.satisfying[0] if outcome.satisfying else req.anchor
            if req.deploys:
                message = (f"the invoker binding for {show_name(req.service.name)} runs only on some paths after "
                           f"{req.anchor_at}; on the others it stays unbound")
            else:  # deployed elsewhere: what needs the binding is the caller created here
                message = (f"the invoker binding for {show_name(req.service.name)}, which {req.anchor_at} needs, "
                           "runs only on some paths; on the others it stays unbound")
            yield ctx.report(self, where.span, message, scope=where.lines,
                             fix=binding_fix(req))
