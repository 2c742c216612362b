"""Who must be able to invoke what, and whether the script grants it on every path.

Shared by the IAM rules. A *requirement* is an identity that must hold an invoke role on a
Cloud Run service: the trigger identity of an event-invoked gen2 function, or the identity of an
Eventarc trigger, push subscription or Scheduler job that calls a service. A small dataflow over
the trace follows each requirement's state along every path:

``N`` not deployed yet, ``P`` bound before any deploy, ``U`` deployed and not bound since,
``B`` deployed and bound, ``D`` deleted, ``G`` granted on the project (kept for good: a
project-level grant is not lost by a later deploy, delete or service policy change).

A deploy moves N/P/D to U (a binding made before the resource existed is lost) and keeps B (a
redeploy keeps bindings); a matching binding moves U to B and N/D to P; a delete moves to D.
Paths that end with a failing ``exit`` are failed runs and do not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .core import FileContext
from .gcloud.facts import (
    BROAD_ROLES,
    WORKFLOW_INVOKE_ROLES,
    Binding,
    Delete,
    Deploy,
    Invoker,
    Revoke,
    ServiceRef,
    member_of_email,
    normalise_member,
)
from .shell.trace import Block, Choice, CommandRun, Exit, Node
from .shell.values import URL_PART, Tri, Val, compare, from_config, is_known, shell_word, show, unknowns

# Three-valued answers (shlint_iam.shell.values.Tri): YES surely, NO surely not, MAYBE unknown.
Match = Tri


def same_service(a: ServiceRef, b: ServiceRef) -> Tri:
    """Whether two references name the same Cloud Run service: NO as soon as the name, region or
    project surely differs; YES when all three surely agree; else MAYBE."""
    return Tri.all((compare(a.name, b.name), compare(a.region, b.region), compare(a.project, b.project)))


def same_member(identity: Val, member: Val) -> Tri:
    """Whether ``member`` (from --member) is ``identity`` (``serviceAccount:EMAIL``); emails
    compare case-insensitively where known. The default compute account of a project is equal to
    another project's exactly when the projects are (``PROJECT_NUMBER`` holds its project)."""
    return compare(normalise_member(identity), normalise_member(member))


@dataclass(eq=False)
class Requirement:
    service: ServiceRef
    identity: Val | None  # None: the invoker sends no identity (unauthenticated push)
    origin: Deploy | Invoker  # what makes the service event-invoked
    deploys: list[Deploy] = field(default_factory=list)
    invokers: list[Invoker] = field(default_factory=list)
    # Members a binding on this service may rightly grant besides ``identity``: the identities of
    # the service's other invokers, and the configured invoker-service-accounts.
    peers: set[Val] = field(default_factory=set)
    allowed: set[Val] = field(default_factory=set)

    @property
    def anchor(self) -> Deploy | Invoker:
        """Where IAM001 is reported: the last deploy of the service, else the invoker."""
        return self.deploys[-1] if self.deploys else self.origin

    @property
    def resource(self) -> str:
        """"service" (a Cloud Run service) or "workflow" (an Eventarc trigger's workflow destination)."""
        return self.origin.resource if isinstance(self.origin, Invoker) else "service"

    @property
    def role(self) -> str:
        return "roles/workflows.invoker" if self.resource == "workflow" else "roles/run.invoker"

    def describe(self) -> str:
        origin = self.origin
        if isinstance(origin, Deploy):
            return f"gen2 function {show(origin.name)} ({origin.trigger_description})"
        if self.resource == "workflow":
            return f"workflow {show(self.service.name)}, started by the {origin.description}"
        return f"Cloud Run service {show(self.service.name)}, called by the {origin.description}"


@dataclass(eq=False)
class NearMiss:
    """A binding meant for a requirement that does not satisfy it, and why."""

    binding: Binding
    code: str  # IAM003, IAM004 or IAM005
    reason: str


@dataclass(eq=False)
class Outcome:
    requirement: Requirement
    unbound: bool  # some counted path ends deployed and unbound
    bound: bool  # some counted path ends bound
    satisfying: list[Binding] = field(default_factory=list)
    lost: list[Binding] = field(default_factory=list)  # IAM002: ran before the deploy, none after
    revoked: list[Revoke] = field(default_factory=list)  # removals or policy replacements on the way
    near_misses: list[NearMiss] = field(default_factory=list)


