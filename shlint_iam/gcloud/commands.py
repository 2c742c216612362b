"""The gcloud commands shlint-iam knows the shape of: positionals, required flags, the flags each
command has, and the flags people give it that it does not have. One table drives GCL001
(``invalid-gcloud-command``) and is its documentation (``shlint-iam rule GCL001``).

Every row cites the command's gcloud reference page; ``docs/gcloud-facts.md`` lists the facts
behind the table that are not on those pages. A command whose flags are not all listed here
(``complete=False``) is only checked for its positionals, its required flags and the ``absent``
flags; an unknown flag on it is never reported. ``alpha`` commands, which gain flags first, are
checked only for positionals and required flags.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..records import record
from ..shell.values import is_known, show, show_name
from .argv import GLOBAL_BOOL_FLAGS, GLOBAL_VALUE_FLAGS

if TYPE_CHECKING:
    from ..model import Span
    from ..shell.trace import CommandRun, Word

REFERENCE = "https://cloud.google.com/sdk/gcloud/reference/"


@record(frozen=True)
class Positional:
    """A positional argument of a gcloud command."""

    name: str
    required: bool = True
    many: bool = False  # one or more (nargs "+")

    def __init__(self, name: str, required: bool = True, many: bool = False) -> None:
        self.__dict__.update(name=name, required=required, many=many)


@record(frozen=True)
class CommandSpec:
    """The shape of one gcloud command: its positionals and flags."""

    path: tuple[str, ...]
    positionals: tuple[Positional, ...]
    required: tuple[str, ...] = ()  # flags gcloud requires
    value_flags: frozenset[str] = frozenset()
    bool_flags: frozenset[str] = frozenset()  # their hidden `--no-` negations are accepted too
    complete: bool = False  # value_flags | bool_flags are every flag the command has
    absent: tuple[tuple[str, str], ...] = ()  # (flag it does not have, what to use instead)

    def __init__(
        self,
        path: tuple[str, ...],
        positionals: tuple[Positional, ...],
        required: tuple[str, ...] = (),
        value_flags: frozenset[str] = frozenset(),
        bool_flags: frozenset[str] = frozenset(),
        complete: bool = False,
        absent: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.__dict__.update(
            path=path, positionals=positionals, required=required, value_flags=value_flags, bool_flags=bool_flags,
            complete=complete, absent=absent,
        )

    @property
    def command(self) -> str:
        return " ".join(self.path)

    @property
    def reference(self) -> str:
        return REFERENCE + "/".join(self.path)

    def flag_kind(self, name: str) -> str | None:
        """"value", "bool" or None (not a flag this table knows for the command)."""
        if name in GLOBAL_VALUE_FLAGS or name in self.value_flags:
            return "value"
        if name in GLOBAL_BOOL_FLAGS or name in self.bool_flags or name in ("--help", "-h"):
            return "bool"
        if name.startswith("--no-") and "--" + name[5:] in self.bool_flags:
            return "bool"
        return None


def _flags(text: str) -> frozenset[str]:
    return frozenset("--" + f for f in text.split())


_BINDING = _flags("member role condition condition-from-file")
# `gcloud functions deploy` (GA), every flag `_CommonArgs` adds in surface/functions/deploy.py (the SDK mirror's
# newest stored copy), the hidden `--trigger-channel` included, then flags older releases took (kept: a script
# written for them is not a typo). `--buildpack-stack` is the alpha track's only.
_FUNCTIONS_DEPLOY_VALUE = _flags(
    "region memory cpu timeout max-instances min-instances runtime service-account update-labels remove-labels "
    "source stage-bucket entry-point trigger-topic trigger-bucket trigger-channel trigger-event-filters "
    "trigger-event-filters-path-pattern trigger-event trigger-resource set-env-vars update-env-vars "
    "remove-env-vars env-vars-file set-build-env-vars update-build-env-vars remove-build-env-vars "
    "build-env-vars-file ignore-file runtime-update-policy kms-key docker-repository set-secrets update-secrets "
    "remove-secrets vpc-connector egress-settings ingress-settings security-level build-worker-pool "
    "docker-registry run-service-account trigger-location trigger-service-account concurrency "
    "build-service-account binary-authorization network subnet network-tags direct-vpc-egress "
    "buildpack-stack "
    # older releases (surface/functions/deploy.py of 2017): source repositories, buckets, providers
    "local-path source-path source-url source-revision source-branch source-tag bucket trigger-gs-uri "
    "trigger-provider trigger-params trigger-path")
_FUNCTIONS_DEPLOY_BOOL = _flags(
    "allow-unauthenticated retry clear-max-instances clear-min-instances clear-labels trigger-http clear-env-vars "
    "clear-build-env-vars clear-kms-key clear-docker-repository clear-secrets clear-vpc-connector "
    "clear-build-worker-pool gen2 serve-all-traffic-latest-revision clear-build-service-account "
    "clear-binary-authorization clear-network-tags clear-network")
# `gcloud run deploy` (GA): every flag the helpers of surface/run/deploy.py `Deploy.CommonArgs`/`Args` add
# (command_lib/run/flags.py of gcloud 578.0.0; `ContainerArgGroup`; `--container`), the hidden ones included
# (`--platform`, `--cluster[-location]`, `--context`, `--kubeconfig`, `--connectivity`, `--client-name`,
# `--client-version`, `--service-{min,max}-instances`, `--update-annotations`, the config-map flags,
# `--allow-unencrypted-build`), and flags that were GA in some release only (`--iap`, `--readiness-probe`).
_RUN_DEPLOY_VALUE = _flags(
    "region regions platform image source function command args base-image service-account port memory cpu gpu "
    "gpu-type concurrency timeout min max min-instances max-instances scaling ingress vpc-connector vpc-egress "
    "network subnet network-tags tag revision-suffix description labels update-labels remove-labels "
    "set-env-vars update-env-vars remove-env-vars env-vars-file set-secrets update-secrets remove-secrets "
    "set-cloudsql-instances add-cloudsql-instances remove-cloudsql-instances set-custom-audiences "
    "add-custom-audiences remove-custom-audiences build-service-account build-worker-pool set-build-env-vars "
    "update-build-env-vars remove-build-env-vars build-env-vars-file key post-key-revocation-action-type "
    "encryption-key-shutdown-hours binary-authorization breakglass execution-environment container depends-on "
    "workdir add-volume remove-volume add-volume-mount remove-volume-mount remove-containers startup-probe "
    "liveness-probe readiness-probe namespace cluster cluster-location context kubeconfig connectivity "
    "client-name client-version service-min-instances service-max-instances update-annotations "
    "set-config-maps update-config-maps remove-config-maps")
_RUN_DEPLOY_BOOL = _flags(
    "allow-unauthenticated invoker-iam-check iap no-traffic async automatic-updates cpu-boost cpu-throttling "
    "default-url deploy-health-check gpu-zonal-redundancy session-affinity use-http2 clear-env-vars "
    "clear-secrets clear-labels clear-cloudsql-instances clear-custom-audiences clear-vpc-connector "
    "clear-network clear-network-tags clear-key clear-binary-authorization clear-volumes clear-volume-mounts "
    "clear-config-maps clear-post-key-revocation-action-type clear-encryption-key-shutdown-hours "
    "clear-base-image clear-build-service-account clear-build-worker-pool clear-build-env-vars "
    "allow-unencrypted-build")
_NOT_ON_UPDATE = ("--allow-unauthenticated", "--no-allow-unauthenticated", "--source", "--function",
                  "--base-image", "--build-service-account", "--build-worker-pool", "--set-build-env-vars",
                  "--update-build-env-vars", "--remove-build-env-vars", "--build-env-vars-file",
                  "--clear-build-service-account", "--clear-build-worker-pool", "--clear-build-env-vars")
_UPDATE_INSTEAD = {
    "--allow-unauthenticated": "`gcloud run services add-iam-policy-binding SERVICE --member=allUsers "
                               "--role=roles/run.invoker` (or `gcloud run deploy --allow-unauthenticated`)",
    "--no-allow-unauthenticated": "`gcloud run services remove-iam-policy-binding SERVICE --member=allUsers "
                                  "--role=roles/run.invoker`",
}

_SERVICE = (Positional("SERVICE"),)
_NAME = (Positional("NAME"),)

COMMANDS: dict[tuple[str, ...], CommandSpec] = {spec.path: spec for spec in (
    CommandSpec(("functions", "deploy"), _NAME, value_flags=_FUNCTIONS_DEPLOY_VALUE,
                bool_flags=_FUNCTIONS_DEPLOY_BOOL, complete=True),
    # `--gen2` is hidden (flags.AddGen2Flag); its `--no-gen2` negation is accepted like every bool flag's.
    CommandSpec(("functions", "delete"), _NAME, value_flags=_flags("region"), bool_flags=_flags("gen2"), complete=True),
    CommandSpec(("functions", "add-invoker-policy-binding"), _NAME, ("--member",),
                _flags("member region"), _flags("gen2"), complete=True,
                absent=(("--role", "nothing: the command always grants the invoker role"),)),
    CommandSpec(("functions", "remove-invoker-policy-binding"), _NAME, ("--member",),
                _flags("member region"), _flags("gen2"), complete=True,
                absent=(("--role", "nothing: the command always removes the invoker role"),)),
    CommandSpec(("functions", "add-iam-policy-binding"), _NAME, ("--member", "--role"),
                _flags("member role region"), _flags("gen2"), complete=True),
    CommandSpec(("functions", "remove-iam-policy-binding"), _NAME, ("--member", "--role"),
                _flags("member role region"), _flags("gen2"), complete=True),
    CommandSpec(("functions", "set-iam-policy"), (Positional("NAME"), Positional("POLICY_FILE")),
                value_flags=_flags("region"), bool_flags=_flags("gen2"), complete=True),
    CommandSpec(("run", "deploy"), (Positional("SERVICE", required=False),), value_flags=_RUN_DEPLOY_VALUE,
                bool_flags=_RUN_DEPLOY_BOOL, complete=True),
    # GA `Update.Args` adds a subset of `Deploy.Args`'s helpers (no IAM, source or build flags): the deploy
    # table less those is a superset of every release's flags.
    CommandSpec(("run", "services", "update"), (Positional("SERVICE", required=False),),
                value_flags=_RUN_DEPLOY_VALUE - frozenset(_NOT_ON_UPDATE),
                bool_flags=_RUN_DEPLOY_BOOL - frozenset(_NOT_ON_UPDATE), complete=True,
                absent=tuple((flag, _UPDATE_INSTEAD.get(flag, "`gcloud run deploy`")) for flag in _NOT_ON_UPDATE)),
    CommandSpec(("run", "services", "replace"), (Positional("FILE"),),
                value_flags=_flags("region namespace platform cluster cluster-location context kubeconfig client-name "
                                   "client-version"), bool_flags=_flags("async dry-run"), complete=True),
    # `--namespace` is the service resource's attribute; `--platform`, `--cluster[-location]`, `--context` and
    # `--kubeconfig` are the `gcloud run` group's own (hidden) flags, accepted by every command in it.
    CommandSpec(("run", "services", "delete"), _SERVICE,
                value_flags=_flags("region namespace platform cluster cluster-location context kubeconfig"),
                bool_flags=_flags("async"), complete=True),
    CommandSpec(("run", "services", "add-iam-policy-binding"), _SERVICE, ("--member", "--role"),
                _BINDING | _flags("region platform cluster cluster-location context kubeconfig"), complete=True),
    CommandSpec(("run", "services", "remove-iam-policy-binding"), _SERVICE, ("--member", "--role"),
                _BINDING | _flags("region platform cluster cluster-location context kubeconfig"), _flags("all"),
                complete=True),
    CommandSpec(("run", "services", "set-iam-policy"), (Positional("SERVICE"), Positional("POLICY_FILE")),
                value_flags=_flags("region platform cluster cluster-location context kubeconfig"), complete=True),
    CommandSpec(("projects", "add-iam-policy-binding"), (Positional("PROJECT_ID"),), ("--member", "--role"),
                _BINDING, complete=True),
    CommandSpec(("projects", "remove-iam-policy-binding"), (Positional("PROJECT_ID"),), ("--member", "--role"),
                _BINDING, _flags("all"), complete=True),
    CommandSpec(("projects", "set-iam-policy"), (Positional("PROJECT_ID"), Positional("POLICY_FILE")), complete=True),
    CommandSpec(("iam", "service-accounts", "add-iam-policy-binding"), (Positional("SERVICE_ACCOUNT"),),
                ("--member", "--role"), _BINDING, complete=True),
    CommandSpec(("iam", "service-accounts", "remove-iam-policy-binding"), (Positional("SERVICE_ACCOUNT"),),
                ("--member", "--role"), _BINDING, _flags("all"), complete=True),
    CommandSpec(("iam", "service-accounts", "create"), (Positional("NAME"),),
                value_flags=_flags("display-name description"), complete=True),
    CommandSpec(("secrets", "add-iam-policy-binding"), (Positional("SECRET"),), ("--member", "--role"),
                _BINDING | _flags("location"), complete=True),
    CommandSpec(("storage", "buckets", "add-iam-policy-binding"), (Positional("URL"),), ("--member", "--role"),
                _BINDING, complete=True),
    CommandSpec(("eventarc", "triggers", "create"), (Positional("TRIGGER"),), ("--event-filters",),
                _flags("location event-filters event-filters-path-pattern destination-run-service "
                       "destination-run-region destination-run-path destination-gke-cluster "
                       "destination-gke-location destination-gke-namespace destination-gke-service "
                       "destination-gke-path destination-http-endpoint-uri network-attachment "
                       "destination-workflow destination-workflow-location destination-function "
                       "destination-function-location destination-run-job service-account transport-topic "
                       "channel event-data-content-type labels max-retry-attempts"), _flags("async"), complete=True),
    # Older releases had `--labels` where today's have `--update-labels`/`--remove-labels`/`--clear-labels`: both kept.
    # `--destination-run-job` and `--destination-function[-location]` are hidden (command_lib/eventarc/flags.py
    # `AddUpdateDestinationArgs`, GA only).
    CommandSpec(("eventarc", "triggers", "update"), (Positional("TRIGGER"),),
                value_flags=_flags("location event-filters event-filters-path-pattern event-data-content-type "
                                   "max-retry-attempts labels update-labels remove-labels service-account "
                                   "destination-run-service destination-run-job destination-run-region "
                                   "destination-run-path destination-gke-namespace destination-gke-service "
                                   "destination-gke-path destination-workflow destination-workflow-location "
                                   "destination-function destination-function-location"),
                bool_flags=_flags("async clear-labels clear-service-account clear-destination-run-path "
                                  "clear-destination-gke-path"), complete=True),
    CommandSpec(("eventarc", "triggers", "delete"), (Positional("TRIGGER"),), value_flags=_flags("location"),
                bool_flags=_flags("async"), complete=True),
    CommandSpec(("pubsub", "subscriptions", "create"), (Positional("SUBSCRIPTION", many=True),), ("--topic",),
                _flags("topic topic-project push-endpoint push-auth-service-account push-auth-token-audience "
                       "ack-deadline message-retention-duration expiration-period dead-letter-topic "
                       "dead-letter-topic-project max-delivery-attempts min-retry-delay max-retry-delay "
                       "message-filter labels tags message-transforms-file"),
                _flags("push-no-wrapper push-no-wrapper-write-metadata enable-message-ordering "
                       "enable-exactly-once-delivery retain-acked-messages use-topic-schema use-table-schema "
                       "write-metadata drop-unknown-fields cloud-storage-use-topic-schema "
                       "cloud-storage-write-metadata")),
    # Not complete: each release adds delivery types (BigQuery, Cloud Storage, Bigtable, ...) and their flags.
    CommandSpec(("pubsub", "subscriptions", "update"), (Positional("SUBSCRIPTION"),),
                value_flags=_flags("push-endpoint push-auth-service-account push-auth-token-audience "
                                   "ack-deadline message-retention-duration expiration-period update-labels "
                                   "remove-labels dead-letter-topic dead-letter-topic-project max-delivery-attempts "
                                   "min-retry-delay max-retry-delay bigquery-table bigquery-service-account-email "
                                   "cloud-storage-bucket cloud-storage-file-datetime-format cloud-storage-file-prefix "
                                   "cloud-storage-file-suffix cloud-storage-max-bytes cloud-storage-max-duration "
                                   "cloud-storage-max-messages cloud-storage-output-format "
                                   "cloud-storage-service-account-email"),
                bool_flags=_flags("enable-exactly-once-delivery retain-acked-messages clear-labels "
                                  "clear-dead-letter-policy clear-retry-policy clear-push-no-wrapper-config "
                                  "push-no-wrapper push-no-wrapper-write-metadata clear-bigquery-config "
                                  "drop-unknown-fields write-metadata use-table-schema use-topic-schema "
                                  "clear-cloud-storage-config cloud-storage-use-topic-schema "
                                  "cloud-storage-write-metadata")),
    CommandSpec(("pubsub", "subscriptions", "modify-push-config"), (Positional("SUBSCRIPTION", many=True),),
                ("--push-endpoint",), _flags("push-endpoint push-auth-service-account push-auth-token-audience"),
                _flags("push-no-wrapper push-no-wrapper-write-metadata"), complete=True),
    CommandSpec(("pubsub", "subscriptions", "delete"), (Positional("SUBSCRIPTION", many=True),), complete=True),
    # Not complete either: each release adds ingestion sources (Kinesis, Cloud Storage, Azure Event Hubs, AWS MSK,
    # Confluent Cloud, ...) and their flags (docs/gcloud-facts.md).
    CommandSpec(("pubsub", "topics", "create"), (Positional("TOPIC", many=True),)),
    CommandSpec(("scheduler", "jobs", "create", "http"), (Positional("JOB"),), ("--schedule", "--uri"),
                _flags("location schedule uri attempt-deadline description headers http-method max-backoff "
                       "max-doublings max-retry-attempts max-retry-duration min-backoff time-zone message-body "
                       "message-body-from-file oauth-service-account-email oauth-token-scope "
                       "oidc-service-account-email oidc-token-audience"), complete=True),
    CommandSpec(("scheduler", "jobs", "update", "http"), (Positional("JOB"),),
                value_flags=_flags("location schedule uri attempt-deadline description http-method "
                                   "oidc-service-account-email oidc-token-audience oauth-service-account-email "
                                   "oauth-token-scope update-headers remove-headers max-backoff max-doublings "
                                   "max-retry-attempts max-retry-duration min-backoff time-zone message-body "
                                   "message-body-from-file"),
                bool_flags=_flags("clear-auth-token clear-headers clear-max-backoff clear-max-doublings "
                                  "clear-max-retry-attempts clear-max-retry-duration clear-message-body "
                                  "clear-min-backoff clear-time-zone"), complete=True,
                absent=(("--headers", "`--update-headers=KEY=VALUE,...` (`--headers` is `create http`'s)"),)),
    CommandSpec(("scheduler", "jobs", "create", "pubsub"), (Positional("JOB"),), ("--schedule", "--topic"),
                _flags("location schedule topic message-body message-body-from-file attributes description "
                       "time-zone max-backoff max-doublings max-retry-attempts max-retry-duration min-backoff"),
                complete=True),
    CommandSpec(("scheduler", "jobs", "delete"), (Positional("JOB"),), value_flags=_flags("location"), complete=True),
    CommandSpec(("workflows", "deploy"), (Positional("WORKFLOW"),),
                value_flags=_flags("location call-log-level description execution-history-level labels "
                                   "service-account source tags env-vars-file remove-env-vars set-env-vars "
                                   "update-env-vars kms-key"), bool_flags=_flags("async clear-env-vars clear-kms-key"),
                complete=True),
)}

# Command groups whose commands are all known: the word after the group must be one of them.
CHOICES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("scheduler", "jobs", "create"): ("app-engine", "http", "pubsub"),
    ("scheduler", "jobs", "update"): ("app-engine", "http", "pubsub"),
}


@record()
class Problem:
    """Why gcloud rejects one command, and where."""

    span: Span
    message: str
    fix: str | None = None

    def __init__(self, span: Span, message: str, fix: str | None = None) -> None:
        self.span = span
        self.message = message
        self.fix = fix


@record()
class _Walk:
    """What a walk over a command's words found."""

    positionals: list[Word]
    flags: set[str]
    command_word: Word | None
    unsure: bool  # a word may stand for any number of words (an unknown unquoted expansion)
    ambiguous: bool  # a flag of unknown arity took the next word as its value
    # the first flag that takes one value but gets none (argparse: "expected one argument"): the flag's
    # word and the word after it (None at the end); ``unknown_before``: a flag of unknown arity came first
    missing: tuple[Word, Word | None] | None
    unknown_before: bool

    def __init__(
        self,
        positionals: list[Word] | None = None,
        flags: set[str] | None = None,
        command_word: Word | None = None,
        unsure: bool = False,
        ambiguous: bool = False,
        missing: tuple[Word, Word | None] | None = None,
        unknown_before: bool = False,
    ) -> None:
        self.positionals = [] if positionals is None else positionals
        self.flags = set() if flags is None else flags
        self.command_word = command_word
        self.unsure = unsure
        self.ambiguous = ambiguous
        self.missing = missing
        self.unknown_before = unknown_before


