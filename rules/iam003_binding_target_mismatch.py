from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    Binding,
    Deploy,
    FileContext,
    Finding,
    Match,
    Rule,
    ServiceRef,
    Severity,
    Val,
    binding_fix,
    invoker_analysis,
    same_service,
    show,
    show_name,
)


class BindingTargetMismatch(Rule):
    """## What it does
    Reports an invoker binding meant for a deployed resource whose region, project or name
    differs from the resource's.

    Regions are resolved the way gcloud resolves them: functions use the last `--region`, else
    `CLOUDSDK_FUNCTIONS_REGION` / `gcloud config set functions/region`, else `us-central1`; Cloud
    Run commands use `--region`, else `CLOUDSDK_RUN_REGION` / `run/region`, with no default.
    A gen2 function's Cloud Run service has the function's name in lower case.

    ## Why it matters
    The binding succeeds on another service (or fails on one that does not exist) while the
    deployed one stays without an invoker.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    gcloud run services add-iam-policy-binding orchestrator --region=us-central1 \\
      --member="serviceAccount:$SA" --role=roles/run.invoker
    ```

    ## Fix
    Use the deploy's region, project and (lower-case) name, ideally from the same variables.

    Only a difference the script makes certain is reported: a region or project the analysis
    cannot know (`--region="$REGION"`, a property from gcloud's configuration) may be the
    deploy's, so it is not a mismatch.
    """

    code = "IAM003"
    name = "binding-target-mismatch"
    summary = "the binding's region, project or name differs from the deployed resource's"
    severity = Severity.ERROR
    tags = ("iam", "correctness")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for outcome in invoker_analysis(ctx).outcomes:
            req = outcome.requirement
            for miss in outcome.near_misses:
                if miss.code != self.code:
                    continue
                reported.add(id(miss.binding))
                needed = (f"deployed at line {req.anchor.span.start_line}" if req.deploys
                          else f"(called by {req.anchor_at})")
                message = f"binding does not reach {show_name(req.service.name)} {needed}: {miss.reason}"
                yield ctx.report(self, miss.binding.span, message, scope=miss.binding.lines,
                                 fix=binding_fix(req))

        # Any deploy the binding names, event-invoked or not: the right name in the wrong region
        # or project grants nothing on the deployed service.
        deploys: dict[Val, list[Deploy]] = {}  # by service name: a scan per binding was quadratic
        for deploy in ctx.facts(Deploy):
            deploys.setdefault(deploy.service.name, []).append(deploy)
        for binding in ctx.facts(Binding):
            target = binding.target
            if id(binding) in reported or target is None or binding.scope == "project":
                continue
            named = deploys.get(target.name, [])
            if not named or any(same_service(d.service, target) is not Match.NO for d in named):
                continue
            svc = named[-1].service
            where = []
            if same_service(ServiceRef(svc.name, target.region, svc.project), svc) is Match.NO:
                where.append(f"region {show(target.region)} instead of {show(svc.region)}")
            if same_service(ServiceRef(svc.name, svc.region, target.project), svc) is Match.NO:
                where.append(f"project {show(target.project)} instead of {show(svc.project)}")
            reported.add(id(binding))
            yield ctx.report(self, binding.span, f"binding does not reach {show_name(svc.name)} deployed at line "
                             f"{named[-1].span.start_line}: it targets " + " and ".join(where), scope=binding.lines)