def classify(binding: Binding, req: Requirement) -> tuple[str, str] | None:
    """("ok", "") when ``binding`` satisfies ``req``, (code, reason) for a near miss, None if unrelated.

    Unknown values get the benefit of the doubt: a binding satisfies the requirement unless its
    project, service name, region or member *surely* differs (``Tri.NO``); a near miss (IAM003,
    IAM005) is reported only for a difference the script makes certain. IAM009 lists the bindings
    this trust was given to."""
    svc = req.service
    if binding.scope == "project":
        if compare(binding.project, svc.project) is Tri.NO or binding.member is None or req.identity is None:
            return None
        if same_member(req.identity, binding.member) is Match.NO:
            return None
        if req.resource == "workflow":
            return ("ok", "") if binding.role in WORKFLOW_INVOKE_ROLES else None
        if binding.grants_invoke is False:
            return None  # some unrelated project role for this account
        return ("ok", "")
    if req.resource == "workflow":
        return None  # a workflow's own policy is not modelled: only project-level grants count
    target = binding.target
    if target is None:
        return None
    name_match = compare(target.name, svc.name)
    if name_match is Tri.NO:
        if compare(target.name.lower(), svc.name) is Tri.YES:
            return ("IAM003", f"Cloud Run service names are lower-case: the function's service is {show(svc.name)}")
        return None
    where = []
    if compare(target.region, svc.region) is Tri.NO:
        where.append(f"region {show(target.region)} instead of {show(svc.region)}")
    if compare(target.project, svc.project) is Tri.NO:
        where.append(f"project {show(target.project)} instead of {show(svc.project)}")
    if where:
        return ("IAM003", "it targets " + " and ".join(where))
    if binding.scope == "function":
        role = show(binding.role or "?")
        if binding.role == "roles/run.invoker":
            return ("IAM004", "`functions add-iam-policy-binding` cannot grant roles/run.invoker on a function")
        return ("IAM004", f"{role} on the function resource does not let anyone invoke a gen2 function")
    if binding.is_public:
        return ("ok", "")
    if binding.grants_invoke is False:
        return ("IAM004", f"{show(binding.role or '?')} does not grant run.routes.invoke")
    member = binding.member
    if member is None or req.identity is None:
        return ("ok", "") if member is None else None
    if is_known(member) and ":" not in member:
        return ("IAM005", f"the member {show(member)} has no `serviceAccount:` prefix")
    if same_member(req.identity, member) is Match.NO:
        if any(same_member(peer, member) is not Match.NO for peer in req.peers | req.allowed):
            return None  # the binding of another invoker of the same service
        return ("IAM005", f"it grants {show(member)}, but the invoker is {show(req.identity)}")
    return ("ok", "")


def requirements(facts: Iterable[object]) -> list[Requirement]:
    """The invoke requirements of one file's facts, in the order they appear."""
    facts = list(facts)
    reqs: dict[tuple[tuple[Val, Val, Val], Val | None, str], Requirement] = {}
    run_deploys: list[Deploy] = []
    key: tuple[tuple[Val, Val, Val], Val | None, str]
    for fact in facts:
        if isinstance(fact, Deploy):
            if fact.event_invoked:
                key = (fact.service.key, "function", "service")
                req = reqs.get(key)
                if req is None:
                    reqs[key] = req = Requirement(fact.service, fact.invoker, fact)
                else:
                    req.identity = fact.invoker
                    req.origin = fact
                req.deploys.append(fact)
            elif fact.kind == "run":
                run_deploys.append(fact)
        elif isinstance(fact, Invoker) and fact.target is not None:
            target = _deployed_target(fact.target, facts) if fact.resource == "service" else fact.target
            key = (target.key, fact.identity, fact.resource)
            req = reqs.get(key)
            if req is None:
                reqs[key] = req = Requirement(target, fact.identity, fact)
            req.invokers.append(fact)
    for req in reqs.values():
        if isinstance(req.origin, Invoker) and req.resource == "service":
            req.deploys = [d for d in run_deploys if same_service(d.service, req.service) is Match.YES]
            # A function's service can be the target too (push to a function's URL).
            for fact in facts:
                if isinstance(fact, Deploy) and fact.kind == "function" and \
                        same_service(fact.service, req.service) is Match.YES and fact not in req.deploys:
                    req.deploys.append(fact)
    return list(reqs.values())


