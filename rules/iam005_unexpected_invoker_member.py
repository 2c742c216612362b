from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    PUBLIC_MEMBERS,
    Binding,
    FileContext,
    Finding,
    Requirement,
    Rule,
    Severity,
    Val,
    binding_fix,
    invoker_analysis,
    is_known,
    normalise_member,
    shell_word,
    show,
    show_name,
)

_PREFIXES = ("user", "serviceAccount", "group", "domain", "principal", "principalSet", "deleted")


class UnexpectedInvokerMember(Rule):
    """## What it does
    Reports an invoker binding whose `--member` is malformed (a bare email without the
    `serviceAccount:` prefix, or a misspelt prefix), is not the identity that actually invokes
    the deployment, or is not one of the `invoker-service-accounts` in the configuration.

    ## Why it matters
    gcloud sends `--member` as written; the server rejects a bare email ("Policy members must be
    of the form <type>:<value>"). Granting a different account than the trigger's identity
    (`--trigger-service-account`, else `--service-account`, else the default compute account)
    leaves the trigger without permission while the script looks complete.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done \\
      --service-account=orchestrator@proj.iam.gserviceaccount.com
    gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 \\
      --member=orchestrator@proj.iam.gserviceaccount.com
    ```

    ## Fix
    `--member="serviceAccount:orchestrator@proj.iam.gserviceaccount.com"`: the trigger's own
    identity, with the prefix.

    A member the analysis cannot know (`--member="$MEMBER"`, `serviceAccount:$SA`) is reported
    only when it surely differs from the invoker's identity (for example, another literal
    domain); the malformed and allow-list checks apply to known members only.
    """

    code = "IAM005"
    name = "unexpected-invoker-member"
    summary = "the member is malformed, not the trigger's identity, or not an allowed invoker account"
    severity = Severity.ERROR
    tags = ("iam", "security")
    precision = "high"
    security_severity = "6.5"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for binding in ctx.facts(Binding):
            member = binding.member
            if member is None or not is_known(member) or member in PUBLIC_MEMBERS:
                continue
            prefix, sep, _ = member.partition(":")
            if not sep or prefix not in _PREFIXES:
                reported.add(id(binding))
                hint = f"serviceAccount:{member}" if not sep else "serviceAccount:" + member.partition(":")[2]
                yield ctx.report(self, binding.member_span or binding.span,
                                 f"member {shell_word(member)} is malformed: gcloud needs a type prefix such as "
                                 f"`serviceAccount:` (the server rejects it)",
                                 scope=binding.lines, fix=f"--member={shell_word(hint)}")
        for outcome in invoker_analysis(ctx).outcomes:
            for miss in outcome.near_misses:
                if miss.code != self.code or id(miss.binding) in reported:
                    continue
                reported.add(id(miss.binding))
                service = show_name(outcome.requirement.service.name)
                if outcome.unbound and not outcome.bound and not outcome.requirement.peers:
                    yield ctx.report(self, miss.binding.member_span or miss.binding.span,
                                     f"{miss.reason}: the invoker of {service} stays without permission",
                                     scope=miss.binding.lines, fix=binding_fix(outcome.requirement))
                else:
                    member = show(miss.binding.member or "")
                    yield ctx.report(self, miss.binding.member_span or miss.binding.span,
                                     f"{member} invokes nothing here: {service} is called only by "
                                     f"{_invokers(ctx, outcome.requirement)}", scope=miss.binding.lines,
                                     fix="remove the binding, or list the account in invoker-service-accounts")
        allowed = {normalise_member("serviceAccount:" + a) for a in ctx.config.invoker_service_accounts}
        if not allowed:
            return
        for binding in ctx.facts(Binding):
            member = binding.member
            if (id(binding) in reported or member is None or not is_known(member) or member in PUBLIC_MEMBERS
                    or binding.grants_invoke is not True or not member.startswith("serviceAccount:")):
                continue
            if member not in allowed:
                reported.add(id(binding))
                yield ctx.report(self, binding.member_span or binding.span,
                                 f"{show(member)} is not one of the configured invoker-service-accounts",
                                 scope=binding.lines)


def _invokers(ctx: FileContext, req: Requirement) -> str:
    """The identities that call ``req``'s service, for a message: sorted, so that the message does not
    depend on which invoker the script happens to set up first."""
    by_key: dict[object, list[Val]] = ctx.cached("IAM005:invokers", lambda: _identities(ctx))
    return ", ".join(sorted({show(i) for i in by_key.get(req.service.key, [])}))


def _identities(ctx: FileContext) -> dict[object, list[Val]]:
    """The identities of the requirements on each service (by key), in order."""
    out: dict[object, list[Val]] = {}
    for r in invoker_analysis(ctx).requirements:
        if r.identity is not None:
            out.setdefault(r.service.key, []).append(r.identity)
    return out