# argparse's `_parse_optional`: after a flag that takes one value, a word that starts with `-` is taken
# for a flag (and the flag gets no value) unless it is `-` alone, a negative number or has a blank in it.
_NEGATIVE_NUMBER = re.compile(r"-\d+$|-\d*\.\d+$")


def _flag_like(text: str) -> bool:
    return len(text) > 1 and text[0] == "-" and " " not in text and not _NEGATIVE_NUMBER.match(text)


def _sure_single(word: Word, run: CommandRun) -> bool:
    """Whether an unknown word is still exactly one word: written inside double quotes (and not
    ``"$@"``), or a ``--flag=...`` whose flag name is known."""
    text = word.text
    if is_known(text):
        return True
    if text.startswith("--"):
        name, eq, _ = text.partition("=")
        if eq and is_known(name):
            return True
    span = word.span
    if span.path != run.source.path or span.start_line != span.end_line:
        return False
    written = run.source.line_text(span.start_line)[span.start_col - 1 : span.end_col - 1]
    return (len(written) >= 2 and written[0] == written[-1] == '"' and "@" not in written
            and "[*]" not in written)


class _Shape:
    """What command_problems and _walk look up in a spec, worked out once per spec: ``kinds`` is
    ``flag_kind`` as one dict (every name it answers "value" or "bool" for), ``absent`` the absent
    flags by name, ``required`` the required positionals, ``many`` whether one takes many words."""

    __slots__ = ("spec", "kinds", "absent", "required", "many")

    def __init__(self, spec: CommandSpec) -> None:
        self.spec = spec
        # flag_kind's order: a value flag before a bool flag before a `--no-` negation.
        kinds = {"--no-" + f[2:]: "bool" for f in spec.bool_flags if f.startswith("--")}
        kinds.update(dict.fromkeys((*GLOBAL_BOOL_FLAGS, *spec.bool_flags, "--help", "-h"), "bool"))
        kinds.update(dict.fromkeys((*GLOBAL_VALUE_FLAGS, *spec.value_flags), "value"))
        self.kinds = kinds
        self.absent = dict(spec.absent)
        self.required = [p for p in spec.positionals if p.required]
        self.many = any(p.many for p in spec.positionals)