def _deployed_target(target: ServiceRef, facts: list[object]) -> ServiceRef:
    """A URL names a service but not always its region or project (``https://NAME-HASH-uw.a.run.app``):
    when exactly one deployed service of that name fits, the URL is that service."""
    if not any(u.kind == URL_PART for u in unknowns(target.region) + unknowns(target.project)):
        return target
    fits = {f.service.key: f.service for f in facts if isinstance(f, Deploy)
            and compare(f.service.name, target.name) is Tri.YES and same_service(f.service, target) is not Tri.NO}
    return next(iter(fits.values())) if len(fits) == 1 else target


def _transition(state: str, event: str) -> str:
    if event == "grant" or state == "G":
        return "G"  # granted on the project: no deploy, delete or service policy change takes it away
    if event == "deploy":
        return "B" if state == "B" else "U"
    if event == "public":
        return "B"
    if event == "bind":
        return {"U": "B", "B": "B", "N": "P", "P": "P", "D": "P"}[state]
    if event == "delete":
        return "D"
    if event == "revoke":
        return {"B": "U", "P": "N"}.get(state, state)
    return state


class _Flow:
    """Walks the trace for one requirement."""

    def __init__(self, req: Requirement, inert: set[int] | None = None, relevance: _Relevance | None = None) -> None:
        self.req = req
        self.inert = inert or set()  # ids of subtrees that change no state (no facts, no exits)
        # Subtrees with no exit and no fact that may concern this service change no state either.
        self.relevance = relevance if relevance is not None and is_known(req.service.name) else None
        self.satisfying: list[Binding] = []
        self.order: list[tuple[str, object]] = []  # (event, fact) in walk order

    def events(self, run: CommandRun) -> list[str]:
        out = []
        for fact in run.facts:
            if isinstance(fact, Deploy) and fact in self.req.deploys:
                out.append("public" if fact.public_span is not None else "deploy")
                self.order.append(("deploy", fact))
            elif isinstance(fact, Delete) and same_service(fact.service, self.req.service) is Match.YES:
                out.append("delete")
                self.order.append(("delete", fact))
            elif isinstance(fact, Revoke) and same_service(fact.target, self.req.service) is Match.YES and (
                fact.replace or fact.member is None or self.req.identity is None
                or same_member(self.req.identity, fact.member) is not Match.NO
            ):
                out.append("revoke")
                self.order.append(("revoke", fact))
            elif isinstance(fact, Binding):
                verdict = classify(fact, self.req)
                if verdict is not None and verdict[0] == "ok":
                    event = "grant" if fact.scope == "project" else "bind"
                    out.append(event)
                    if fact not in self.satisfying:
                        self.satisfying.append(fact)
                    self.order.append((event, fact))
        return out

    def walk(self, node: Node, states: frozenset[str]) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
        """(states falling through, states leaving by each exit kind)."""
        exits: dict[str, frozenset[str]] = {}
        if id(node) in self.inert:
            return states, exits
        if self.relevance is not None and not self.relevance.concerns(node, self.req.service.name):
            return states, exits
        if isinstance(node, CommandRun):
            for event in self.events(node):
                states = frozenset(_transition(s, event) for s in states)
            return states, exits
        if isinstance(node, Exit):
            if node.kind == "exit" and not node.success:
                return frozenset(), exits  # a failed run: the operator sees it fail
            return frozenset(), {node.kind: states}
        if isinstance(node, Choice):
            fall: frozenset[str] = frozenset()
            branches: list[Node] = list(node.branches)
            if self.relevance is not None:
                branches = self.relevance.children(node, self.req.service.name)
                if len(branches) < len(node.branches):
                    fall = states  # a branch that changes nothing lets the states fall through
            for branch in branches:
                b_fall, b_exits = self.walk(branch, states)
                fall |= b_fall
                for kind, value in b_exits.items():
                    exits[kind] = exits.get(kind, frozenset()) | value
            return fall, exits
        assert isinstance(node, Block)
        children = node.nodes if self.relevance is None else self.relevance.children(node, self.req.service.name)
        for child in children:
            if not states:
                break
            states, child_exits = self.walk(child, states)
            for kind, value in child_exits.items():
                exits[kind] = exits.get(kind, frozenset()) | value
        for kind in list(exits):
            if node.catches(kind):
                states |= exits.pop(kind)
        return states, exits


