from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import Deploy, FileContext, Finding, Rule, Severity, binding_fix, invoker_analysis, show


class MissingInvokerBinding(Rule):
    """## What it does
    Reports an event-invoked deployment whose invoking identity gets no invoker binding after
    the deployment's last deploy, on any path through the script.

    Event-invoked means a 2nd-gen Cloud Function with an event trigger (`--trigger-topic`,
    `--trigger-bucket`, `--trigger-event-filters`, `--trigger-event`; gen2 is gcloud's default
    unless `--no-gen2`), or a Cloud Run service that an Eventarc trigger, a Pub/Sub push
    subscription or a Cloud Scheduler job in the script calls with a service account.

    ## Why it matters
    `gcloud functions deploy` never grants the trigger's service account anything. Without
    `roles/run.invoker` on the function's Cloud Run service, every event is rejected with 403
    and nothing fails loudly: the pipeline just stops. This is the incident shlint-iam exists
    for: three Pub/Sub orchestrators stood still for 7 days.

    The identity is `--trigger-service-account`, else `--service-account`, else the default
    compute service account `PROJECT_NUMBER-compute@developer.gserviceaccount.com`.

    ## Example
    ```bash
    gcloud functions deploy phase3-to-phase4-orchestrator --gen2 --region=us-west2 \\
      --trigger-topic=phase3-complete --runtime=python312 --source=.
    ```

    ## Fix
    Grant the invoker after the deploy:
    ```bash
    gcloud functions add-invoker-policy-binding phase3-to-phase4-orchestrator --region=us-west2 \\
      --member="serviceAccount:756957797294-compute@developer.gserviceaccount.com"
    ```
    (or `gcloud run services add-iam-policy-binding NAME --role=roles/run.invoker ...`).
    """

    code = "IAM001"
    name = "missing-invoker-binding"
    summary = "an event-invoked deployment gets no invoker binding after its last deploy"
    severity = Severity.ERROR
    tags = ("iam", "reliability")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for outcome in invoker_analysis(ctx).outcomes:
            if not outcome.unbound or outcome.bound or outcome.lost or outcome.near_misses:
                continue
            req = outcome.requirement
            anchor = req.anchor
            if req.identity is None:
                message = (f"{req.describe()} sends no identity (no --push-auth-service-account): "
                           "a private Cloud Run service rejects its requests")
                yield ctx.report(self, anchor.span, message, scope=anchor.lines,
                                 fix="add --push-auth-service-account=SA_EMAIL and grant SA roles/run.invoker")
                continue
            when = "after this deploy" if req.deploys else "anywhere in the script"
            origin = req.origin
            source = f" ({origin.invoker_source})" if isinstance(origin, Deploy) and origin.invoker_source else ""
            message = (f"{req.describe()} is invoked as {show(req.identity)}{source}, which gets no "
                       f"roles/run.invoker on service {show(req.service.name)} {when}")
            if outcome.revoked:
                revoke = outcome.revoked[-1]
                how = "replaces the whole policy" if revoke.replace else "removes the binding"
                message += f" (the command at line {revoke.span.start_line} {how})"
            yield ctx.report(self, anchor.span, message, scope=anchor.lines, fix=binding_fix(req))