_SHAPES: dict[int, _Shape] = {}
# Without a spec (a command group's choice), only the global value flags are known to take a value.
_GLOBAL_KINDS = dict.fromkeys(GLOBAL_VALUE_FLAGS, "value")


def _shape(spec: CommandSpec) -> _Shape:
    shape = _SHAPES.get(id(spec))
    if shape is None or shape.spec is not spec:
        shape = _SHAPES[id(spec)] = _Shape(spec)
    return shape


def _walk(run: CommandRun, kinds: dict[str, str], path: tuple[str, ...], track: str | None,
          stop_unsure: bool = False) -> _Walk:
    """``kinds``: the flag kinds of the command's spec (_Shape.kinds), else _GLOBAL_KINDS.
    ``stop_unsure``: stop at the first unsure word (the caller then needs nothing more)."""
    walk = _Walk()
    positionals, flags = walk.positionals, walk.flags
    expected = ([track] if track else []) + list(path)
    left = len(expected)
    words = run.words
    n = len(words)
    i = 1  # words[0] is gcloud itself
    while i < n:
        word = words[i]
        text = word.text
        i += 1
        if not isinstance(text, str):  # a known word is one word
            if text.startswith("--"):
                name, eq, _ = text.partition("=")
                if eq and isinstance(name, str):  # `--flag=$VALUE`: one word, a flag and its value
                    flags.add(name)
                    continue
            if not _sure_single(word, run):
                walk.unsure = True
                if stop_unsure:
                    break
                continue
        if text == "--":
            positionals.extend(words[i:])
            break
        if text.startswith("-"):
            name, eq, _ = text.partition("=")
            if isinstance(name, str) and (eq or len(name) > 1):
                flags.add(name)
                kind = kinds.get(name)
                if eq or kind == "bool":
                    continue
                if kind == "value":
                    if i >= n:
                        if walk.missing is None:
                            walk.missing = (word, None)
                    elif isinstance(after := words[i].text, str) and _flag_like(after):
                        if walk.missing is None:  # argparse leaves that flag where it is
                            walk.missing = (word, words[i])
                    else:
                        i += 1
                    continue
                if walk.missing is None:
                    walk.unknown_before = True
                if i < n and not words[i].text.startswith("-"):
                    walk.ambiguous = True  # a flag this table does not know: it may or may not take a value
                    i += 1
                continue
        if left and text == expected[-left]:
            left -= 1
            if not left:
                walk.command_word = word
            continue
        positionals.append(word)
    return walk


