"""Turn each executed gcloud command into facts, resolving names, regions, projects and identities
in gcloud's own order (``docs/gcloud-iam.md`` sections 2, 3, 5 and 6)."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..lazyre import lazy
from ..records import record
from ..records import replace as records_replace
from ..shell.interpreter import State
from ..shell.notes import NOT_FOLLOWED, UNKNOWN_PATH, Note
from ..shell.state import UNSEEN_CODE, FileWrite
from ..shell.trace import CommandRun, Word
from ..shell.values import (
    OTHER,
    PROPERTY,
    Val,
    Value,
    concat,
    described,
    is_known,
    is_resolved,
    join,
    names_gcloud,
    project_number,
    resolve_defaults,
    service_url,
    service_url_target,
    show,
    unknown,
    url_part,
)
from .argv import Flag, GcloudCommand, parse_gcloud
from .commands import flag_without_value
from .facts import (
    GEN1_INVOKE_ROLES,
    INVOKE_ROLES,
    PROJECT_INVOKE_ROLES,
    WORKFLOW_INVOKE_ROLES,
    Binding,
    Delete,
    Deploy,
    Invoker,
    Rejected,
    Revoke,
    ServiceRef,
    Unverifiable,
    default_compute_account,
    member_of_email,
    normalise_member,
)

if TYPE_CHECKING:  # a manifest, a URL, a workflow: their parsers are imported when one is met
    from .manifests import Manifest
    from .policies import PolicyBinding
    from .workflows import OidcCall

EVENT_TRIGGER_FLAGS = ("--trigger-topic", "--trigger-bucket", "--trigger-event-filters", "--trigger-event")
_FULL_NAME = re.compile(r"^projects/([^/]+)/locations/([^/]+)/(?:services|functions)/([^/]+)$")
_FULL_JOB_NAME = re.compile(r"^projects/[^/]+/locations/[^/]+/jobs/[^/]+$")
# What gcloud accepts as a Cloud Run service name (command_lib/run/flags.py): a manifest's
# metadata.name that is not one (`${SERVICE}`, `SERVICE_NAME`) is a placeholder the script fills in.
_RUN_SERVICE_NAME = lazy(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
_REGION_NAME = lazy(r"[a-z]+(?:-[a-z]+)*[0-9]+")
_PROJECT_ID = lazy(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")

# gcloud config properties this model keeps, and the environment variables that override them.
PROPERTY_ENV = {
    "core/project": "CLOUDSDK_CORE_PROJECT",
    "functions/region": "CLOUDSDK_FUNCTIONS_REGION",
    "functions/gen2": "CLOUDSDK_FUNCTIONS_GEN2",
    "run/region": "CLOUDSDK_RUN_REGION",
    "eventarc/location": "CLOUDSDK_EVENTARC_LOCATION",
}
_PROPERTY_ALIASES = {"project": "core/project"}
# Binding commands whose region gcloud must find (docs/gcloud-iam.md 2.2): Cloud Run has no
# default region; functions have none with an explicit --gen2. Without one the binding never
# takes effect (GCL001 says so at the binding).
REGIONAL = {
    ("run", "services", "add-iam-policy-binding"), ("run", "services", "remove-iam-policy-binding"),
    ("run", "services", "set-iam-policy"), ("functions", "add-invoker-policy-binding"),
    ("functions", "remove-invoker-policy-binding"), ("functions", "add-iam-policy-binding"),
    ("run", "deploy"), ("run", "services", "update"), ("run", "services", "delete"), ("functions", "deploy"),
    # Jobs find their region as services do (connection_context.GetConnectionContext): no handler, region checked.
    ("run", "jobs", "create"), ("run", "jobs", "deploy"), ("run", "jobs", "update"), ("run", "jobs", "execute"),
    ("run", "jobs", "delete"),
}


Handler = Callable[["GcloudModel", GcloudCommand, CommandRun, State], "Val | None"]


@record()
class GcloudModel:
    """The command hook the interpreter calls for every executed command."""

    default_region: str | None
    # Reads a file a command names (a Workflows source): its bytes, or why it is not followed.
    read_file: Callable[[str], bytes | str] | None
    notes: list[Note]  # files not followed, and why (SH001)
    # The commands run so far (the interpreter's list, set by the analysis): whether the script
    # itself writes a file a command reads (a service manifest rendered by `envsubst > FILE`).
    runs: list[CommandRun]
    # The interpreter's file_writes: what `> FILE` wrote, after how many runs (None: not recorded,
    # for a script that names no `replace`: a manifest read from a file it sources stays unknown).
    writes: list[FileWrite] | None
    _workflow_cache: dict[str, list[OidcCall] | str]
    _manifest_cache: dict[str, Manifest | str]
    _policy_cache: dict[str, list[PolicyBinding] | str]

    def __init__(
        self,
        default_region: str | None = None,
        read_file: Callable[[str], bytes | str] | None = None,
        notes: list[Note] | None = None,
        runs: list[CommandRun] | None = None,
        writes: list[FileWrite] | None = None,
        _workflow_cache: dict[str, list[OidcCall] | str] | None = None,
        _manifest_cache: dict[str, Manifest | str] | None = None,
    ) -> None:
        self.default_region = default_region
        self.read_file = read_file
        self.notes = [] if notes is None else notes
        self.runs = [] if runs is None else runs
        self.writes = writes
        self._workflow_cache = {} if _workflow_cache is None else _workflow_cache
        self._manifest_cache = {} if _manifest_cache is None else _manifest_cache
        self._policy_cache: dict[str, list[PolicyBinding] | str] = {}

    def __call__(self, run: CommandRun, state: State) -> Val | None:
        command = run.words[0].text if run.words else ""
        if not names_gcloud(command):
            return None
        cmd = parse_gcloud(_resolved(run.words))
        run.gcloud = cmd
        self._check_region(cmd, run, state)
        handler = _HANDLERS.get(cmd.path)
        if handler is None:
            return None
        return handler(self, cmd, run, state)

    def _check_region(self, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
        """gcloud has no default region for Cloud Run (nor for functions with an explicit --gen2):
        non-interactively the command fails with "You must specify a region"."""
        if cmd.path not in REGIONAL or cmd.has("--flags-file") or cmd.value("--region"):
            return
        if flag_without_value(run):  # gcloud stops at that (GCL001 says so) before it looks for a region
            return
        if UNSEEN_CODE in state.props:  # a file not followed may have set the region property
            return
        name = cmd.positionals[0].text if cmd.positionals else ""
        if is_known(name) and (_FULL_NAME.match(name) or _FULL_JOB_NAME.match(name)):
            return
        if cmd.path[0] == "run":
            platform = cmd.value("--platform") or self.prop("run/platform", state)
            if platform and platform != "managed":  # gke / kubernetes: a cluster, no region
                return
            if self.prop("run/region", state) or self.default_region:
                return
            prop, env = "run/region", "CLOUDSDK_RUN_REGION"
        else:
            if self.explicit_gen2(cmd, state) is not True or self.prop("functions/region", state) \
                    or self.default_region:
                return
            prop, env = "functions/region", "CLOUDSDK_FUNCTIONS_REGION"
        self._reject_no_region(run, prop, env)

    def _reject_no_region(self, run: CommandRun, prop: str, env: str, label: str = "") -> None:
        """``label``: where else the command may read its region (a manifest's location label)."""
        run.facts.append(Rejected(
            run, f"no region: without `--region`, {label}`{env}` or `gcloud config set {prop}` gcloud fails "
                 "non-interactively (\"You must specify a region\") unless the configuration it runs with sets "
                 f"{prop}; the command never takes effect",
            fix=f"add --region=REGION (or set `default-region` in the shlint-iam configuration if {prop} is set "
                "where the script runs)"))

    # -- property resolution ------------------------------------------------------------
    def prop(self, name: str, state: State) -> Val | None:
        env = PROPERTY_ENV.get(name)
        if env and env in state.exported and env in state.vars:
            value = state.vars[env]
            return join(" ", value) if isinstance(value, list) else value
        return state.props.get(name)

    def project(self, cmd: GcloudCommand, state: State) -> Val:
        value = cmd.value("--project")
        if value:
            return value
        if cmd.has("--flags-file"):
            return unknown(OTHER, "flags-file", "project", text="PROJECT_ID")
        return self.prop("core/project", state) or unknown(PROPERTY, "core/project")

    def function_region(self, cmd: GcloudCommand, state: State, explicit_gen2: bool = False) -> Val:
        value = cmd.value("--region")
        if value:
            return value
        if cmd.has("--flags-file"):
            return unknown(OTHER, "flags-file", "region", text="REGION")
        configured = self.prop("functions/region", state)
        if configured:
            return configured
        if self.default_region:
            return self.default_region
        if explicit_gen2:
            # gcloud fails non-interactively here (no default region for an explicit --gen2).
            return unknown(PROPERTY, "functions/region")
        return "us-central1"

    def run_region(self, cmd: GcloudCommand, state: State, flag: str = "--region") -> Val:
        value = cmd.value(flag)
        if value:
            return value
        if cmd.has("--flags-file"):
            return unknown(OTHER, "flags-file", "region", text="REGION")
        return self.prop("run/region", state) or self.default_region or unknown(PROPERTY, "run/region")

    def explicit_gen2(self, cmd: GcloudCommand, state: State) -> bool | None:
        if cmd.has("--no-gen2"):
            return False
        if cmd.has("--gen2"):
            return True
        configured = self.prop("functions/gen2", state)
        if configured is not None and is_known(configured):
            return configured.lower() in ("true", "1", "yes", "on")
        return None

    def workflow_calls(self, source: Val, run: CommandRun, state: State) -> list[OidcCall]:
        """The OIDC calls of the workflow definition at ``source`` (``--source``), read only
        through ``read_file`` (the project-root rules); a file not followed leaves a note."""
        if not is_known(source):
            self.notes.append(Note(run.span, NOT_FOLLOWED, UNKNOWN_PATH, what="workflow source"))
            return []
        path = _path_of(source, run, state)
        found: list[OidcCall] | str
        if self.writes is not None and _written_before(path, run, self.runs, self.writes):
            # `cat > workflow.yaml <<EOF`: the text the script wrote, not the repository's file
            # (with unknown parts in place: `url: ${SERVICE_URL}/run`, documents.load_placed)
            written = _written_text(path, run, self.runs, self.writes)
            found = _workflow_of(_encoded(written)) if written is not None else \
                "the script writes it, with text not known here"
        else:
            if path not in self._workflow_cache:
                self._workflow_cache[path] = self._read_workflow(path)
            found = self._workflow_cache[path]
        if isinstance(found, str):
            self.notes.append(Note(run.span, NOT_FOLLOWED, found, path=source, what="workflow source"))
            return []
        return found

    def _read_workflow(self, path: str) -> list[OidcCall] | str:
        if self.read_file is None:
            return "files named by commands are not read here"
        data = self.read_file(path)
        if isinstance(data, str):
            return data
        return _workflow_of(data)

    def manifest(self, source: Val, run: CommandRun, state: State) -> Manifest | None:
        """The Knative Service manifest at ``source`` as the command would read it: the text the
        script wrote to it before (``cat > service.yaml <<EOF``, unknown parts in place), else the
        repository's file. None when that cannot be known: the path is not known, the script writes
        the file with a text not known (``envsubst < service.tpl.yaml > service.yaml``) or changes
        it after (``sed -i``), or the file cannot be read (a note)."""
        if not is_known(source):
            self.notes.append(Note(run.span, NOT_FOLLOWED, UNKNOWN_PATH, what="service manifest"))
            return None
        path = _path_of(source, run, state)
        if self.writes is not None and _written_before(path, run, self.runs, self.writes):
            # `cat > service.yaml <<EOF`: the text the script wrote, when it is known (with its unknown
            # parts in place: `name: ${SERVICE}`); `envsubst < T > F`, `sed -i ... F`: not known
            written = _written_text(path, run, self.runs, self.writes)
            if written is None:
                return None
            from .manifests import parse_manifest

            parsed = parse_manifest(_encoded(written))
            return parsed if not isinstance(parsed, str) else None
        if self.read_file is not None and self.writes is None:
            return None  # its text is whatever the script may have put there: not the file in the repository
        if path not in self._manifest_cache:
            self._manifest_cache[path] = self._read_manifest(path)
        found = self._manifest_cache[path]
        if isinstance(found, str):
            self.notes.append(Note(run.span, NOT_FOLLOWED, found, path=source, what="service manifest"))
            return None
        return found

    def iam_policy(self, source: Val, run: CommandRun, state: State) -> list[PolicyBinding] | None:
        """The bindings of the IAM policy file at ``source`` as ``set-iam-policy`` would read it,
        or None when that cannot be known: the path is not known, the script itself may write the
        file before (``cat > policy.yaml <<EOF``), or the file cannot be read (a note)."""
        if not is_known(source):
            return None
        path = _path_of(source, run, state)
        if self.writes is None:
            return None
        if _written_before(path, run, self.runs, self.writes):
            # `cat > policy.yaml <<EOF`: the text the script wrote, when it is known
            # (with unknown parts in place: `"serviceAccount:${PROJECT_ID}@appspot..."`, documents.load_placed)
            written = _written_text(path, run, self.runs, self.writes)
            if written is None:
                return None
            from .policies import parse_policy

            parsed = parse_policy(_encoded(written))
            return parsed if not isinstance(parsed, str) else None
        if self.read_file is None:
            return None
        if path not in self._policy_cache:
            data = self.read_file(path)
            if isinstance(data, str):
                self._policy_cache[path] = data
            else:
                from .policies import parse_policy

                self._policy_cache[path] = parse_policy(data)
        found = self._policy_cache[path]
        if isinstance(found, str):
            self.notes.append(Note(run.span, NOT_FOLLOWED, found, path=source, what="IAM policy file"))
            return None
        return found

    def _read_manifest(self, path: str) -> Manifest | str:
        if self.read_file is None:
            return "files named by commands are not read here"
        data = self.read_file(path)
        if isinstance(data, str):
            return data
        from .manifests import parse_manifest

        return parse_manifest(data)

    def service_ref(self, name: Val, region: Val, project: Val, lower: bool) -> ServiceRef:
        match = _FULL_NAME.match(name) if is_known(name) else None
        if match:
            project, region, name = match.group(1), match.group(2), match.group(3)
        if lower and is_known(name):
            name = name.lower()
        return ServiceRef(name=name, region=region, project=project)


def _resolved(words: list[Word]) -> list[Word]:
    """``words`` with each ``${NAME:-default}`` of an unset NAME resolved (resolve_defaults): the
    same list when no word has one (most words are known text)."""
    out = words
    for i, word in enumerate(words):
        text = word.text
        if not isinstance(text, str):
            resolved = resolve_defaults(text)
            if resolved is not text:
                if out is words:
                    out = list(words)
                out[i] = Word(resolved, word.span)
    return out


def _positional(cmd: GcloudCommand, index: int = 0) -> Val | None:
    return cmd.positionals[index].text if len(cmd.positionals) > index else None


def _member(cmd: GcloudCommand) -> tuple[Val | None, object]:
    flag = cmd.last("--member")
    if flag is None or flag.value is None:
        return None, None
    return normalise_member(flag.value), flag.span


def _public_flag(cmd: GcloudCommand, *names: str) -> Flag | None:
    """The last flag of ``names`` that makes the service public, unless it is written with a value:
    ``--allow-unauthenticated=false`` is not a way to say "private" but a command gcloud rejects
    whole ("ignored explicit argument 'false'", GCL001), which makes nothing public."""
    flag = cmd.last(*names)
    return flag if flag is not None and flag.value is None else None


def _identity(value: Val | None) -> Val | None:
    if not value:
        return None
    return normalise_member(member_of_email(value))


def _path_of(source: str, run: CommandRun, state: State) -> str:
    """``source`` as a path from where the command runs (the starting directory is taken to be
    the script's)."""
    return _path_in(source, state.cwd, run)


def _path_in(source: str, cwd: Val, run: CommandRun) -> str:
    cwd = resolve_defaults(cwd)
    base = cwd if is_known(cwd) and cwd else os.path.dirname(run.source.real_path or "")
    return source if os.path.isabs(source) else posixpath.normpath(posixpath.join(base, source))


# Commands that only read the files they name (`cat service.yaml` to log it is not a rewrite).
_READ_ONLY = frozenset(("cat", "echo", "printf", "grep", "head", "tail", "wc", "diff", "ls", "test", "[", "[[",
                        "stat", "yamllint", "kubeval", "kubeconform", "less", "more", "file", "md5sum", "sha256sum"))


def _written_before(path: str, run: CommandRun, runs: list[CommandRun],
                    writes: list[FileWrite]) -> bool:
    """Whether the script may write the file at ``path`` before ``run``: a command's output is
    redirected to it (``envsubst < T > FILE``, ``cat > FILE <<EOF``, ``gcloud run services describe S
    --format=export > FILE``; a target not known statically counts when it ends with the file's
    name), or a command names the file as an argument (``sed -i ... FILE``, ``cp T FILE``, ``yq -i``,
    ``tee FILE``). Taken widely on purpose: a file the script may have changed is not read from the
    repository."""
    index = _index_of(run, runs)
    return bool(_writes_to(path, run, index, writes)) or _named_by(path, runs[:index])


def _workflow_of(data: bytes | Value) -> list[OidcCall] | str:
    """The OIDC calls of a workflow definition's text (a file's bytes, or a text the script writes
    with unknown parts), or why it cannot be read."""
    from .workflows import oidc_calls, parse_definition

    try:
        return oidc_calls(parse_definition(data))
    except ValueError as exc:
        return str(exc)


def _encoded(text: Val) -> bytes | Value:
    """A written text as its parsers take it: known text as the bytes of a file."""
    return text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text


def _written_text(path: str, run: CommandRun, runs: list[CommandRun],
                  writes: list[FileWrite]) -> Val | None:
    """The text the script last wrote to ``path`` before ``run`` (``cat > policy.yaml <<EOF``),
    parts of it possibly unknown (``${PROJECT_ID}``), when the write is known to be that file's
    whole text and no command naming the file ran after it (``sed -i ... FILE``)."""
    index = _index_of(run, runs)
    found = _writes_to(path, run, index, writes)
    if not found:
        return None
    before, target, _, text, appended = found[-1]
    if appended or not is_known(target) or text is None or _named_by(path, runs[before + 1 : index]):
        return None
    return text


def _index_of(run: CommandRun, runs: list[CommandRun]) -> int:
    return next((i for i in range(len(runs) - 1, -1, -1) if runs[i] is run), len(runs))


def _writes_to(path: str, run: CommandRun, index: int,
               writes: list[FileWrite]) -> list[FileWrite]:
    """The redirections before the ``index``-th command that may write ``path`` (a target not
    known statically counts when it ends with the file's name)."""
    base = posixpath.basename(path)
    found = []
    for write in writes:
        before, target, cwd = write[:3]
        if before > index:
            break
        if before == index:  # the command's own redirection (`gcloud run services replace F > log`)
            continue
        if is_known(target):
            if _path_in(target, cwd, run) == path:
                found.append(write)
        else:
            tail = target.parts[-1] if isinstance(target, Value) else ""
            if isinstance(tail, str) and (tail == base or tail.endswith("/" + base)):
                found.append(write)
    return found


def _named_by(path: str, runs: list[CommandRun]) -> bool:
    """Whether one of ``runs`` names the file as an argument (``sed -i ... FILE``, ``cp T FILE``)."""
    base = posixpath.basename(path)
    for earlier in runs:
        name = earlier.words[0].text if earlier.words else ""
        if earlier.gcloud is not None or (is_known(name) and name.rsplit("/", 1)[-1] in _READ_ONLY):
            continue
        for word in earlier.words[1:]:
            text = word.text
            if is_known(text) and posixpath.basename(text.rpartition("=")[2]) == base:
                return True
    return False


# -- handlers ---------------------------------------------------------------------------------
def _functions_deploy(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    name = _positional(cmd)
    explicit = model.explicit_gen2(cmd, state)
    project = model.project(cmd, state)
    region = model.function_region(cmd, state, explicit_gen2=bool(explicit))
    if name is None:
        run.facts.append(Unverifiable(run, "the function name", "no NAME positional"))
        return None
    generation = 1 if explicit is False else 2
    trigger: str | None = None
    description = ""
    if cmd.has("--trigger-http"):
        trigger, description = "http", "HTTP trigger"
    else:
        flag = cmd.last(*EVENT_TRIGGER_FLAGS)
        if flag is not None:
            assert isinstance(flag.name, str)  # found by its (known) name
            trigger = "event"
            kind = {
                "--trigger-topic": "Pub/Sub topic",
                "--trigger-bucket": "Cloud Storage bucket",
                "--trigger-event-filters": "Eventarc event filter",
                "--trigger-event": "event",
            }[flag.name]
            value = flag.value
            if flag.name == "--trigger-event-filters":
                # Named by its event type (`type=google.cloud.storage.object.v1.finalized`), the
                # filter that says what the trigger is for, wherever it stands among the filters;
                # the flag is a dict (ATTRIBUTE=VALUE), so one value may hold several, separated by
                # commas: `--trigger-event-filters="type=...audit.log.v1.written,serviceName=..."`.
                event_type = next((item for f in cmd.all(flag.name) if isinstance(f.value, str)
                                   for item in f.value.split(",") if item.startswith("type=")), None)
                if event_type is not None:
                    kind, value = "Eventarc events", event_type.removeprefix("type=")
            description = f"{kind} {show(value)}" if value else kind
    invoker: Val | None = None
    source = ""
    if trigger == "event" and generation == 2:
        for flag_name in ("--trigger-service-account", "--service-account"):
            value = cmd.value(flag_name)
            if value:
                invoker, source = _identity(value), flag_name
                break
        else:
            invoker = normalise_member(member_of_email(default_compute_account(project)))
            source = "the default compute service account"
    public = _public_flag(cmd, "--allow-unauthenticated")
    deploy = Deploy(
        run,
        kind="function",
        name=name,
        service=model.service_ref(name, region, project, lower=True),
        generation=generation,
        generation_pinned=explicit is not None,
        trigger=trigger,
        trigger_description=description,
        invoker=invoker,
        invoker_source=source,
        public_span=public.span if public is not None else None,  # type: ignore[arg-type]
        public_flag="--allow-unauthenticated" if public is not None else "",
    )
    run.facts.append(deploy)
    return None


def _run_deploy(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    name = _positional(cmd)
    if name is None:
        run.facts.append(Unverifiable(run, "the service name", "no SERVICE positional"))
        return None
    region = model.run_region(cmd, state)
    project = model.project(cmd, state)
    public = _public_flag(cmd, "--allow-unauthenticated", "--no-invoker-iam-check")
    run.facts.append(
        Deploy(
            run,
            kind="run",
            name=name,
            service=model.service_ref(name, region, project, lower=False),
            public_span=public.span if public is not None else None,  # type: ignore[arg-type]
            public_flag=public.name if public is not None and isinstance(public.name, str) else "",
        )
    )
    return None


def _run_services_replace(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    """``run services replace FILE``: creates or updates the service the Knative manifest names
    (``metadata.name``) in ``--region``, else the manifest's ``cloud.googleapis.com/location``
    label, else run/region (docs/gcloud-facts.md). A manifest that cannot be read, or whose
    name is a placeholder, deploys a service the analysis cannot name."""
    from .manifests import INVOKER_IAM_DISABLED, REGION_LABEL

    if cmd.has("--dry-run"):  # "only validates the configuration"
        return None
    source = _positional(cmd)
    if source is None:
        return None
    manifest = model.manifest(source, run, state)
    where = (run.span.path, run.span.start_line, run.span.start_col)
    name: Val = unknown(OTHER, "manifest-name", *where, text="SERVICE")
    label: Val | None = None
    project = model.project(cmd, state)
    if manifest is not None:
        # (a written manifest's `name: ${SERVICE}` is the value $SERVICE, as in `run deploy "$SERVICE"`)
        if manifest.name is not None:
            name = manifest.name if not is_known(manifest.name) or _RUN_SERVICE_NAME().fullmatch(manifest.name) \
                else unknown(OTHER, "manifest-name", *where, text=manifest.name)
        if manifest.region is not None:
            label = manifest.region if not is_known(manifest.region) or _REGION_NAME().fullmatch(manifest.region) \
                else unknown(OTHER, "manifest-region", *where, text=manifest.region)
        if not is_known(project) and manifest.namespace and is_known(manifest.namespace) \
                and not manifest.namespace.isdigit() and _PROJECT_ID().fullmatch(manifest.namespace):
            project = manifest.namespace  # gcloud requires the namespace to be the project
        if manifest.region is None and not cmd.value("--region") and not cmd.has("--flags-file") \
                and UNSEEN_CODE not in state.props and (cmd.value("--platform") or model.prop("run/platform", state)
                                                        or "managed") == "managed" \
                and not model.prop("run/region", state) and not model.default_region:
            # no --region, no location label, no run/region: as `run deploy`, gcloud prompts (fails in CI)
            model._reject_no_region(run, "run/region", "CLOUDSDK_RUN_REGION",
                                    f"a `{REGION_LABEL}` label in {show(source)}, ")
    elif not cmd.value("--region"):
        label = unknown(OTHER, "manifest-region", *where, text="REGION")  # a label may name it
    region = cmd.value("--region") or (None if cmd.has("--flags-file") else label) or model.run_region(cmd, state)
    public = manifest is not None and manifest.invoker_iam_disabled
    run.facts.append(Deploy(run, kind="run", name=name, service=model.service_ref(name, region, project, lower=False),
                            public_span=cmd.positionals[0].span if public else None,  # the manifest's word
                            public_flag=f"the annotation {INVOKER_IAM_DISABLED} of {show(source)}" if public else ""))
    return None


def _delete(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    name = _positional(cmd)
    if name is None:
        return None
    is_function = cmd.path[0] == "functions"
    region = model.function_region(cmd, state) if is_function else model.run_region(cmd, state)
    project = model.project(cmd, state)
    run.facts.append(Delete(run, service=model.service_ref(name, region, project, lower=is_function)))
    return None


def _binding(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    name = _positional(cmd)
    member, member_span = _member(cmd)
    role_flag = cmd.last("--role")
    role = role_flag.value if role_flag is not None else None
    role_span = role_flag.span if role_flag is not None else None
    project = model.project(cmd, state)
    path = cmd.path
    target: ServiceRef | None = None
    function_name = None
    verb = path[-1]
    action = "remove" if verb.startswith("remove-") else "replace" if verb == "set-iam-policy" else "add"
    if path[0] == "projects":
        scope = "project"
        project = name or project
    elif path[:2] == ("run", "services"):
        scope = "service"
        if name is not None:
            target = model.service_ref(name, model.run_region(cmd, state), project, lower=False)
    elif verb.endswith("-invoker-policy-binding"):
        scope = "service"
        role = "roles/run.invoker"
        role_span = None
        if name is not None:
            target = model.service_ref(name, model.function_region(cmd, state), project, lower=True)
    else:  # functions add-iam-policy-binding: the function's own (Cloud Functions) policy
        scope = "function"
        function_name = name
        if name is not None:
            target = model.service_ref(name, model.function_region(cmd, state), project, lower=True)
    if scope != "project":
        match = _FULL_NAME.match(name) if name is not None and is_known(name) else None
        if match and target is not None:
            project = target.project
    binding = Binding(
        run,
        scope=scope,
        command="gcloud " + " ".join(path),
        target=target,
        project=project,
        member=member,
        role=role,
        member_span=member_span,  # type: ignore[arg-type]
        role_span=role_span,  # type: ignore[arg-type]
        function_name=function_name,
        gen2=cmd.has("--gen2"),
    )
    if action != "add":
        if action == "remove" and scope != "service" and role is not None and is_known(role) \
                and role not in _POLICY_ROLES[scope]:
            return None  # `projects remove-iam-policy-binding ... --role=roles/storage.admin`: no invoke taken away
        if target is not None and scope != "project":
            # a function's own policy (`functions set-iam-policy`) is what a 1st gen function is invoked through
            run.facts.append(Revoke(run, target=target, member=member, replace=action == "replace", scope=scope))
        elif scope == "project" and action == "remove":
            run.facts.append(Revoke(run, target=None, member=member, scope="project", project=project))
        if action == "replace":
            _policy_bindings(model, cmd, run, state, binding)
        return None
    run.facts.append(binding)
    missing = [
        what
        for what, value in (("target", name if scope != "project" else project), ("member", member), ("role", role))
        if value is None or not is_resolved(value)
    ]
    if target is not None and not (is_known(target.region) and is_known(target.project)):
        missing.append("region or project")
    if missing:
        # "member or role", "target, member or role"; "region or project" already ends with its "or"
        listed = ", ".join(missing) if len(missing) == 1 or " or " in missing[-1] else \
            f"{', '.join(missing[:-1])} or {missing[-1]}"
        run.facts.append(Unverifiable(run, "binding", listed, missing))
    return None


# The roles of a policy file that are attempts at letting a member invoke, by the policy's scope: a
# function's own policy invokes a 1st gen function only (roles/run.invoker there is rejected).
_POLICY_ROLES = {
    "service": INVOKE_ROLES,
    "project": PROJECT_INVOKE_ROLES | WORKFLOW_INVOKE_ROLES,
    "function": GEN1_INVOKE_ROLES | {"roles/run.invoker"},
}


def _policy_bindings(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State, like: Binding) -> None:
    """``set-iam-policy RESOURCE POLICY_FILE``: the file's bindings are the resource's after the
    command. Read from the repository, or from what the script wrote to it (``cat > policy.yaml
    <<EOF``), each becomes a binding at the file's word. A file the analysis cannot read (its path
    or text is not known, it is not found) leaves the replacement without bindings (the policy
    may grant nothing) and an unverifiable binding (IAM009). A project's policy file the analysis
    cannot read is most often the project's own policy, read, edited and set back (``gcloud
    projects get-iam-policy P > policy.json``, ``jq``): the project's earlier grants are kept."""
    word = cmd.positionals[1] if len(cmd.positionals) > 1 else None
    if word is None:
        return
    policy = model.iam_policy(word.text, run, state)
    if policy is None:
        run.facts.append(Unverifiable(run, "binding", "the bindings of the policy file", ["member", "role"]))
        return
    if like.scope == "project":
        # the project's grants before it are gone, but for those in the file (bindings below)
        run.facts.append(Revoke(run, target=None, member=None, replace=True, scope="project", project=like.project))
    # The roles that can let a member call the resource: a whole policy's other bindings (a
    # viewer group, an admin's role on the project) are not attempts at an invoker binding.
    relevant = _POLICY_ROLES[like.scope]
    for entry in policy:
        if entry.role not in relevant:
            continue
        member = normalise_member(entry.member) if not entry.conditional else \
            unknown(OTHER, "condition", run.span.start_line, run.span.start_col, text=show(entry.member))
        run.facts.append(records_replace(like, member=member, role=entry.role, member_span=word.span,
                                         role_span=word.span))


def _run_services_update(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    """``run services update --no-invoker-iam-check`` turns the IAM check off: anyone may invoke."""
    name = _positional(cmd)
    flag = _public_flag(cmd, "--no-invoker-iam-check")
    if name is None or flag is None:
        return None
    target = model.service_ref(name, model.run_region(cmd, state), model.project(cmd, state), lower=False)
    run.facts.append(Binding(run, scope="service", command="gcloud run services update", target=target,
                             project=target.project, member="allUsers", role="roles/run.invoker",
                             member_span=flag.span))  # type: ignore[arg-type]
    return None


def _eventarc_trigger(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    service = cmd.value("--destination-run-service")
    workflow = cmd.value("--destination-workflow")
    if not service and not workflow:
        return None
    location = cmd.value("--location") or model.prop("eventarc/location", state) or \
        unknown(PROPERTY, "eventarc/location")
    if not service:
        # A workflow destination: the trigger's identity needs roles/workflows.invoker.
        region = cmd.value("--destination-workflow-location") or location
        service, resource = workflow, "workflow"
    else:
        region = cmd.value("--destination-run-region") or location
        resource = "service"
    project = model.project(cmd, state)
    identity_flag = cmd.last("--service-account")
    identity = _identity(identity_flag.value) if identity_flag is not None else None
    if identity is None:
        identity = normalise_member(member_of_email(default_compute_account(project)))
    run.facts.append(
        Invoker(
            run,
            kind="eventarc",
            name=_positional(cmd) or "",
            target=ServiceRef(service or "", region, project),
            identity=identity,
            identity_span=identity_flag.span if identity_flag is not None else None,  # type: ignore[arg-type]
            resource=resource,
        )
    )
    return None


def _workflows_deploy(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    """``workflows deploy W --source=FILE [--service-account=SA]``: the workflow calls every
    Cloud Run URL its definition reaches with OIDC as SA (default: the compute account)."""
    name = _positional(cmd)
    source = cmd.value("--source")
    if name is None or not source:
        return None
    project = model.project(cmd, state)
    flag = cmd.last("--service-account")
    value = flag.value if flag is not None else None
    email = (value.rsplit("/serviceAccounts/", 1)[-1] if is_known(value) else value) if value else None
    identity = _identity(email) if email else normalise_member(member_of_email(default_compute_account(project)))
    for call in model.workflow_calls(source, run, state):
        target = ServiceRef(call.service, call.region or url_part("region", call.url),
                            call.project or url_part("project", call.url))
        run.facts.append(Invoker(run, kind="workflow", name=name, target=target, identity=identity,
                                 identity_span=flag.span if flag is not None else None,  # type: ignore[arg-type]
                                 step=call.step))
    return None


def _target_of_url(url: Val, model: GcloudModel, state: State) -> ServiceRef | None:
    traced = service_url_target(url)
    if traced is not None:
        return ServiceRef(*traced)
    if not is_known(url):
        from .urls import service_of_value

        partial = service_of_value(url)
        if partial is None:
            return None
        service, region, project = partial
        return ServiceRef(service, region, project or url_part("project", url))
    from .urls import service_of_url

    named = service_of_url(url)
    if named is None:
        return None
    return ServiceRef(named.service, named.region or url_part("region", url), named.project or url_part("project", url))


def _url_invoker(kind: str, url_flag: str, identity_flag_name: str) -> Handler:
    """A handler for a command that calls a URL with an OIDC identity: a Pub/Sub push
    subscription (without --push-endpoint it is a pull subscription, and gcloud ignores a push
    service account), a Cloud Scheduler HTTP job or a Cloud Tasks HTTP task (`tasks create-http-task`)."""

    def handle(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
        url = cmd.value(url_flag)
        if not url:
            return None
        identity_flag = cmd.last(identity_flag_name)
        run.facts.append(
            Invoker(
                run,
                kind=kind,
                name=_positional(cmd) or "",
                target=_target_of_url(url, model, state),
                identity=_identity(identity_flag.value) if identity_flag is not None else None,
                identity_span=identity_flag.span if identity_flag is not None else None,  # type: ignore[arg-type]
            )
        )
        return None

    return handle


_push_subscription = _url_invoker("push", "--push-endpoint", "--push-auth-service-account")
_scheduler_http = _url_invoker("scheduler", "--uri", "--oidc-service-account-email")


def _scheduler_job(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    """``scheduler jobs create|update http JOB --uri=URL``: a job that calls the Workflow Executions
    API (``https://workflowexecutions.googleapis.com/v1/projects/P/locations/L/workflows/W/executions``)
    runs workflow W as its ``--oauth-service-account-email``, which needs roles/workflows.invoker
    (docs/gcloud-facts.md); a job that calls any other URL calls it with its OIDC identity."""
    url = cmd.value("--uri")
    from .urls import workflow_of_value

    called = workflow_of_value(url) if url else None
    if called is None:
        if cmd.path[-2] == "update" and not any(
                cmd.has(f) for f in ("--oidc-service-account-email", "--oauth-service-account-email",
                                     "--clear-auth-token")):
            # `update http` changes only the fields it is given: the job keeps the token (or
            # none) it had. What identity calls the URL is not known here, so no requirement:
            # "invoked with no identity" would say something false about a job created with one.
            return None
        _scheduler_http(model, cmd, run, state)
        return None
    flag = cmd.last("--oauth-service-account-email")
    if flag is None and (cmd.last("--oidc-service-account-email") is not None or cmd.path[-2] == "update"):
        return None  # an OIDC token (the API rejects it), or the identity an update keeps: not this rule's
    workflow, location, project = called
    run.facts.append(Invoker(run, kind="scheduler", name=_positional(cmd) or "",
                             target=ServiceRef(workflow, location, project),
                             identity=_identity(flag.value) if flag is not None else None,
                             identity_span=flag.span if flag is not None else None,  # type: ignore[arg-type]
                             resource="workflow"))
    return None

_http_task = _url_invoker("task", "--url", "--oidc-service-account-email")


def _queue_overrides(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    """``tasks queues create|update Q --http-oidc-service-account-email-override=SA``: every HTTP task
    of the queue is sent with an OIDC token of SA (docs/gcloud-facts.md). The service it reaches is
    the host of ``--http-uri-override=...,host:HOST,...``, else the service whose URL is the token's
    ``--http-oidc-token-audience-override`` (a Cloud Run service accepts only tokens for its URL);
    neither known: a target the analysis cannot name, as a task URL it cannot read."""
    identity_flag = cmd.last("--http-oidc-service-account-email-override")
    if identity_flag is None or not identity_flag.value:
        return None  # each task keeps its own identity (`create-http-task --oidc-service-account-email`)
    target = None
    host = _override_host(cmd.value("--http-uri-override"))
    if host is not None:
        target = _target_of_url(f"https://{host}/", model, state)
    audience = cmd.value("--http-oidc-token-audience-override")
    if target is None and audience:
        target = _target_of_url(audience, model, state)
    run.facts.append(Invoker(run, kind="queue", name=_positional(cmd) or "", target=target,
                             identity=_identity(identity_flag.value),
                             identity_span=identity_flag.span))  # type: ignore[arg-type]
    return None


def _override_host(value: Val | None) -> str | None:
    """The ``host`` of a known ``--http-uri-override`` (``scheme:https,host:H,path:/p``), or None."""
    if not value or not is_known(value):
        return None
    for pair in value.split(","):
        key, colon, rest = pair.partition(":")
        if colon and key.strip() == "host":
            host = rest.strip().strip("'\"")
            return host or None
    return None


def _property_key(name: str) -> str:
    """``project`` -> ``core/project``; ``functions/region`` stays."""
    name = _PROPERTY_ALIASES.get(name, name)
    return name if "/" in name else "core/" + name


def _config_set(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> None:
    if len(cmd.positionals) >= 2 and cmd.value("--configuration") is None:
        name = cmd.positionals[0].text
        if is_known(name):
            state.props[_property_key(name)] = cmd.positionals[1].text
    return None


def _config_get(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> Val | None:
    if not cmd.positionals or not is_known(cmd.positionals[0].text):
        return None
    key = _property_key(cmd.positionals[0].text)
    return model.prop(key, state) or unknown(PROPERTY, key)


def _projects_describe(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> Val | None:
    fmt = cmd.value("--format") or ""
    project = _positional(cmd) or model.project(cmd, state)
    if "projectNumber" in fmt:
        return project_number(project)
    if "projectId" in fmt:
        return project
    return None


def _describe_url(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> Val | None:
    """``--format='value(status.url)'`` (any format naming a url or uri): the service's URL;
    ``--format=json`` / ``yaml``: its description, whose URL ``jq -r .status.url`` reads."""
    fmt = cmd.value("--format") or ""
    name = _positional(cmd)
    if name is None or not is_known(fmt):
        return None
    whole = fmt.lower().split("(")[0] in ("json", "yaml")
    if not whole and not re.search(r"url|uri", fmt, re.IGNORECASE):
        return None
    project = model.project(cmd, state)
    if cmd.path[0] == "functions":
        ref = model.service_ref(name, model.function_region(cmd, state), project, lower=True)
    else:
        ref = model.service_ref(name, model.run_region(cmd, state), project, lower=False)
    if whole:
        return described(ref.name, ref.region, ref.project)
    return service_url(ref.name, ref.region, ref.project)


# `run services list --filter=F` naming one service: `NAME`, `(NAME)`, `metadata.name=NAME`,
# `SERVICE:NAME` (the list's column label); with a format that prints its URL only.
_LIST_FILTER_KEY = lazy(r"\(?\s*(?:(?:metadata\.name|SERVICE|name)\s*[:=]\s*)?[\"']?")
_LIST_FILTER_NAME = lazy(r"([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)[\"']?\s*\)?")
_LIST_URL_FORMAT = lazy(r"(?:value|get)\(\s*(?:url|status\.url|status\.address\.url|domain)\s*\)", re.IGNORECASE)


def _list_url(model: GcloudModel, cmd: GcloudCommand, run: CommandRun, state: State) -> Val | None:
    """``run services list --filter=NAME --format='value(URL)'``: the URL of the service NAME
    (the list's URL column is the service's ``status.url``). Without ``--region`` gcloud lists every
    region (surface/run/services/list.py ignores run/region then): the URL's region is the one
    of the service of that name the scripts deploy, when there is exactly one."""
    fmt = cmd.value("--format")
    flt = cmd.value("--filter")
    if not fmt or not flt or not is_known(fmt) or not _LIST_URL_FORMAT().fullmatch(fmt.strip()):
        return None
    platform = cmd.value("--platform")
    if platform and platform != "managed":
        return None
    name: Val | None = None
    if is_known(flt):
        key = _LIST_FILTER_KEY().match(flt.strip())
        found = _LIST_FILTER_NAME().fullmatch(flt.strip(), key.end()) if key else None
        name = found.group(1) if found else None
    else:  # `--filter=$SERVICE`, `--filter="metadata.name=${SERVICE}"`
        head, *rest = flt.parts if isinstance(flt, Value) else (flt,)
        if not isinstance(head, str):
            name = flt
        elif rest and _LIST_FILTER_KEY().fullmatch(head):
            name = concat(*(part if isinstance(part, str) else Value((part,), part.size) for part in rest))
    if name is None:
        return None
    region = cmd.value("--region") or url_part("region", flt)
    return service_url(name, region, model.project(cmd, state))


_HANDLERS = {
    ("functions", "deploy"): _functions_deploy,
    ("run", "deploy"): _run_deploy,
    ("run", "services", "replace"): _run_services_replace,
    ("functions", "delete"): _delete,
    ("run", "services", "delete"): _delete,
    ("run", "services", "add-iam-policy-binding"): _binding,
    ("functions", "add-invoker-policy-binding"): _binding,
    ("functions", "add-iam-policy-binding"): _binding,
    ("projects", "add-iam-policy-binding"): _binding,
    ("run", "services", "remove-iam-policy-binding"): _binding,
    ("functions", "remove-invoker-policy-binding"): _binding,
    ("functions", "remove-iam-policy-binding"): _binding,
    ("projects", "remove-iam-policy-binding"): _binding,
    ("run", "services", "set-iam-policy"): _binding,
    ("functions", "set-iam-policy"): _binding,
    ("projects", "set-iam-policy"): _binding,
    ("run", "services", "update"): _run_services_update,
    ("eventarc", "triggers", "create"): _eventarc_trigger,
    ("eventarc", "triggers", "update"): _eventarc_trigger,
    ("pubsub", "subscriptions", "create"): _push_subscription,
    ("pubsub", "subscriptions", "update"): _push_subscription,
    ("pubsub", "subscriptions", "modify-push-config"): _push_subscription,
    ("scheduler", "jobs", "create", "http"): _scheduler_job,
    ("scheduler", "jobs", "update", "http"): _scheduler_job,
    ("tasks", "create-http-task"): _http_task,
    ("tasks", "queues", "create"): _queue_overrides,
    ("tasks", "queues", "update"): _queue_overrides,
    ("workflows", "deploy"): _workflows_deploy,
    ("config", "set"): _config_set,
    ("config", "get"): _config_get,
    ("config", "get-value"): _config_get,
    ("projects", "describe"): _projects_describe,
    ("run", "services", "describe"): _describe_url,
    ("functions", "describe"): _describe_url,
    ("run", "services", "list"): _list_url,
}
