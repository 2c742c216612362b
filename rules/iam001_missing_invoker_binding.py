from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    Deploy,
    FileContext,
    Finding,
    Invoker,
    Outcome,
    Requirement,
    Rule,
    Severity,
    binding_fix,
    display_path,
    file_kind,
    invoker_analysis,
    show,
    show_name,
)


class MissingInvokerBinding(Rule):
    """## What it does
    Reports an event-invoked deployment whose invoking identity gets no invoker binding after
    the deployment's last deploy, on any path through the script.

    Event-invoked means a 2nd-gen Cloud Function with an event trigger (`--trigger-topic`,
    `--trigger-bucket`, `--trigger-event-filters`, `--trigger-event`; gen2 is gcloud's default
    unless `--no-gen2`), or a Cloud Run service that an Eventarc trigger, a Pub/Sub push
    subscription, a Cloud Scheduler job or a Cloud Tasks HTTP task (`gcloud tasks
    create-http-task --oidc-service-account-email`, or a queue's `--http-oidc-service-account-email-override`
    with a `--http-uri-override` host or token audience naming the service) in the script calls with a
    service account. A Cloud Run service is deployed by `gcloud run deploy` or by `gcloud run
    services replace FILE` (the service the manifest's `metadata.name` names; a manifest the script
    renders itself deploys a service the analysis cannot name). A 1st gen HTTP function (deployed
    with `--no-gen2`) that such a caller calls through its `cloudfunctions.net` URL needs
    `roles/cloudfunctions.invoker` on the function instead (`gcloud functions
    add-invoker-policy-binding` grants it on either generation).

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

    Values the analysis cannot know get the benefit of the doubt: a binding counts unless its
    service, region, project or member surely differs from the requirement's, so an unknown
    project or region (`--project="$PROJECT"`, a gcloud config default) never makes a binding
    "for another service". IAM009 lists the bindings that were trusted this way.

    A deploy whose flags come from a variable set by an `if`/`case` (`case "$1" in hook)
    TRIGGER="--trigger-topic=jobs" ;; esac`) is checked on each branch with that branch's values;
    when it lacks the binding on several branches, one finding lists each ("whichever branch at
    line 4 runs, ..."; "at lib/env.sh:3" for a branch in a sourced file).
    """

    code = "IAM001"
    name = "missing-invoker-binding"
    summary = "an event-invoked deployment gets no invoker binding after its last deploy"
    severity = Severity.ERROR
    tags = ("iam", "reliability")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        # One finding per command and call site: a deploy in a loop deploys several services,
        # and one alert listing them is what GitHub can track (one place, one fingerprint).
        groups: dict[object, list[tuple[Outcome, Finding]]] = {}
        for outcome in invoker_analysis(ctx).outcomes:
            if not outcome.unbound or outcome.bound or outcome.lost or _meant_for(outcome):
                continue
            finding = self._one(ctx, outcome)
            # Calls from different places stay apart: a directive at one call covers that call.
            groups.setdefault((finding.span, finding.scope), []).append((outcome, finding))
        for group in groups.values():
            if len(group) == 1:
                yield group[0][1]
            else:
                yield self._several(ctx, group)

    def _one(self, ctx: FileContext, outcome: Outcome) -> Finding:
        req = outcome.requirement
        anchor = req.anchor
        if req.identity is None:
            # Only an invoker sends no identity: a push subscription or a Scheduler job without its flag.
            flag = req.origin.identity_flag if isinstance(req.origin, Invoker) else "--push-auth-service-account"
            rejects = "the Workflow Executions API rejects its requests" if req.resource == "workflow" else \
                "a private Cloud Run service rejects its requests"
            # The clause names the caller; the sentence is about the callee ("..., is invoked with no
            # identity"): "<service>, called by <sub>, sends no identity" said the service sends none.
            message = f"{req.describe(closed=True)} is invoked with no identity (no {flag}): {rejects}"
            return ctx.report(self, anchor.span, message, scope=anchor.lines,
                              fix=f"add {flag}=SA_EMAIL and grant SA {req.role}")
        what = "workflow" if req.resource == "workflow" else "function" if req.gen1 else "service"
        message = (f"{req.describe(closed=True)} is invoked as {_identity(req)}, which gets no "
                   f"{req.role} on {what} {show_name(req.service.name)} {_when(req, ctx.path)}{_revoked(outcome)}")
        notes = []
        if req.calls_function_url:
            notes.append("the URL is a Cloud Functions URL of a function this script does not deploy: a gen2 "
                         f"function needs {req.role} on its Cloud Run service (the fix), a gen1 function "
                         "roles/cloudfunctions.invoker on the function")
        if isinstance(anchor, Deploy) and anchor.kind == "function" and not anchor.generation_pinned:
            notes.append("the deploy pins no generation: gcloud >= 492 creates a new function as gen2, which "
                         "needs this binding; an existing gen1 function stays gen1 (no binding needed) until it "
                         "is re-created, e.g. in a new project. Pin `--gen2` and add the binding, or pin `--no-gen2`")
        return ctx.report(self, anchor.span, message, scope=anchor.lines, fix=binding_fix(req), notes=notes)

    def _several(self, ctx: FileContext, group: list[tuple[Outcome, Finding]]) -> Finding:
        reqs = [outcome.requirement for outcome, _ in group]
        outcomes = [outcome for outcome, _ in group]
        first = group[0][1]
        identities = {_identity(r) for r in reqs}
        services = {r.service.key for r in reqs}
        if len(services) == 1:
            # One service, several invokers (a push subscription, a Scheduler job, a trigger...).
            # (each requirement names every invoker with its identity: one helper may create several)
            callers = "; ".join(
                (f"the {r.callers}" if isinstance(r.origin, Invoker) else r.describe())
                + (f" as {_identity(r)}{_revoked(o)}" if r.identity is not None else " with no identity")
                for r, o in zip(reqs, outcomes, strict=True))
            count = sum(r.caller_count for r in reqs)
            message = (f"service {show_name(reqs[0].service.name)} is called by {count} invokers that get no "
                       f"roles/run.invoker {_when(reqs[0], ctx.path)}: {callers}")
        elif _alternatives(reqs):
            # Variants of one command on different branches (shell/arms.py): only one of them runs.
            items = "; ".join(
                f"{r.describe()} as {_identity(r)}{_revoked(o)}" if r.identity is not None
                else f"{r.describe()} with no identity" for r, o in zip(reqs, outcomes, strict=True))
            message = (f"whichever branch{_branch_lines(reqs)} runs, this command deploys an event-invoked service "
                       f"whose invoker gets no roles/run.invoker {_when(reqs[0], ctx.path)}: {items}")
        elif len(identities) == 1 and all(r.identity is not None for r in reqs):
            # "Cloud Run service a, called by the job x, Cloud Run service b, ..." would not say where one
            # item ends: items that carry a clause are separated by semicolons.
            separator = "; " if any(r.described_with_clause for r in reqs) else ", "
            items = separator.join(f"{r.describe()}{_revoked(o)}" for r, o in zip(reqs, outcomes, strict=True))
            message = (f"this command deploys {len(reqs)} event-invoked services that get no roles/run.invoker "
                       f"{_when(reqs[0], ctx.path)}: {items}; each is invoked as {identities.pop()}")
        else:
            items = "; ".join(
                f"{r.describe()} as {_identity(r)}{_revoked(o)}" if r.identity is not None
                else f"{r.describe()} with no identity" for r, o in zip(reqs, outcomes, strict=True))
            message = (f"this command deploys {len(reqs)} event-invoked services whose invokers get no "
                       f"roles/run.invoker {_when(reqs[0], ctx.path)}: {items}")
        fixes = [f.fix for _, f in group if f.fix]
        notes = dict.fromkeys(n for _, f in group for n in f.notes)
        return ctx.report(self, first.span, message, scope=first.scope, fix="; ".join(dict.fromkeys(fixes)),
                          notes=notes)