def command_problems(run: CommandRun) -> list[Problem]:
    """Why gcloud would reject ``run`` (empty when it would not, or when that cannot be known)."""
    cmd = run.gcloud
    if cmd is None or cmd.has("--flags-file") or not cmd.path:
        return []
    spec = COMMANDS.get(cmd.path)
    if spec is None:
        rejected = _global_missing(run)
        if rejected is not None:
            return [rejected]
        return _choice_problems(run)
    shape = _shape(spec)
    command = f"gcloud {cmd.track + ' ' if cmd.track else ''}{spec.command}"
    found: list[Problem] = []
    valued: list[Problem] = []
    if cmd.track != "alpha":
        absent = shape.absent
        for flag in cmd.flags:
            if flag.name in absent:
                found.append(Problem(_flag_span(run, flag.name), f"`{command}` has no flag `{flag.name}`: "
                                     "gcloud rejects the whole command (unrecognized arguments)",
                                     fix=f"use {absent[flag.name]}"))
            elif spec.complete and cmd.track is None and spec.flag_kind(flag.name) is None \
                    and isinstance(flag.name, str) and _flag_like(flag.name):  # `-1`, `- x`: a value
                fix = f"see {spec.reference}"
                if flag.name == "--region" and "--location" in spec.value_flags:
                    fix = "use `--location`: this command places its resource with `--location`, not `--region`"
                found.append(Problem(_flag_span(run, flag.name), f"`{command}` has no flag `{flag.name}`: "
                                     "gcloud rejects the whole command (unrecognized arguments)", fix=fix))
        valued = _valued_bool_flags(run, spec, command)
        found.extend(valued)
    walk = _walk(run, shape.kinds, cmd.path, cmd.track, stop_unsure=True)
    if walk.missing is not None and (spec.complete or not walk.unknown_before):
        # argparse stops at the first flag it cannot read: nothing after it is looked at
        first = _missing_value(run, walk.missing, command)
        return [min([first, *valued], key=lambda p: (p.span.start_line, p.span.start_col))]
    if walk.unsure:
        return found
    anchor = walk.command_word.span if walk.command_word is not None else run.span
    required = shape.required
    if not walk.ambiguous and len(walk.positionals) < len(required):
        missing = [p.name for p in required[len(walk.positionals):]]
        found.append(Problem(anchor, f"`{command}` needs {' and '.join(missing)} "
                             f"({'positional argument' + ('s' if len(missing) > 1 else '')}): "
                             "gcloud rejects the command", fix=_usage(spec)))
    if not shape.many and len(walk.positionals) > len(spec.positionals):
        extra = walk.positionals[len(spec.positionals)]
        if isinstance(extra.text, str) and extra.text and not extra.text.strip(" \t") \
                and _written(run, extra).startswith("\\"):
            # `--entry-point main \  # comment`: the backslash escapes the blank after it
            found.append(Problem(extra.span, f"`{command}` takes {_count(spec)}; an escaped blank (`\\` followed by a "
                                 "space) is one too many: gcloud rejects the command (unrecognized arguments). A "
                                 "backslash continues the line only as its last character: here the command ends "
                                 "and the next line runs on its own", fix="delete what follows the backslash "
                                 "(a comment cannot follow a line continuation)"))
        else:
            shown = show_name(extra.text)
            if not shown.strip():
                shown = f'"{shown}"'  # a quoted blank, shown as written: `" "`
            found.append(Problem(extra.span, f"`{command}` takes {_count(spec)}; `{shown}` is one too "
                                 "many: gcloud rejects the command (unrecognized arguments)", fix=_usage(spec)))
    missing_flags = [f for f in spec.required if f not in walk.flags]
    if missing_flags:
        found.append(Problem(anchor, f"`{command}` requires {' and '.join(f'`{f}`' for f in missing_flags)}: "
                             "gcloud rejects the command", fix=_usage(spec)))
    if spec.path in _VALIDATED_NAMES and walk.positionals and isinstance(walk.positionals[0].text, str):
        problem = _invalid_service_name(walk.positionals[0], command)
        if problem is not None:
            found.append(problem)
    return found