def inert_nodes(trace: Block) -> set[int]:
    """The ids of the blocks and choices under ``trace`` that hold no fact and no exit: walking
    them changes nothing, so every requirement's walk skips them."""
    effect: dict[int, bool] = {}
    stack: list[tuple[Node, bool]] = [(trace, False)]
    while stack:
        node, done = stack.pop()
        if isinstance(node, CommandRun):
            effect[id(node)] = bool(node.facts)
        elif isinstance(node, Exit):
            effect[id(node)] = True
        else:
            children: list[Node] = list(node.nodes) if isinstance(node, Block) else list(node.branches)
            if done:
                effect[id(node)] = any(effect[id(c)] for c in children)
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in children)
    return {key for key, has in effect.items() if not has}


_ANY = "\x00any"  # an exit, or a fact that may concern any service (project-wide, name not known)


class _Relevance:
    """Which services each subtree of a trace may concern, so that each requirement's walk
    visits only the subtrees that can change its state: one walk per requirement over the whole
    trace cost requirements x trace (2,000 deploys behind `if`s took 23 s). Exact: a skipped
    subtree has no exit and no fact that ``_Flow.events`` could count for the service (those
    need the service's name to match, see ``compare``; an unknown name concerns every subtree)."""

    def __init__(self, trace: Block) -> None:
        self.names: dict[int, frozenset[str]] = {}
        self.index: dict[int, tuple[dict[str, list[int]], list[int]]] = {}
        stack: list[tuple[Node, bool]] = [(trace, False)]
        while stack:
            node, done = stack.pop()
            if isinstance(node, CommandRun):
                self.names[id(node)] = frozenset(_fact_names(node.facts))
            elif isinstance(node, Exit):
                self.names[id(node)] = frozenset({_ANY})
            else:
                children: list[Node] = list(node.nodes) if isinstance(node, Block) else list(node.branches)
                if done:
                    self.names[id(node)] = frozenset().union(*(self.names[id(c)] for c in children))
                else:
                    stack.append((node, True))
                    stack.extend((c, False) for c in children)

    def concerns(self, node: Node, name: Val) -> bool:
        """Whether ``node`` may concern the service ``name`` (a name the analysis cannot know may
        be any service's: nothing is skipped for it)."""
        names = self.names.get(id(node))
        return names is None or not is_known(name) or name in names or _ANY in names

    def children(self, node: Block | Choice, name: Val) -> list[Node]:
        """The children of a block (branches of a choice) that concern ``name``, in order."""
        nodes = node.nodes if isinstance(node, Block) else node.branches
        if not is_known(name):
            return list(nodes)
        if len(nodes) < 16:
            return [c for c in nodes if self.concerns(c, name)]
        entry = self.index.get(id(node))
        if entry is None:
            by_name: dict[str, list[int]] = {}
            for i, child in enumerate(nodes):
                for n in self.names.get(id(child), frozenset({_ANY})):
                    by_name.setdefault(n, []).append(i)
            entry = self.index[id(node)] = (by_name, by_name.get(_ANY, []))
        by_name, anywhere = entry
        picked = sorted({*by_name.get(name, ()), *anywhere})
        return [nodes[i] for i in picked]


def _fact_names(facts: Iterable[object]) -> Iterator[str]:
    for fact in facts:
        if isinstance(fact, (Deploy, Delete)):
            yield fact.service.name if is_known(fact.service.name) else _ANY
        elif isinstance(fact, Revoke):
            yield fact.target.name if is_known(fact.target.name) else _ANY
        elif isinstance(fact, Binding):
            if fact.scope == "project":
                yield _ANY
            elif fact.target is not None:
                yield fact.target.name if is_known(fact.target.name) else _ANY


def analyse_requirement(req: Requirement, trace: Block, bindings: list[Binding],
                        inert: set[int] | None = None, relevance: _Relevance | None = None) -> Outcome:
    flow = _Flow(req, inert, relevance)
    fall, exits = flow.walk(trace, frozenset({"N"}))
    final = set(fall)
    for value in exits.values():
        final |= value
    has_deploy = bool(req.deploys)
    bad = {"U"} if has_deploy else {"N", "U", "D"}
    good = {"B", "G"} if has_deploy else {"B", "P", "G"}
    outcome = Outcome(req, unbound=bool(final & bad), bound=bool(final & good), satisfying=flow.satisfying)
    if outcome.unbound and not outcome.bound:
        last_deploy = max((i for i, (e, _) in enumerate(flow.order) if e in ("deploy", "delete")), default=-1)
        outcome.revoked = [fact for e, fact in flow.order if e == "revoke" and isinstance(fact, Revoke)]
        outcome.lost = [
            fact for i, (e, fact) in enumerate(flow.order)
            if e == "bind" and i < last_deploy and isinstance(fact, Binding)
        ]
        for binding in bindings:
            verdict = classify(binding, req)
            if verdict is not None and verdict[0] != "ok":
                outcome.near_misses.append(NearMiss(binding, verdict[0], verdict[1]))
    else:
        # Served: only a grant to a member that invokes the service in no way is still worth a word.
        for binding in bindings:
            verdict = classify(binding, req)
            if verdict is not None and verdict[0] == "IAM005":
                outcome.near_misses.append(NearMiss(binding, verdict[0], verdict[1]))
    return outcome


