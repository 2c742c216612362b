from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    Binding,
    FileContext,
    Finding,
    Invoker,
    Rule,
    Severity,
    binding_fix,
    invoker_analysis,
    is_broad,
    show,
    show_name,
)


class OverlyBroadRole(Rule):
    """## What it does
    Reports a binding that gives an invoker identity more than invoke: `roles/owner`,
    `roles/editor`, `roles/run.admin`, `roles/run.developer`, `roles/run.sourceDeveloper`, or
    `roles/run.invoker` on the whole project (`gcloud projects add-iam-policy-binding`), which lets
    it invoke every Cloud Run service and gen2 function of the project, not only the one it calls.

    ## Why it matters
    These bindings do let the trigger call the service, so the pipeline works, but the account
    can now invoke every service in the project, and with the admin and developer roles deploy,
    change or delete them too. A leaked key or a compromised function becomes a project-wide
    incident.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --project=my-project \\
      --trigger-topic=done --service-account="$SA"
    gcloud projects add-iam-policy-binding my-project \\
      --member="serviceAccount:$SA" --role=roles/run.invoker
    ```

    ## Fix
    Bind `roles/run.invoker` on the one service:
    `gcloud run services add-iam-policy-binding NAME --region=R --member=... --role=roles/run.invoker`.
    """

    code = "IAM007"
    name = "overly-broad-role"
    summary = "an invoker identity gets more than invoke"
    severity = Severity.WARNING
    tags = ("iam", "security")
    precision = "high"
    security_severity = "5.0"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        seen: set[int] = set()
        for outcome in invoker_analysis(ctx).outcomes:
            for binding in outcome.satisfying:
                if id(binding) in seen or not is_broad(binding):
                    continue
                seen.add(id(binding))
                service = show_name(outcome.requirement.service.name)
                yield ctx.report(
                    self, binding.role_span or binding.span,
                    _grant(binding, f"invoker {show(binding.member or '')}", f", not only {service}"),
                    scope=binding.lines,
                    fix=binding_fix(outcome.requirement),
                )
        # A broad grant to an identity that invokes anything in the scripts, wherever it is made
        # (also one that calls a URL the analysis cannot name: `--uri "$SERVICE_URL"`).
        identities = invoker_analysis(ctx).identities() | {
            invoker.identity for invoker in ctx.facts(Invoker) if invoker.identity is not None}
        for binding in ctx.facts(Binding):
            if id(binding) in seen or not is_broad(binding) or binding.member not in identities:
                continue
            seen.add(id(binding))
            yield ctx.report(
                self, binding.role_span or binding.span,
                _grant(binding, f"{show(binding.member or '')}, an invoker in these scripts,", ""),
                scope=binding.lines, fix="grant roles/run.invoker on the services it invokes only")


def _grant(binding: Binding, who: str, not_only: str) -> str:
    """What the binding gives ``who``: every service of the project (``roles/run.invoker`` there),
    or more than invoke (a role that can also deploy, change or delete)."""
    role = show(binding.role or "")
    if binding.scope == "project" and binding.role == "roles/run.invoker":
        return f"{role} on the whole project lets {who} invoke every Cloud Run service in the project{not_only}"
    where = "on the whole project" if binding.scope == "project" else "on the service"
    return f"{role} {where} gives {who} more than invoke"