# `gcloud run deploy`, `run services update` and `run services delete` check the service's name before they
# send anything (surface/run/..., `Run`: `flags.ValidateResource(service_ref)`, command_lib/run/flags.py).
_VALIDATED_NAMES = {("run", "deploy"), ("run", "services", "update"), ("run", "services", "delete")}
_K8S_NAME = re.compile(r"(?=^[a-z0-9-]{1,63}$)(?!^-)(?!.*-$)")
_FULL_SERVICE = re.compile(r"^projects/[^/]+/locations/[^/]+/services/([^/]+)$")


def _invalid_service_name(word: Word, command: str) -> Problem | None:
    text = word.text
    assert isinstance(text, str)
    full = _FULL_SERVICE.match(text)
    name = full.group(1) if full else text
    if not name or _K8S_NAME.match(name):
        return None
    fixed = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63].rstrip("-")
    return Problem(word.span, f"`{command}`: `{name}` is not a Cloud Run service name (lowercase letters, digits "
                   f"and dashes, not starting or ending with a dash, at most 63 characters): gcloud rejects the "
                   f"command (\"Invalid resource name [{name}]\")",
                   fix=f"name the service `{fixed}`" if fixed and _K8S_NAME.match(fixed) else None)


def _global_missing(run: CommandRun) -> Problem | None:
    """A gcloud-wide flag that takes a value (``--project``) but gets none, on a command this table does
    not know; only when no flag of unknown arity comes before it (that one may be what gcloud rejects)."""
    for flag in run.gcloud.flags:  # a cheap look first: parse_gcloud gave it "" or a flag as its value
        value = flag.value
        if flag.name in GLOBAL_VALUE_FLAGS and isinstance(value, str) and (not value or value[0] == "-"):
            break
    else:
        return None
    walk = _walk(run, _GLOBAL_KINDS, run.gcloud.path, run.gcloud.track, stop_unsure=True)
    if walk.missing is None or walk.unknown_before:
        return None
    cmd = run.gcloud
    return _missing_value(run, walk.missing, f"gcloud {cmd.track + ' ' if cmd.track else ''}{cmd.command}")


