"""Who must be able to invoke what, and whether the script grants it on every path.

Shared by the IAM rules. A *requirement* is an identity that must hold an invoke role on a
Cloud Run service: the trigger identity of an event-invoked gen2 function, or the identity of an
Eventarc trigger, push subscription or Scheduler job that calls a service. A small dataflow over
the trace follows each requirement's state along every path:

``N`` not deployed yet, ``P`` bound before any deploy, ``U`` deployed and not bound since,
``B`` deployed and bound, ``D`` deleted; each of them also granted on the project (``npubd``:
a project-level grant is not lost by a later deploy, delete or service policy change, only by a
``projects set-iam-policy`` whose file drops it, which leaves the service's own state).

A deploy moves N/P/D to U (a binding made before the resource existed is lost) and keeps B (a
redeploy keeps bindings); a matching binding moves U to B and N/D to P; a delete moves to D.
Paths that end with a failing ``exit`` are failed runs and do not count.

Every requirement's states are computed in one forward pass over the trace (``pathflow.py``,
whose docstring says why that shape); each command's steps are worked out once, finding the
requirements a fact may concern by service name (or member) lookup, not by trying them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial

from . import pathflow
from .core import FileContext
from .gcloud.facts import (
    BROAD_ROLES,
    GEN1_INVOKE_ROLES,
    WORKFLOW_INVOKE_ROLES,
    Binding,
    Delete,
    Deploy,
    Invoker,
    Revoke,
    ServiceRef,
    describe_invokers,
    distinct_invokers,
    member_of_email,
    normalise_member,
)
from .pathflow import Step
from .records import record
from .shell.trace import Block, CommandRun, walk_commands
from .shell.values import URL_PART, Tri, Val, compare, from_config, is_known, shell_word, show, show_name, unknowns

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


@record(eq=False)
class Requirement:
    """An event-invoked service and the identity that must be allowed to invoke it."""

    service: ServiceRef
    identity: Val | None  # None: the invoker sends no identity (unauthenticated push)
    origin: Deploy | Invoker  # what makes the service event-invoked
    deploys: list[Deploy]
    invokers: list[Invoker]
    # Members a binding on this service may rightly grant besides ``identity``: the identities of
    # the service's other invokers, and the configured invoker-service-accounts.
    peers: set[Val]
    allowed: set[Val]

    def __init__(
        self,
        service: ServiceRef,
        identity: Val | None,
        origin: Deploy | Invoker,
        deploys: list[Deploy] | None = None,
        invokers: list[Invoker] | None = None,
        peers: set[Val] | None = None,
        allowed: set[Val] | None = None,
    ) -> None:
        self.service = service
        self.identity = identity
        self.origin = origin
        self.deploys = [] if deploys is None else deploys
        self.invokers = [] if invokers is None else invokers
        self.peers = set() if peers is None else peers
        self.allowed = set() if allowed is None else allowed

    @property
    def anchor(self) -> Deploy | Invoker:
        """Where IAM001 is reported: the last deploy of the service, else the invoker."""
        return self.deploys[-1] if self.deploys else self.origin

    @property
    def anchor_at(self) -> str:
        """The anchor for a message: ``the deploy at line 7``, or, when no linted script deploys the
        service, the caller that needs it (``the Cloud Tasks task at line 18``)."""
        anchor = self.anchor
        what = anchor.description if isinstance(anchor, Invoker) else "deploy"
        return f"the {what} at line {anchor.span.start_line}"

    @property
    def resource(self) -> str:
        """"service" (a Cloud Run service) or "workflow" (an Eventarc trigger's workflow destination)."""
        return self.origin.resource if isinstance(self.origin, Invoker) else "service"

    @property
    def role(self) -> str:
        if self.resource == "workflow":
            return "roles/workflows.invoker"
        return "roles/cloudfunctions.invoker" if self.gen1 else "roles/run.invoker"

    @property
    def gen1(self) -> bool:
        """Whether what the requirement calls is a 1st gen function (every deploy of it here says
        ``--no-gen2``): invoked through the function's own policy, roles/cloudfunctions.invoker."""
        return bool(self.deploys) and all(d.kind == "function" and d.generation == 1 and d.generation_pinned
                                          for d in self.deploys)

    def describe(self, *, closed: bool = False) -> str:
        """``gen2 function F (Pub/Sub topic T)``, or ``Cloud Run service S, called by the Cloud Scheduler
        job J``: the invoker's description is an appositive clause. ``closed``: end that clause with a
        comma, for a sentence that goes on after it (``..., called by the job J, is invoked as ...``);
        leave it open where a list separator or ``as IDENTITY`` follows."""
        origin = self.origin
        if isinstance(origin, Deploy):
            return f"gen2 function {show_name(origin.name)} ({origin.trigger_description})"
        close = "," if closed else ""
        if self.resource == "workflow":
            return f"workflow {show_name(self.service.name)}, started by the {self.callers}{close}"
        deployed_as = self.deploys[-1] if self.deploys else None
        target = ("gen2 function" if deployed_as is not None and deployed_as.kind == "function"
                  and deployed_as.generation == 2 else "1st gen function" if self.gen1
                  else "function" if self.calls_function_url else "Cloud Run service")
        name = self.service.name
        if target == "function":
            # The function as its URL names it: `.../renewGmailWatch` is the function
            # renewGmailWatch (its Cloud Run service, named in the rest of the message, is
            # renewgmailwatch).
            name = self._function_url_name() or name
        return f"{target} {show_name(name)}, called by the {self.callers}{close}"

    @property
    def callers(self) -> str:
        """Every invoker of the service with this identity, each named once (one helper may create
        several subscriptions): ``Pub/Sub push subscriptions a, b and c``; for a deploy's own
        trigger, its description."""
        origin = self.origin
        if not isinstance(origin, Invoker):
            return origin.trigger_description
        return describe_invokers(self.invokers) if len(self.invokers) > 1 else origin.description

    @property
    def caller_count(self) -> int:
        """How many invokers :attr:`callers` names (a deploy's own trigger is one)."""
        return distinct_invokers(self.invokers) if isinstance(self.origin, Invoker) and self.invokers else 1

    def _function_url_name(self) -> str | None:
        origin = self.origin
        if not isinstance(origin, Invoker) or origin.run.gcloud is None:
            return None
        flag = _URL_FLAGS.get(origin.kind)
        url = origin.run.gcloud.value(flag) if flag else None
        if not isinstance(url, str):
            return None
        _, found, rest = url.partition(".cloudfunctions.net/")
        if not found:
            return None
        for stop in "/?#":
            rest = rest.partition(stop)[0]
        return rest or None

    @property
    def calls_function_url(self) -> bool:
        """Whether the invoker calls a function's URL (``https://REGION-PROJECT.cloudfunctions.net/NAME``)
        of a function no linted script deploys: its generation, and so what grants invoke, is unknown."""
        origin = self.origin
        if self.deploys or not isinstance(origin, Invoker) or origin.run.gcloud is None:
            return False
        flag = _URL_FLAGS.get(origin.kind)
        url = origin.run.gcloud.value(flag) if flag else None
        return isinstance(url, str) and ".cloudfunctions.net/" in url.lower()

    @property
    def described_with_clause(self) -> bool:
        """Whether :meth:`describe` ends with an appositive clause (``, called by the ...``): a list of
        such descriptions needs a separator stronger than a comma."""
        return not isinstance(self.origin, Deploy)


# The flag that holds the URL an invoker calls, by its kind (gcloud/model.py ``_url_invoker``).
_URL_FLAGS = {"push": "--push-endpoint", "scheduler": "--uri", "task": "--url"}


@record(eq=False)
class NearMiss:
    """A binding meant for a requirement that does not satisfy it, and why."""

    binding: Binding
    code: str  # IAM003, IAM004 or IAM005
    reason: str

    def __init__(self, binding: Binding, code: str, reason: str) -> None:
        self.binding = binding
        self.code = code
        self.reason = reason


@record(eq=False)
class Outcome:
    """What the paths of the script do about one requirement."""

    requirement: Requirement
    unbound: bool  # some counted path ends deployed and unbound
    bound: bool  # some counted path ends bound
    satisfying: list[Binding]
    lost: list[Binding]  # IAM002: ran before the deploy, none after
    revoked: list[Revoke]  # removals or policy replacements on the way
    near_misses: list[NearMiss]

    def __init__(
        self,
        requirement: Requirement,
        unbound: bool,
        bound: bool,
        satisfying: list[Binding] | None = None,
        lost: list[Binding] | None = None,
        revoked: list[Revoke] | None = None,
        near_misses: list[NearMiss] | None = None,
    ) -> None:
        self.requirement = requirement
        self.unbound = unbound
        self.bound = bound
        self.satisfying = [] if satisfying is None else satisfying
        self.lost = [] if lost is None else lost
        self.revoked = [] if revoked is None else revoked
        self.near_misses = [] if near_misses is None else near_misses


def _gen1_function(req: Requirement) -> bool:
    """Whether what ``req`` calls may be a 1st gen function: every deploy of it here says
    ``--no-gen2``, or none is matched here and the caller calls a function's URL (its generation
    is not known: a 1st gen function's own invoker binding gets the benefit of the doubt)."""
    return req.gen1 or (not req.deploys and req.calls_function_url)


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
            return ("IAM003",
                    f"Cloud Run service names are lower-case: the function's service is {show_name(svc.name)}")
        return None
    where = []
    if compare(target.region, svc.region) is Tri.NO:
        where.append(f"region {show(target.region)} instead of {show(svc.region)}")
    if compare(target.project, svc.project) is Tri.NO:
        where.append(f"project {show(target.project)} instead of {show(svc.project)}")
    if where:
        return ("IAM003", "it targets " + " and ".join(where))
    gen1 = binding.scope == "function" and _gen1_function(req)
    if gen1:
        # a 1st gen function is invoked through its own (Cloud Functions) policy
        if binding.role == "roles/run.invoker":
            return ("IAM004", "roles/run.invoker does not apply to a 1st gen function: it needs "
                              "roles/cloudfunctions.invoker on the function")
        if binding.role is not None and binding.role not in GEN1_INVOKE_ROLES and is_known(binding.role):
            return ("IAM004", f"{show(binding.role or '?')} does not grant cloudfunctions.functions.invoke")
    elif req.gen1 and binding.command.startswith("gcloud run "):
        return ("IAM004", "a 1st gen function has no Cloud Run service: it needs roles/cloudfunctions.invoker "
                          "on the function (`gcloud functions add-invoker-policy-binding`)")
    elif binding.scope == "function":
        role = show(binding.role or "?")
        if binding.role == "roles/run.invoker":
            command = binding.command.removeprefix("gcloud ")
            return ("IAM004", f"`{command}` cannot grant roles/run.invoker on a function")
        return ("IAM004", f"{role} on the function resource does not let anyone invoke a gen2 function")
    if binding.is_public:
        return ("ok", "")
    if not gen1 and binding.grants_invoke is False:
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
    deploys = _Deploys([f for f in facts if isinstance(f, Deploy)])
    reqs: dict[tuple[tuple[Val, Val, Val], Val | None, str], Requirement] = {}
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
        elif isinstance(fact, Invoker) and fact.target is not None:
            target = deploys.target(fact.target) if fact.resource == "service" else fact.target
            key = (target.key, fact.identity, fact.resource)
            req = reqs.get(key)
            if req is None:
                reqs[key] = req = Requirement(target, fact.identity, fact)
            req.invokers.append(fact)
    for req in reqs.values():
        if isinstance(req.origin, Invoker) and req.resource == "service":
            req.deploys = deploys.of_service(req.service)
    return list(reqs.values())


class _Deploys:
    """A file's deploys by service name, so that each invoker finds the deploys of its service by
    lookup (comparing each invoker with every deploy was quadratic in the script). Two names
    compare YES only when both are known and equal, or neither is known (``compare``): a known
    name looks in its own bucket and in the unknown names' one; every candidate is still checked
    with ``same_service``."""

    def __init__(self, deploys: list[Deploy]) -> None:
        self.position = {id(d): i for i, d in enumerate(deploys)}
        self.by_name: dict[str, list[Deploy]] = {}
        self.unknown: list[Deploy] = []
        self.all = deploys
        for deploy in deploys:
            name = deploy.service.name
            if isinstance(name, str):
                self.by_name.setdefault(name, []).append(deploy)
            else:
                self.unknown.append(deploy)

    def candidates(self, name: Val) -> list[Deploy]:
        """The deploys whose service name may compare YES with ``name``, in the script's order."""
        if not isinstance(name, str):
            return self.all
        known = self.by_name.get(name, [])
        if not self.unknown:
            return known
        return sorted(known + self.unknown, key=lambda d: self.position[id(d)])

    def target(self, target: ServiceRef) -> ServiceRef:
        """A URL names a service but not always its region or project (``https://NAME-HASH-uw.a.run.app``):
        when exactly one deployed service of that name fits, the URL is that service."""
        if not any(u.kind == URL_PART for u in unknowns(target.region) + unknowns(target.project)):
            return target
        fits = {d.service.key: d.service for d in self.candidates(target.name)
                if compare(d.service.name, target.name) is Tri.YES and same_service(d.service, target) is not Tri.NO}
        return next(iter(fits.values())) if len(fits) == 1 else target

    def of_service(self, service: ServiceRef) -> list[Deploy]:
        """The run deploys of ``service``, then the function deploys of it (a function's service
        can be the target too: push to a function's URL)."""
        same = [d for d in self.candidates(service.name) if same_service(d.service, service) is Match.YES]
        return [d for d in same if d.kind == "run"] + [d for d in same if d.kind == "function"]


# States of a requirement, as bits of a mask (pathflow.py): the service's own ``NPUBD``, and the
# same granted on the project (``npubd``): a project-level grant is not lost by a deploy, delete or
# service policy change, which still change the state under it, and a replacement of the project's
# policy that drops the grant (``ungrant``) leaves that state.
_STATES = "NPUBDnpubd"
_BIT = {state: 1 << i for i, state in enumerate(_STATES)}
_GRANTED = "npubd"


def _transition(state: str, event: str) -> str:
    if event == "grant":
        return state.lower()
    if event == "ungrant":
        return state.upper()
    if state.islower():
        return _transition(state.upper(), event).lower()
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


class _Tables(dict[str, tuple[int, ...]]):
    """The table of each event, built on first use (``_TABLES[event]``): the states after it for
    every mask of states before it, the union of the states each state of the mask goes to. A mask
    is the service's half and the granted half, each looked up in a table of 32 built from the
    mask without its lowest state (~0.1 ms an event, only for a script with requirements)."""

    def __missing__(self, event: str) -> tuple[int, ...]:
        after = [_BIT[_transition(s, event)] for s in _STATES]
        low = [0] * 32
        high = [0] * 32
        for mask in range(1, 32):
            lowest = mask & -mask
            i = lowest.bit_length() - 1
            low[mask] = low[mask ^ lowest] | after[i]
            high[mask] = high[mask ^ lowest] | after[i + 5]
        table = self[event] = tuple([h | lo for h in high for lo in low])
        return table


_TABLES = _Tables()
# A variant of a command on another branch than the one a requirement's deploy ran on
# (shell/arms.py): that path does not exist for the requirement, so it ends there.
_INFEASIBLE = (0,) * (1 << len(_STATES))


def _arms_of(req: Requirement) -> dict[object, int]:
    """The branches a requirement exists on: those every one of its deploys (else its invoker) ran on."""
    runs = [d.run for d in req.deploys] or [req.origin.run]
    common = dict(runs[0].arms)
    for run in runs[1:]:
        other = dict(run.arms)
        common = {where: i for where, i in common.items() if other.get(where) == i}
    return common


def _compatible(arms: dict[object, int], run: CommandRun) -> bool:
    return all(arms.get(where, i) == i for where, i in run.arms)


def _end_other_branches(runs: list[CommandRun], steps: dict[int, list[Step]], arms: list[dict[object, int]]) -> None:
    """The variants of one command are a choice of paths (shell/arms.py); a requirement that exists
    on one branch only has no path through its sibling variants. Where one variant steps such a
    requirement, the variants on other branches end its paths (a requirement no variant steps
    passes every variant alike, so it needs nothing)."""
    groups: dict[int, list[CommandRun]] = {}
    for run in runs:
        if run.variants:
            groups.setdefault(run.variants, []).append(run)
    for group in groups.values():
        stepped = {step.key for run in group for step in steps.get(id(run), ()) if arms[step.key]}
        for run in group:
            gone = [key for key in sorted(stepped) if not _compatible(arms[key], run)]
            if gone:
                steps[id(run)] = [Step(key, _INFEASIBLE, "infeasible", None) for key in gone] + \
                    steps.get(id(run), [])


def _mask(states: str) -> int:
    return sum(_BIT[s] for s in states)


class _Requirements:
    """The requirements of a file indexed by service name and by identity, so that each fact
    finds the requirements it may concern by lookup. A known name (identity) looks in its own
    bucket and the unknown ones; an unknown one concerns every requirement. Every candidate is
    still decided by the same predicate as before (``same_service``, ``classify``): the index
    only leaves out requirements whose name (member) surely differs."""

    def __init__(self, reqs: list[Requirement]) -> None:
        self.reqs = reqs
        self.by_name: dict[str, list[int]] = {}
        self.unknown_name: list[int] = []
        self.by_identity: dict[str, list[int]] = {}
        self.unknown_identity: list[int] = []
        self.deploys: dict[int, list[int]] = {}  # id(deploy) -> the requirements it deploys
        self.verdicts: dict[tuple[int, int], tuple[str, str] | None] = {}  # (id(binding), i) -> classify
        for i, req in enumerate(reqs):
            name = req.service.name
            if isinstance(name, str):
                self.by_name.setdefault(name, []).append(i)
            else:
                self.unknown_name.append(i)
            if req.identity is not None:
                member = normalise_member(req.identity)
                if isinstance(member, str):
                    self.by_identity.setdefault(member, []).append(i)
                else:
                    self.unknown_identity.append(i)
            for deploy in req.deploys:
                self.deploys.setdefault(id(deploy), []).append(i)
        self.arms = [_arms_of(req) for req in reqs]  # the branches each requirement exists on
        self.everyone = list(range(len(reqs)))
        self.identified = self.unknown_identity + [i for ids in self.by_identity.values() for i in ids]

    def classify(self, binding: Binding, i: int) -> tuple[str, str] | None:
        """``classify(binding, reqs[i])``, worked out once: the steps ask it of a binding's
        candidates, the near misses again of the same pairs."""
        key = (id(binding), i)
        verdicts = self.verdicts
        if key not in verdicts:
            verdicts[key] = classify(binding, self.reqs[i])
        return verdicts[key]

    def named(self, name: Val) -> list[int]:
        if not isinstance(name, str):
            return self.everyone
        return self.by_name.get(name, []) + self.unknown_name

    def members(self, member: Val) -> list[int]:
        member = normalise_member(member)
        if not isinstance(member, str):
            return self.identified
        return self.by_identity.get(member, []) + self.unknown_identity

    def steps(self, run: CommandRun) -> list[Step]:
        """What ``run`` does to each requirement (``_Flow.events`` of the walk per requirement)."""
        out: list[Step] = []
        reqs = self.reqs
        for fact in run.facts:
            if isinstance(fact, Deploy):
                table = _TABLES["public" if fact.public_span is not None else "deploy"]
                out += [Step(i, table, "deploy", fact) for i in self.deploys.get(id(fact), ())]
            elif isinstance(fact, Delete):
                out += [Step(i, _TABLES["delete"], "delete", fact) for i in self.named(fact.service.name)
                        if same_service(fact.service, reqs[i].service) is Match.YES]
            elif isinstance(fact, Revoke):
                if fact.target is not None:
                    out += [Step(i, _TABLES["revoke"], "revoke", fact) for i in self.named(fact.target.name)
                            if _revokes(fact, reqs[i])]
                else:  # a project grant removed, or the project's policy replaced (all but the file's are gone)
                    candidates = self.members(fact.member) if fact.member is not None else self.identified
                    out += [Step(i, _TABLES["ungrant"], "revoke", fact) for i in candidates
                            if _ungrants(fact, reqs[i])]
            elif isinstance(fact, Binding):
                if fact.scope == "project":
                    candidates = self.members(fact.member) if fact.member is not None else []
                    event = "grant"
                else:
                    candidates = self.named(fact.target.name) if fact.target is not None else []
                    event = "bind"
                out += [Step(i, _TABLES[event], event, fact) for i in sorted(set(candidates))
                        if self.classify(fact, i) == ("ok", "")]
        return out


def _revokes(fact: Revoke, req: Requirement) -> bool:
    if fact.target is None or same_service(fact.target, req.service) is not Match.YES:
        return False
    if fact.scope == "function" and not req.gen1:
        return False  # a gen2 function is invoked through its Cloud Run service's policy, not its own
    if fact.replace or fact.member is None or req.identity is None:
        return True
    return same_member(req.identity, fact.member) is not Match.NO


def _ungrants(fact: Revoke, req: Requirement) -> bool:
    """Whether a project-level removal (``projects remove-iam-policy-binding``) or replacement
    (``projects set-iam-policy``) takes ``req``'s project grant away."""
    if fact.project is None or req.identity is None or compare(fact.project, req.service.project) is not Tri.YES:
        return False
    return fact.replace or fact.member is None or same_member(req.identity, fact.member) is not Match.NO


class _Bindings:
    """A file's service and function bindings by target name, for the near misses of each
    requirement: ``classify`` answers None for a binding whose name surely differs from the
    service's (unless only its case does: IAM003), and a project binding is never a near miss."""

    def __init__(self, bindings: list[Binding]) -> None:
        self.by_name: dict[str, list[int]] = {}
        self.unknown: list[int] = []
        self.targeted = [(i, b) for i, b in enumerate(bindings) if b.scope != "project" and b.target is not None]
        self.bindings = bindings
        for i, binding in self.targeted:
            assert binding.target is not None
            name = binding.target.name
            if isinstance(name, str):
                self.by_name.setdefault(name, []).append(i)
                if name.lower() != name:
                    self.by_name.setdefault(name.lower(), []).append(i)
            else:
                self.unknown.append(i)

    def near(self, req: Requirement) -> list[Binding]:
        """The bindings ``classify`` may answer other than None for, in the script's order."""
        if req.resource == "workflow":
            return []
        name = req.service.name
        if not isinstance(name, str):
            return [b for _, b in self.targeted]
        return [self.bindings[i] for i in sorted({*self.by_name.get(name, ()), *self.unknown})]


def _outcome(req: Requirement, final: int, seen: list[Step], near: list[Binding],
             verdict_of: Callable[[Binding], tuple[str, str] | None]) -> Outcome:
    """``verdict_of(binding)``: ``classify(binding, req)``."""
    satisfying: list[Binding] = []
    ids: set[int] = set()
    for step in seen:
        if step.name in ("bind", "grant") and id(step.fact) not in ids:
            ids.add(id(step.fact))
            satisfying.append(step.fact)  # type: ignore[arg-type]
    has_deploy = bool(req.deploys)
    bad = _mask("U") if has_deploy else _mask("NUD")
    good = _mask("B" + _GRANTED) if has_deploy else _mask("BP" + _GRANTED)
    outcome = Outcome(req, unbound=bool(final & bad), bound=bool(final & good), satisfying=satisfying)
    if outcome.unbound and not outcome.bound:
        last_deploy = max((i for i, step in enumerate(seen) if step.name in ("deploy", "delete")), default=-1)
        outcome.revoked = [step.fact for step in seen if step.name == "revoke" and isinstance(step.fact, Revoke)]
        outcome.lost = [
            step.fact for i, step in enumerate(seen)
            if step.name == "bind" and i < last_deploy and isinstance(step.fact, Binding)
        ]
        for binding in near:
            verdict = verdict_of(binding)
            if verdict is not None and verdict[0] != "ok":
                outcome.near_misses.append(NearMiss(binding, verdict[0], verdict[1]))
    else:
        # Served: only a grant to a member that invokes the service in no way is still worth a word.
        for binding in near:
            verdict = verdict_of(binding)
            if verdict is not None and verdict[0] == "IAM005":
                outcome.near_misses.append(NearMiss(binding, verdict[0], verdict[1]))
    return outcome


@record()
class InvokerAnalysis:
    """Every requirement of a file and its outcome."""

    outcomes: list[Outcome]
    requirements: list[Requirement]

    def __init__(self, outcomes: list[Outcome], requirements: list[Requirement]) -> None:
        self.outcomes = outcomes
        self.requirements = requirements

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
    if not reqs:
        return InvokerAnalysis([], reqs)
    index = _Requirements(reqs)
    runs = list(walk_commands(trace))
    steps = {id(run): mine for run in runs if run.facts and (mine := index.steps(run))}
    _end_other_branches(runs, steps, index.arms)
    flow = pathflow.run(trace, steps, len(reqs), _BIT["N"])
    bindings = _Bindings([f for f in facts if isinstance(f, Binding)])
    return InvokerAnalysis([_outcome(req, flow.final[i], flow.seen[i],
                                     [b for b in bindings.near(req) if _compatible(index.arms[i], b.run)],
                                     partial(index.classify, i=i))
                            for i, req in enumerate(reqs)], reqs)


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
        return invoker_command(True, shell_word(origin.name), member, region, project)
    if req.gen1:  # add-invoker-policy-binding grants roles/cloudfunctions.invoker on a 1st gen function
        return invoker_command(True, shell_word(req.deploys[-1].name), member, region, project)
    return invoker_command(False, shell_word(svc.name), member, region, project)


def invoker_command(function: bool, name: str, member: str, region: str, project: str) -> str:
    """The command that grants ``member`` the invoker role on a gen2 function (``function``) or a
    Cloud Run service, from shell words (``region``/``project``: `` --region=WORD`` or "")."""
    if function:
        return f"gcloud functions add-invoker-policy-binding {name}{region} --member={member}{project}"
    return (f"gcloud run services add-iam-policy-binding {name}{region} --member={member}"
            f" --role=roles/run.invoker{project}")


def location_flags(ref: ServiceRef) -> tuple[str, str]:
    """`` --region=R`` and `` --project=P`` for a command on ``ref``, as shell words ("" for a
    value the script leaves to gcloud's configuration: the command gets the same one)."""
    region = "" if from_config(ref.region) else f" --region={shell_word(ref.region)}"
    project = "" if from_config(ref.project) else f" --project={shell_word(ref.project)}"
    return region, project
