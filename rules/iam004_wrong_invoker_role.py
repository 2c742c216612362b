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
    Val,
    binding_fix,
    invoker_analysis,
    is_known,
    location_flags,
    same_service,
    shell_word,
    show,
    show_name,
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

    A 1st gen function (deployed with `--no-gen2`) is the other way round: it is invoked through
    its own policy, so `roles/cloudfunctions.invoker` (or `.developer`, `.admin`) on the function
    is right, and `roles/run.invoker` there, another Cloud Functions role, or a `gcloud run
    services` binding (a 1st gen function has no Cloud Run service) is reported.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    gcloud functions add-iam-policy-binding orchestrator --region=us-west2 \\
      --member="serviceAccount:$SA" --role=roles/cloudfunctions.invoker
    ```

    ## Fix
    Use `gcloud functions add-invoker-policy-binding NAME --member=...`, or
    `gcloud run services add-iam-policy-binding NAME --role=roles/run.invoker --member=...`.

    A binding on a function's own policy is reported when its function is surely one deployed
    here as gen2 (a name, region or project the analysis cannot know is not assumed to match).
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
                deploys = [d for d in outcome.requirement.deploys if d.kind == "function"]
                unpinned = [d for d in deploys if not d.generation_pinned]
                fix = binding_fix(outcome.requirement)
                notes: list[str] = []
                if binding.scope == "function" and unpinned:
                    notes.append(_depends(unpinned[-1]))
                    # A public member granted to an event-invoked function: grant what invokes it,
                    # not allUsers (which would make the gen2 function public).
                    identity = outcome.requirement.identity
                    member = identity if binding.is_public and identity is not None else None
                    fix = _both_fixes(unpinned[-1], binding, member)
                yield ctx.report(self, binding.role_span or binding.span, f"{miss.reason}; the invoker of "
                                 f"{show_name(outcome.requirement.service.name)} still cannot call it",
                                 scope=binding.lines, fix=fix, notes=notes)
        # `functions add-iam-policy-binding` on a function known to be gen2 grants no invoke: the
        # command says --gen2, or every deploy of that name here is gen2 (pinned, or by default).
        functions = [d for d in ctx.facts(Deploy) if d.kind == "function"]
        # By service name (a scan of every deploy per binding was quadratic): Match.YES needs equal
        # known names, and a known name never matches an unknown one YES.
        by_name: dict[Val, list[Deploy]] = {}
        unknown: list[Deploy] = []
        for deploy in functions:
            name = deploy.service.name
            (by_name.setdefault(name, []) if is_known(name) else unknown).append(deploy)
        for binding in ctx.facts(Binding):
            if binding.scope != "function" or id(binding) in reported or binding.target is None:
                continue
            target = binding.target
            candidates = by_name.get(target.name, []) if is_known(target.name) else unknown
            named = [d for d in candidates if same_service(d.service, target) is Match.YES]
            gen2 = binding.gen2 or (bool(named) and all(d.generation == 2 for d in named))
            unpinned = [d for d in named if not d.generation_pinned] if not binding.gen2 else []
            extra: list[str] = []
            fix = _grant(binding)
            if binding.role == "roles/run.invoker":
                reason = "`functions add-iam-policy-binding` cannot grant roles/run.invoker on a function"
            elif gen2:
                reason = f"{show(binding.role or '?')} on a gen2 function's own policy does not grant invoke"
                if unpinned:
                    extra.append(_depends(unpinned[-1]))
                    fix = _both_fixes(unpinned[-1], binding)
            else:
                continue
            reported.add(id(binding))
            yield ctx.report(self, binding.role_span or binding.span, reason, scope=binding.lines, fix=fix,
                             notes=extra)


def _depends(deploy: Deploy) -> str:
    return (f"the deploy at line {deploy.span.start_line} pins no generation: gcloud >= 492 creates a new "
            "function as gen2 (where this binding grants nothing), while an existing gen1 function stays gen1 "
            "(where it works); a fresh project or a re-created function silently becomes the broken case")


def _both_fixes(deploy: Deploy, binding: Binding, member: Val | None = None) -> str:
    return (f"either pin gen1 with `--no-gen2` on the deploy at line {deploy.span.start_line}, or pin `--gen2` "
            f"there and grant with `{_grant(binding, deploy.name, member)}`")


def _grant(binding: Binding, name: Val | None = None, member: Val | None = None) -> str:
    """The invoker binding of the function ``binding`` meant, to paste in its place (for
    ``member``, default the binding's own)."""
    target = binding.target
    function = binding.function_name if binding.function_name is not None else name or (target.name if target else "")
    granted = member if member is not None else binding.member
    member_word = shell_word(granted) if granted is not None else "MEMBER"
    region, project = location_flags(target) if target is not None else ("", "")
    return f"gcloud functions add-invoker-policy-binding {shell_word(function)}{region} --member={member_word}{project}"