def flag_without_value(run: CommandRun) -> bool:
    """Whether gcloud's parser rejects ``run`` because a flag that takes a value gets none
    (``--region $EMPTY --project p``: "argument --region: expected one argument")."""
    cmd = run.gcloud
    if cmd is None or cmd.has("--flags-file") or not cmd.path:
        return False
    spec = COMMANDS.get(cmd.path)
    if spec is None:
        return _global_missing(run) is not None
    walk = _walk(run, _shape(spec).kinds, cmd.path, cmd.track, stop_unsure=True)
    return walk.missing is not None and (spec.complete or not walk.unknown_before)


def _dropped(run: CommandRun, after: Word, before: Word | None) -> list[str]:
    """The expansions written between two words (or after the last one) that gave no word: bash
    drops an empty unquoted expansion."""
    source = getattr(run.source, "doc", run.source)
    start, end = after.span, (before.span if before is not None else run.span)
    if start.path != source.path or end.path != source.path:
        return []
    first = (start.end_line, start.end_col)
    last = (end.start_line, end.start_col) if before is not None else (end.end_line, end.end_col)
    if last <= first or last[0] - first[0] > 20:
        return []
    parts = []
    try:
        for line in range(first[0], last[0] + 1):
            text = source.line_text(line)
            stop = last[1] - 1 if line == last[0] else len(text)
            parts.append(text[(first[1] - 1 if line == first[0] else 0):stop])
    except (AttributeError, IndexError):
        return []
    return [t for t in " ".join(parts).replace("\\", " ").split() if t.startswith("$")]


