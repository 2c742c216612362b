from __future__ import annotations

from collections.abc import Callable, Iterator

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
    same_service,
    show,
    show_name,
)


class PublicInvoker(Rule):
    """## What it does
    Reports an event-invoked deployment that is made public: `--allow-unauthenticated` (or
    `--no-invoker-iam-check`) on its deploy, the annotation `run.googleapis.com/invoker-iam-disabled:
    'true'` in the manifest of `gcloud run services replace FILE`, or an `allUsers` /
    `allAuthenticatedUsers` invoker binding on its service.

    ## Why it matters
    An event-driven function or service only needs its trigger's identity to call it. Making it
    public "fixes" the 403 by letting anyone on the internet call the endpoint and inject events.
    An HTTP function that is public on purpose (`--trigger-http --allow-unauthenticated`) is not
    reported.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done \\
      --allow-unauthenticated
    ```

    ## Fix
    Drop `--allow-unauthenticated` (on an existing function, `--no-allow-unauthenticated`
    removes the public binding) and grant `roles/run.invoker` to the trigger's service account.

    A public binding whose service, region or project is unknown is reported when it may be the
    deployed service's (the comparison is not "surely different"). A function deploy that pins no
    generation (neither `--gen2` nor `--no-gen2`) is reported as the gen2 function gcloud creates,
    with a note: an existing gen1 event function stays gen1 and has no public endpoint.
    """

    code = "IAM006"
    name = "public-invoker"
    summary = "an event-invoked deployment is made public"
    severity = Severity.ERROR
    tags = ("iam", "security")
    precision = "very-high"
    security_severity = "8.5"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analysis = invoker_analysis(ctx)
        seen: set[int] = set()
        # A public member with a role that grants no invoke makes nothing public (IAM004 says so).
        public = [b for b in ctx.facts(Binding)
                  if b.is_public and b.target is not None and b.grants_invoke is not False]
        named = _by_name(public)
        for req in analysis.requirements:
            for deploy in req.deploys:
                if deploy.public_span is None or id(deploy) in seen:
                    continue
                seen.add(id(deploy))
                yield ctx.report(self, deploy.public_span,
                                 f"{deploy.public_flag} makes {req.describe(closed=True)} callable by anyone; "
                                 "only its invoker needs access",
                                 scope=deploy.lines, fix=f"remove {deploy.public_flag}; {binding_fix(req)}",
                                 notes=_unpinned(deploy))
            for binding in named(req.service.name):
                assert binding.target is not None
                if id(binding) not in seen and same_service(binding.target, req.service) is not Match.NO:
                    seen.add(id(binding))
                    yield ctx.report(self, binding.member_span or binding.span,
                                     f"{show(binding.member or '')} makes {req.describe(closed=True)} "
                                     "callable by anyone",
                                     scope=binding.lines, fix=binding_fix(req))
        for deploy in ctx.facts(Deploy):
            if deploy.event_invoked and deploy.public_span is not None and id(deploy) not in seen:
                seen.add(id(deploy))
                yield ctx.report(self, deploy.public_span,
                                 f"{deploy.public_flag} makes event-invoked function {show_name(deploy.name)} public",
                                 scope=deploy.lines, notes=_unpinned(deploy))


def _unpinned(deploy: Deploy) -> list[str]:
    """A function deploy with neither --gen2 nor --no-gen2 is gen2 only when it creates the function."""
    if deploy.kind != "function" or deploy.generation_pinned:
        return []
    return ["the deploy pins no generation: gcloud >= 492 creates a new function as gen2, whose service the flag "
            "makes public; an existing gen1 function stays gen1, where an event function has no public endpoint. "
            "Pin `--gen2` (and drop the flag) or `--no-gen2`"]


def _by_name(bindings: list[Binding]) -> Callable[[Val], list[Binding]]:
    """The bindings whose target may be the service ``name`` names, in order: looked up by name,
    since scanning every binding for every requirement was quadratic (a known name never
    compares equal to another known name)."""
    by_name: dict[Val, list[int]] = {}
    unknown: list[int] = []
    for i, binding in enumerate(bindings):
        assert binding.target is not None
        name = binding.target.name
        (by_name.setdefault(name, []) if is_known(name) else unknown).append(i)

    def named(name: Val) -> list[Binding]:
        if not is_known(name):
            return bindings
        return [bindings[i] for i in sorted({*by_name.get(name, ()), *unknown})]

    return named