@dataclass
class InvokerAnalysis:
    outcomes: list[Outcome]
    requirements: list[Requirement]

    def identities(self) -> set[Val]:
        return {r.identity for r in self.requirements if r.identity}


def analyse_invokers(facts: list[object], trace: Block, allowed: Iterable[Val] = ()) -> InvokerAnalysis:
    """``allowed``: the configured invoker-service-accounts (``serviceAccount:EMAIL`` members)."""
    reqs = requirements(facts)
    allowed = set(allowed)
    for req, others in _maybe_same_service(reqs):
        req.peers = {other.identity for other in others if other is not req and other.identity is not None
                     and other.resource == req.resource and same_service(other.service, req.service) is not Match.NO}
        req.allowed = allowed
    bindings = [f for f in facts if isinstance(f, Binding)]
    inert = inert_nodes(trace) if reqs else set()
    relevance = _Relevance(trace) if len(reqs) > 1 else None
    return InvokerAnalysis([analyse_requirement(r, trace, bindings, inert, relevance) for r in reqs], reqs)


def _maybe_same_service(reqs: list[Requirement]) -> Iterator[tuple[Requirement, list[Requirement]]]:
    """Each requirement with the ones whose service may be its own: those of the same name, and
    those whose name is not known (two known names differ or not). Comparing every pair cost
    requirements squared (a 5,000-arm `case` of deploys: 25 million comparisons)."""
    by_name: dict[str, list[Requirement]] = {}
    unknown: list[Requirement] = []
    for req in reqs:
        if is_known(req.service.name):
            by_name.setdefault(req.service.name, []).append(req)
        else:
            unknown.append(req)
    for req in reqs:
        yield req, (by_name.get(req.service.name, []) + unknown if is_known(req.service.name) else reqs)


def is_broad(binding: Binding) -> bool:
    return binding.role in BROAD_ROLES or (binding.scope == "project" and binding.role == "roles/run.invoker")


def invoker_analysis(ctx: FileContext) -> InvokerAnalysis:
    """The invoker analysis of a rule's file, computed once and shared by every IAM rule."""
    allowed = [normalise_member(member_of_email(a)) for a in ctx.config.invoker_service_accounts]
    result: InvokerAnalysis = ctx.cached(
        "invokers", lambda: analyse_invokers(ctx.analysis.facts, ctx.analysis.trace, allowed))
    return result


def binding_fix(req: Requirement) -> str:
    """The command that grants ``req``, to paste into the script after the deploy: values the
    script computes appear as the script's own expressions (``--region="$REGION"``), quoted as
    shell words; a region or project the script leaves to gcloud's configuration is left to it
    too (no flag); ``PROJECT_NUMBER`` / ``SA_EMAIL`` stand only for what the script cannot know."""
    svc = req.service
    member = shell_word(req.identity if req.identity is not None else "serviceAccount:SA_EMAIL")
    region, project = location_flags(svc)
    origin = req.origin
    if req.resource == "workflow":
        return (f"gcloud projects add-iam-policy-binding {show(svc.project)} --member={member}"
                " --role=roles/workflows.invoker")
    if isinstance(origin, Deploy) and origin.kind == "function":
        return (f"gcloud functions add-invoker-policy-binding {shell_word(origin.name)}{region}"
                f" --member={member}{project}")
    return (f"gcloud run services add-iam-policy-binding {shell_word(svc.name)}{region}"
            f" --member={member} --role=roles/run.invoker{project}")


def location_flags(ref: ServiceRef) -> tuple[str, str]:
    """`` --region=R`` and `` --project=P`` for a command on ``ref``, as shell words ("" for a
    value the script leaves to gcloud's configuration: the command gets the same one)."""
    region = "" if from_config(ref.region) else f" --region={shell_word(ref.region)}"
    project = "" if from_config(ref.project) else f" --project={shell_word(ref.project)}"
    return region, project