def _missing_value(run: CommandRun, missing: tuple[Word, Word | None], command: str) -> Problem:
    word, nxt = missing
    flag = show(word.text)
    dropped = _dropped(run, word, nxt)
    error = f'gcloud rejects the whole command ("argument {flag}: expected one argument")'
    where = (f"the next argument `{show(nxt.text)}` is a flag" if nxt is not None
             else f"`{flag}` is the last argument")
    if dropped:
        shown = " and ".join(f"`{d}`" for d in dropped)
        names = ", ".join(d.strip("${}") for d in dropped)
        message = (f"`{command}`: `{flag}` gets no value: {shown} {'is' if len(dropped) == 1 else 'are'} empty here, "
                   f"bash drops an empty unquoted word, and {where}: {error}")
        fix = f"set {names} before this command (or give `{flag}` a value)"
    else:
        message = f"`{command}`: `{flag}` takes a value but gets none ({where}): {error}"
        fix = f"give `{flag}` a value (`{flag}=VALUE`) or delete it"
    return Problem(word.span, message, fix=fix)


def _valued_bool_flags(run: CommandRun, spec: CommandSpec, command: str) -> list[Problem]:
    """``--allow-unauthenticated=true``: a boolean flag takes no value, and gcloud's parser (argparse)
    rejects one written with ``=`` ("argument --allow-unauthenticated: ignored explicit argument 'true'")."""
    found = []
    for word in run.words[1:]:
        text = word.text
        if not text.startswith("--"):
            continue
        name, eq, value = text.partition("=")
        if not eq or not isinstance(name, str):
            continue
        negated = name.startswith("--no-") and "--" + name[5:] in spec.bool_flags
        if name not in spec.bool_flags and not negated and name != "--quiet":
            continue
        shown = show(value)
        off = shown.lower() in ("false", "no", "0", "off")
        fix = (f"write `--no-{name[2:]}`" if off and not negated else
               f"write `{name}` alone (a boolean flag is on when written, `--no-...` turns it off)")
        found.append(Problem(word.span, f"`{command}`: `{name}` is a boolean flag and takes no value: gcloud rejects "
                             f"the whole command (ignored explicit argument '{shown}')", fix=fix))
    return found


