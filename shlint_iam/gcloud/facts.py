"""What gcloud commands do to the deployment, in terms rules can ask about (public API)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import record
from ..shell.values import Val, Value, concat, is_known, project_number, show, show_name

if TYPE_CHECKING:
    from ..model import Span
    from ..shell.trace import CommandRun

DEFAULT_COMPUTE_SUFFIX = "-compute@developer.gserviceaccount.com"

# Roles that carry run.routes.invoke (docs/gcloud-iam.md 3.4) and the broad ones among them.
INVOKE_ROLES = {
    "roles/run.invoker", "roles/run.servicesInvoker", "roles/run.developer", "roles/run.admin",
    "roles/run.sourceDeveloper",
}
PROJECT_INVOKE_ROLES = INVOKE_ROLES | {"roles/owner", "roles/editor"}
BROAD_ROLES = {"roles/owner", "roles/editor", "roles/run.admin", "roles/run.developer", "roles/run.sourceDeveloper"}
PUBLIC_MEMBERS = {"allUsers", "allAuthenticatedUsers"}
# Roles that carry workflows.executions.create (a trigger's identity starting a workflow).
WORKFLOW_INVOKE_ROLES = {"roles/workflows.invoker", "roles/workflows.editor", "roles/workflows.admin",
                         "roles/owner", "roles/editor"}
# Roles that carry cloudfunctions.functions.invoke on a 1st gen function (docs/gcloud-iam.md §4).
GEN1_INVOKE_ROLES = frozenset({"roles/cloudfunctions.invoker", "roles/cloudfunctions.developer",
                               "roles/cloudfunctions.admin"})


@record(frozen=True)
class ServiceRef:
    """A Cloud Run service (a gen2 function's service has the function's name, lower-cased)."""

    name: Val
    region: Val
    project: Val

    def __init__(self, name: Val, region: Val, project: Val) -> None:
        self.__dict__.update(name=name, region=region, project=project)

    @property
    def key(self) -> tuple[Val, Val, Val]:
        return (self.project, self.region, self.name)

    def describe(self) -> str:
        return f"{show_name(self.name)} ({show(self.region)}, project {show(self.project)})"


def member_of_email(email: Val) -> Val:
    """``serviceAccount:EMAIL`` for a bare email (how --member must spell it)."""
    return concat("serviceAccount:", email)


def normalise_member(member: Val) -> Val:
    """Compare members exactly on the prefix and case-insensitively on the email."""
    prefix, sep, rest = member.partition(":")
    if sep and is_known(prefix) and is_known(rest):
        return f"{prefix}:{rest.lower()}"
    return member


def default_compute_account(project: Val) -> Value:
    """``PROJECT_NUMBER-compute@developer.gserviceaccount.com`` of ``project``: the number is an
    unknown that holds the project, so two such accounts are equal exactly when their projects are."""
    account = concat(project_number(project), DEFAULT_COMPUTE_SUFFIX)
    assert isinstance(account, Value)
    return account


def is_default_compute(email: Val) -> bool:
    return email.endswith(DEFAULT_COMPUTE_SUFFIX)


@record(eq=False)
class Fact:
    """What a gcloud command does that the rules look at."""

    run: CommandRun

    def __init__(self, run: CommandRun) -> None:
        self.run = run

    @property
    def span(self) -> Span:
        return self.run.span

    @property
    def lines(self) -> tuple[int, int]:
        """First and last line of the statement the command belongs to."""
        return self.run.scope


@record(eq=False)
class Deploy(Fact):
    """``gcloud functions deploy`` or ``gcloud run deploy``."""

    kind: str  # "function" or "run"
    name: Val
    service: ServiceRef
    generation: int | None = None  # functions: 1 or 2 (gen2 unless --no-gen2); None for run
    # Whether --gen2/--no-gen2 (or functions/gen2) fixes the generation; unpinned, gcloud >= 492
    # creates a new function as gen2 and keeps an existing gen1 function gen1.
    generation_pinned: bool = False
    trigger: str | None = None  # "http", "event" or None (run services: no trigger of their own)
    trigger_description: str = ""
    invoker: Val | None = None  # the member that invokes it (``serviceAccount:EMAIL``) for gen2 events
    invoker_source: str = ""  # which flag (or default) the invoker came from
    public_span: Span | None = None  # --allow-unauthenticated / --no-invoker-iam-check
    public_flag: str = ""

    def __init__(
        self,
        run: CommandRun,
        kind: str,
        name: Val,
        service: ServiceRef,
        generation: int | None = None,
        generation_pinned: bool = False,
        trigger: str | None = None,
        trigger_description: str = "",
        invoker: Val | None = None,
        invoker_source: str = "",
        public_span: Span | None = None,
        public_flag: str = "",
    ) -> None:
        self.run = run
        self.kind = kind
        self.name = name
        self.service = service
        self.generation = generation
        self.generation_pinned = generation_pinned
        self.trigger = trigger
        self.trigger_description = trigger_description
        self.invoker = invoker
        self.invoker_source = invoker_source
        self.public_span = public_span
        self.public_flag = public_flag

    @property
    def event_invoked(self) -> bool:
        return self.kind == "function" and self.trigger == "event" and self.generation != 1


@record(eq=False)
class Delete(Fact):
    """``gcloud functions delete`` or ``gcloud run services delete``."""

    service: ServiceRef

    def __init__(self, run: CommandRun, service: ServiceRef) -> None:
        self.run = run
        self.service = service


@record(eq=False)
class Binding(Fact):
    """An IAM policy binding command.

    ``scope`` is "service" (``run services add-iam-policy-binding``, ``functions
    add-invoker-policy-binding``), "function" (``functions add-iam-policy-binding``: the
    function's own policy) or "project" (``projects add-iam-policy-binding``).
    """

    scope: str
    command: str
    target: ServiceRef | None
    project: Val
    member: Val | None
    role: Val | None
    member_span: Span | None = None
    role_span: Span | None = None
    function_name: Val | None = None  # as written, for "function" scope
    gen2: bool = False  # the command itself says --gen2

    def __init__(
        self,
        run: CommandRun,
        scope: str,
        command: str,
        target: ServiceRef | None,
        project: Val,
        member: Val | None,
        role: Val | None,
        member_span: Span | None = None,
        role_span: Span | None = None,
        function_name: Val | None = None,
        gen2: bool = False,
    ) -> None:
        self.run = run
        self.scope = scope
        self.command = command
        self.target = target
        self.project = project
        self.member = member
        self.role = role
        self.member_span = member_span
        self.role_span = role_span
        self.function_name = function_name
        self.gen2 = gen2

    @property
    def is_public(self) -> bool:
        return self.member in PUBLIC_MEMBERS

    @property
    def grants_invoke(self) -> bool | None:
        """Whether the binding lets its member invoke a gen2 function / Cloud Run service."""
        if self.role is None or not is_known(self.role):
            return None
        if self.scope == "project":
            return self.role in PROJECT_INVOKE_ROLES
        if self.scope == "function":
            return False
        return self.role in INVOKE_ROLES or self.role in ("roles/owner", "roles/editor")


@record(eq=False)
class Revoke(Fact):
    """A command that takes invoker access away: ``remove-iam-policy-binding`` /
    ``remove-invoker-policy-binding`` for one member (None: any member), or ``set-iam-policy
    FILE``, which replaces the whole policy (``replace``). ``scope`` is the policy it changes:
    "service" (a Cloud Run service's, ``target``), "function" (a function's own policy, which
    only a 1st gen function is invoked through) or "project" (``projects set-iam-policy``:
    the project-level grants of ``project``; ``target`` is None)."""

    target: ServiceRef | None
    member: Val | None
    replace: bool = False
    scope: str = "service"
    project: Val | None = None

    def __init__(self, run: CommandRun, target: ServiceRef | None, member: Val | None, replace: bool = False,
                 scope: str = "service", project: Val | None = None) -> None:
        self.run = run
        self.target = target
        self.member = member
        self.replace = replace
        self.scope = scope
        self.project = project


@record(eq=False)
class Invoker(Fact):
    """Something that calls a Cloud Run service with an identity: an Eventarc trigger, a Pub/Sub
    push subscription, a Cloud Scheduler HTTP job, a Cloud Tasks HTTP task, a Cloud Tasks queue
    whose overrides send every task of it, or a workflow."""

    kind: str  # "eventarc", "push", "scheduler", "task", "queue" (its tasks), "workflow"
    name: Val
    target: ServiceRef | None
    identity: Val | None  # ``serviceAccount:EMAIL``; None: it sends no identity
    identity_span: Span | None = None
    step: str = ""  # for a workflow: the step that makes the call
    resource: str = "service"  # what ``target`` names: a Cloud Run "service" or a "workflow"

    def __init__(
        self,
        run: CommandRun,
        kind: str,
        name: Val,
        target: ServiceRef | None,
        identity: Val | None,
        identity_span: Span | None = None,
        step: str = "",
        resource: str = "service",
    ) -> None:
        self.run = run
        self.kind = kind
        self.name = name
        self.target = target
        self.identity = identity
        self.identity_span = identity_span
        self.step = step
        self.resource = resource

    @property
    def role(self) -> str:
        """The role the identity needs on the target."""
        return "roles/workflows.invoker" if self.resource == "workflow" else "roles/run.invoker"

    @property
    def identity_flag(self) -> str:
        """The flag that gives the invoker its identity (what to add when it sends none)."""
        if self.kind == "scheduler" and self.resource == "workflow":
            return "--oauth-service-account-email"  # the Workflow Executions API takes an OAuth token
        return {"push": "--push-auth-service-account", "scheduler": "--oidc-service-account-email",
                "task": "--oidc-service-account-email",
                "queue": "--http-oidc-service-account-email-override"}.get(self.kind, "--service-account")

    @property
    def description(self) -> str:
        what = _INVOKER_KINDS[self.kind][0]
        step = f" (step {self.step})" if self.step else ""
        name = show(self.name)
        return f"{what} {name}{step}" if name else f"{what}{step}"  # a task's ID is optional


# What each kind of invoker is called, one and several.
_INVOKER_KINDS = {
    "eventarc": ("Eventarc trigger", "Eventarc triggers"),
    "push": ("Pub/Sub push subscription", "Pub/Sub push subscriptions"),
    "scheduler": ("Cloud Scheduler job", "Cloud Scheduler jobs"),
    "task": ("Cloud Tasks task", "Cloud Tasks tasks"),
    "queue": ("Cloud Tasks queue", "Cloud Tasks queues"),
    "workflow": ("workflow", "workflows"),
}


def distinct_invokers(invokers: list[Invoker]) -> int:
    """How many invokers ``invokers`` are, each counted once (a subscription created or updated
    on two branches is one; a workflow's steps are one workflow)."""
    return len({(invoker.kind, show(invoker.name)) for invoker in invokers})


def describe_invokers(invokers: list[Invoker]) -> str:
    """The invokers one after the other, each named once (a subscription created or updated on
    two branches is one), by kind: ``Pub/Sub push subscriptions a, b and c``, ``workflow w (steps
    s and t) and the Cloud Scheduler job j``."""
    by_kind: dict[str, dict[str, list[str]]] = {}
    for invoker in invokers:
        steps = by_kind.setdefault(invoker.kind, {}).setdefault(show(invoker.name), [])
        if invoker.step and invoker.step not in steps:
            steps.append(invoker.step)
    described = []
    for kind, names in by_kind.items():
        one, several = _INVOKER_KINDS[kind]
        shown = [name + (f" (step{'s' if len(steps) > 1 else ''} {_listed(steps)})" if steps else "")
                 for name, steps in names.items()]
        named = [s for s in shown if s]
        what = several if len(named) > 1 else one
        described.append(f"{what} {_listed(named)}" if named else what)
    return " and the ".join(described)


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@record(eq=False)
class Unverifiable(Fact):
    """A deployment or binding command whose target, member or role cannot be worked out."""

    what: str
    detail: str
    fields: list[str]

    def __init__(self, run: CommandRun, what: str, detail: str = "", fields: list[str] | None = None) -> None:
        self.run = run
        self.what = what
        self.detail = detail
        self.fields = [] if fields is None else fields


@record(eq=False)
class Rejected(Fact):
    """A command gcloud rejects for what the script leaves out beyond its argument list (a region
    no flag, variable or property supplies): GCL001 reports it."""

    reason: str
    fix: str = ""

    def __init__(self, run: CommandRun, reason: str, fix: str = "") -> None:
        self.run = run
        self.reason = reason
        self.fix = fix
