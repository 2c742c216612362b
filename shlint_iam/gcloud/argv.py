"""gcloud's command-line grammar: release tracks, command groups, flags anywhere, last value wins.

Facts from ``docs/gcloud-iam.md`` section 1: global flags may stand anywhere; ``alpha``/``beta``
(and ``preview``) are release tracks; ``--flag=value`` and ``--flag value``; boolean flags take
no value; positionals may follow flags; a repeated flag's last value wins.
"""

from __future__ import annotations

from ..records import record
from ..shell.trace import Word
from ..shell.values import Val, is_known

TRACKS = {"alpha", "beta", "preview"}

GLOBAL_VALUE_FLAGS = {
    "--project", "--account", "--billing-project", "--configuration", "--flags-file", "--flatten",
    "--format", "--verbosity", "--impersonate-service-account", "--access-token-file", "--trace-token",
    "--http-timeout", "--universe-domain", "--authority-selector", "--authorization-token-file",
    "--credential-file-override", "--document",
}
GLOBAL_BOOL_FLAGS = {
    "--quiet", "-q", "--log-http", "--no-log-http", "--user-output-enabled", "--no-user-output-enabled",
    "--help", "-h",
}

# Boolean flags of the commands modelled here (gcloud 578.0.0's parser, docs section 3.2, 5.1, 6).
BOOL_FLAGS = {
    "--gen2", "--allow-unauthenticated", "--trigger-http", "--retry", "--serve-all-traffic-latest-revision",
    "--invoker-iam-check", "--iap", "--no-traffic", "--async", "--automatic-updates", "--cpu-boost",
    "--cpu-throttling", "--default-url", "--deploy-health-check", "--gpu-zonal-redundancy",
    "--session-affinity", "--use-http2", "--all", "--push-no-wrapper",
    "--push-no-wrapper-write-metadata", "--enable-message-ordering", "--enable-exactly-once-delivery",
    "--retain-acked-messages", "--use-topic-schema", "--use-table-schema", "--write-metadata",
    "--drop-unknown-fields", "--cloud-storage-use-topic-schema", "--cloud-storage-write-metadata",
    "--source-only", "--installation-only", "--disable-prompts", "--no-user-output-enabled", "--dry-run",
}

# Command groups, so that the command path can be told apart from positionals.
GROUPS: dict[str, object] = {
    "functions": {"logs": {}, "event-types": {}, "regions": {}, "runtimes": {}},
    "run": {"services": {}, "jobs": {"executions": {}}, "revisions": {}, "domain-mappings": {}, "regions": {}},
    "projects": {},
    "eventarc": {"triggers": {}, "channels": {}, "providers": {}},
    "pubsub": {"subscriptions": {}, "topics": {}, "schemas": {}},
    "scheduler": {"jobs": {"create": {}, "update": {}}},
    "config": {"configurations": {}},
    "iam": {"service-accounts": {"keys": {}}, "roles": {}},
    "services": {},
    "storage": {"buckets": {}},
    "auth": {},
    "secrets": {"versions": {}},
    "builds": {"triggers": {}},
    "artifacts": {"repositories": {}, "docker": {"images": {}}},
    "workflows": {},
    "tasks": {"queues": {}},
    "compute": {},
    "app": {},
}


@record()
class Flag:
    """One flag of a gcloud command line."""

    name: Val  # known but for a flag named by an expansion (`--$FLAG=x`), which no lookup matches
    value: Val | None  # None for a boolean flag
    span: object  # Span of the flag word (or of its value word for `--flag value`)

    def __init__(self, name: Val, value: Val | None, span: object) -> None:
        self.name = name
        self.value = value
        self.span = span


@record()
class GcloudCommand:
    """A parsed gcloud invocation."""

    track: str | None
    path: tuple[str, ...]
    positionals: list[Word]
    flags: list[Flag]

    def __init__(
        self, track: str | None, path: tuple[str, ...], positionals: list[Word] | None = None,
        flags: list[Flag] | None = None,
    ) -> None:
        self.track = track
        self.path = path
        self.positionals = [] if positionals is None else positionals
        self.flags = [] if flags is None else flags

    def all(self, name: str) -> list[Flag]:
        return [f for f in self.flags if f.name == name]

    def last(self, *names: str) -> Flag | None:
        """The flag's last occurrence (gcloud: the last value wins)."""
        for flag in reversed(self.flags):
            if flag.name in names:
                return flag
        return None

    def value(self, *names: str) -> Val | None:
        flag = self.last(*names)
        return flag.value if flag is not None else None

    def has(self, name: str) -> bool:
        for flag in self.flags:  # noqa: SIM110 - a loop, not any() over a generator: ~7,000 calls a set
            if flag.name == name:
                return True
        return False

    @property
    def command(self) -> str:
        return " ".join(self.path)


def _is_value_flag(name: Val) -> bool | None:
    if name in GLOBAL_VALUE_FLAGS:
        return True
    if name in GLOBAL_BOOL_FLAGS or name in BOOL_FLAGS:
        return False
    if name.startswith(("--no-", "--clear-")):
        return False
    return None  # unknown: takes a value when one follows


def parse_gcloud(words: list[Word]) -> GcloudCommand:
    """Parse ``gcloud ...`` (``words[0]`` is gcloud itself)."""
    args = words[1:]
    flags: list[Flag] = []
    bare: list[Word] = []
    i = 0
    while i < len(args):
        word = args[i]
        text = word.text
        if isinstance(text, str):
            if text == "--":
                bare.extend(args[i + 1 :])
                break
            flag = len(text) > 1 and text[0] == "-"
        else:  # an expansion's value (never equal to "--"): a flag if its known text starts with "-"
            flag = text.startswith("-")
        if flag:
            name, eq, value = text.partition("=")
            if eq and text.startswith("--"):
                flags.append(Flag(name, value, word.span))
                i += 1
                continue
            takes = _is_value_flag(text)
            nxt = args[i + 1] if i + 1 < len(args) else None
            if takes is None:
                takes = nxt is not None and not nxt.text.startswith("-")
            if takes and nxt is not None:
                flags.append(Flag(text, nxt.text, nxt.span))
                i += 2
                continue
            flags.append(Flag(text, None if not takes else "", word.span))
            i += 1
            continue
        bare.append(word)
        i += 1
    track = None
    first = bare[0].text if bare else ""
    if is_known(first) and first in TRACKS:
        track = first
        bare = bare[1:]
    path: list[str] = []
    level: dict[str, object] = GROUPS
    while bare:
        head = bare[0].text
        if not is_known(head):  # a command named by an expansion: not modelled
            break
        sub = level.get(head)
        if isinstance(sub, dict):  # a group: its command (or subgroup) follows
            path.append(head)
            bare = bare[1:]
            level = sub
            continue
        if path:  # the command itself
            path.append(head)
            bare = bare[1:]
        break
    if not path and bare and is_known(bare[0].text):
        path.append(bare[0].text)
        bare = bare[1:]
    return GcloudCommand(track=track, path=tuple(path), positionals=bare, flags=flags)