def _alternatives(reqs: list[Requirement]) -> bool:
    """Whether the requirements come from variants of one command on different branches."""
    arms = [req.anchor.run.arms for req in reqs]
    return all(arms) and len(set(arms)) == len(arms)


def _branch_lines(reqs: list[Requirement]) -> str:
    """`` at line 12`` (`` at lines 12, 30``): where the branches that choose the variant are; in
    another file (a sourced file, a child script: its places are ``path:line:col``) `` at
    lib/env.sh:25``."""
    places: set[tuple[str, int]] = set()
    for req in reqs:
        for where, _ in req.anchor.run.arms:
            path, _, line = str(where).rpartition(":")[0].rpartition(":")
            if line.isdigit():
                places.add((path, int(line)))
    if not places:
        return ""
    shown = [str(line) if not path else f"{display_path(path)}:{line}" for path, line in sorted(places)]
    if all(path for path, _ in places):
        return f" at {', '.join(shown)}"
    return f" at line {shown[0]}" if len(shown) == 1 else f" at lines {', '.join(shown)}"


def _identity(req: Requirement) -> str:
    origin = req.origin
    source = f" ({origin.invoker_source})" if isinstance(origin, Deploy) and origin.invoker_source else ""
    return f"{show(req.identity or '')}{source}"


def _when(req: Requirement, path: str) -> str:
    if req.deploys:
        return "after this deploy"
    return f"anywhere in the {file_kind(path)}"


def _revoked(outcome: Outcome) -> str:
    if not outcome.revoked:
        return ""
    revoke = outcome.revoked[-1]
    how = ("replaces the project's whole policy" if revoke.replace else "removes the project-level binding") \
        if revoke.scope == "project" else "replaces the whole policy" if revoke.replace else "removes the binding"
    return f" (the command at line {revoke.span.start_line} {how})"


def _meant_for(outcome: Outcome) -> bool:
    """Whether a near-miss binding was meant for this requirement (then that binding's own finding
    says what to fix). A grant to a stranger on a service with several invokers was meant for none
    of them: each unbound invoker is still named."""
    peers = outcome.requirement.peers
    return any(miss.code != "IAM005" or not peers for miss in outcome.near_misses)