def _choice_problems(run: CommandRun) -> list[Problem]:
    cmd = run.gcloud
    for size in range(len(cmd.path), 0, -1):
        group = cmd.path[:size]
        choices = CHOICES.get(group)
        if choices is None:
            continue
        if size < len(cmd.path) and cmd.path[size] in choices:
            return []
        walk = _walk(run, _GLOBAL_KINDS, group, cmd.track)
        command = "gcloud " + " ".join(group)
        if size == len(cmd.path) or not walk.positionals:
            anchor = walk.command_word.span if walk.command_word is not None else run.span
            return [Problem(anchor, f"`{command}` needs one of its commands ({', '.join(choices)}): "
                            "gcloud rejects it")]
        wrong = walk.positionals[0]
        later = [w.text for w in walk.positionals[1:] if w.text in choices]
        fix = None
        if later:
            rest = [show(w.text) for w in walk.positionals if w.text != later[0]]
            fix = f"{command} {later[0]} {' '.join(rest)} ..."
        return [Problem(wrong.span, f"`{show(wrong.text)}` is not a command of `{command}` "
                        f"({', '.join(choices)}): gcloud rejects it (invalid choice)"
                        + (f"; the command `{later[0]}` comes before the name" if later else ""), fix=fix)]
    return []


def _written(run: CommandRun, word: Word) -> str:
    """``word`` as the script wrote it, when it is on one line of ``run``'s file ("" otherwise)."""
    span = word.span
    source = getattr(run.source, "doc", run.source)  # a workflow step's spans are the document's
    if span.start_line != span.end_line or span.path != source.path:
        return ""
    try:
        return source.line_text(span.start_line)[span.start_col - 1 : span.end_col - 1]
    except (AttributeError, IndexError):
        return ""


def _flag_span(run: CommandRun, name: str) -> Span:
    for word in run.words:
        if word.text == name or word.text.startswith(name + "="):
            return word.span
    return run.span


def _count(spec: CommandSpec) -> str:
    names = [p.name for p in spec.positionals]
    if not names:
        return "no positional arguments"
    return ("only " if len(names) == 1 else "") + " and ".join(names)


def _usage(spec: CommandSpec) -> str:
    parts = ["gcloud", spec.command]
    for p in spec.positionals:
        parts.append(p.name if p.required else f"[{p.name}]")
        if p.many:
            parts.append("...")
    parts += [f"{flag}=..." for flag in spec.required]
    return " ".join(parts)


def table_markdown() -> str:
    """The table of known commands, for GCL001's documentation."""
    rows = ["| command | positionals | required flags | flags checked | reference |", "| --- | --- | --- | --- | --- |"]
    for spec in COMMANDS.values():
        positionals = " ".join(
            (p.name if p.required else f"[{p.name}]") + (" ..." if p.many else "") for p in spec.positionals)
        required = ", ".join(f"`{f}`" for f in spec.required) or "-"
        if spec.complete:
            checked = "all: " + ", ".join(f"`{f}`" for f in sorted(spec.value_flags | spec.bool_flags))
        elif spec.absent:
            checked = "not on this command: " + ", ".join(f"`{f}`" for f, _ in spec.absent)
        else:
            checked = "-"
        rows.append(f"| `gcloud {spec.command}` | {positionals or '-'} | {required} | {checked} | "
                    f"[reference]({spec.reference}) |")
    for group, choices in CHOICES.items():
        rows.append(f"| `gcloud {' '.join(group)}` | one of: {', '.join(choices)} | - | - | "
                    f"[reference]({REFERENCE + '/'.join(group)}) |")
    return "\n".join(rows)


def may_hide_flags(run: CommandRun) -> bool:
    """Whether some argument may stand for any number of words, flags included (an unknown,
    unquoted expansion such as ``$ARGS`` or ``"$@"``)."""
    return any(not _sure_single(word, run) for word in run.words[1:])
