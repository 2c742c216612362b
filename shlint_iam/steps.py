"""Deployment steps: the executed gcloud commands that change cloud state (ERR001-ERR003 apply to them).

A gcloud command is a deployment step by its verb, in every command group: the verbs in
``STEP_VERBS`` and the verbs that start with one of ``STEP_VERB_PREFIXES``. Read-only verbs
(``READ_VERBS``, ``get-*``, ``list-*``...) never are, and nor is anything in the groups that only
change the local gcloud installation (``LOCAL_GROUPS``: ``gcloud config set`` is not a step).
This is the one place the list lives; ERR001's documentation (``docs/rules.md``) prints it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .shell.trace import CommandRun
from .shell.values import Tri, compare, is_known, show

if TYPE_CHECKING:  # shlint_iam.api re-exports this module's helpers: no import cycle at run time
    from .core import FileContext
    from .gcloud.argv import GcloudCommand

STEP_VERBS = ("deploy", "create", "update", "delete", "replace", "enable", "disable", "add")
STEP_VERB_PREFIXES = ("add-", "remove-", "set-", "update-", "modify-")
READ_VERBS = ("list", "describe", "read", "logs", "tail", "search", "lookup", "access", "call", "wait", "explain")
READ_VERB_PREFIXES = ("get-", "list-", "describe-", "print-", "check-", "test-", "search-")
LOCAL_GROUPS = ("config", "auth", "components", "topic", "help", "init", "info", "version", "feedback", "survey",
                "cheat-sheet", "interactive", "meta")
_COMMAND_WORD = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def _verb_kind(word: str) -> str | None:
    if word in STEP_VERBS or word.startswith(STEP_VERB_PREFIXES):
        return "step"
    if word in READ_VERBS or word.startswith(READ_VERB_PREFIXES):
        return "read"
    return None


def step_verb(cmd: GcloudCommand) -> str | None:
    """The verb that makes ``cmd`` a deployment step, or None.

    The verb is the first word of the command path (after the top-level group) that is a known
    verb; for a group whose commands the parser does not know (``gcloud compute instances create``)
    the first two command-like words after the path are looked at too."""
    if not cmd.path or cmd.path[0] in LOCAL_GROUPS:
        return None
    words = list(cmd.path[1:])
    for positional in cmd.positionals[:2]:
        if not is_known(positional.text) or not _COMMAND_WORD.match(positional.text):
            break
        words.append(positional.text)
    for word in words:
        kind = _verb_kind(word)
        if kind is not None:
            return word if kind == "step" else None
    return None


def is_step(run: CommandRun) -> bool:
    return run.gcloud is not None and step_verb(run.gcloud) is not None


def deployment_steps(ctx: FileContext) -> Iterator[CommandRun]:
    """The gcloud commands that change cloud state, in run order."""
    # Sorted out once per file: ERR001, ERR002 and ERR003 each ask for every step.
    commands = ctx.analysis.commands
    memo: list[Any] = ctx.cached("steps:deployment", lambda: [None, []])
    if memo[0] is not commands:
        memo[:] = [commands, [run for run in commands if is_step(run)]]
    yield from memo[1]


def describe_step(run: CommandRun) -> str:
    """The command as a step is named in messages: ``gcloud [TRACK] GROUP ... VERB``. For a group
    the parser does not know, the words up to the verb that makes it a step are the leading
    positionals (`gcloud api-gateway apis create`, not `gcloud api-gateway`)."""
    cmd = run.gcloud
    if cmd is None:
        return f"`{show(run.name)}`"
    track = f"{cmd.track} " if cmd.track else ""
    words = [cmd.command]
    verb = step_verb(cmd)
    if verb is not None and verb not in cmd.path:
        for positional in cmd.positionals[:2]:
            words.append(positional.text)  # step_verb found the verb among these known words
            if positional.text == verb:
                break
    return f"`gcloud {track}{' '.join(words)}`"


def steps_markdown() -> str:
    """The list of step verbs, for ERR001's documentation."""
    verbs = ", ".join(f"`{v}`" for v in STEP_VERBS)
    prefixes = ", ".join(f"`{p}*`" for p in STEP_VERB_PREFIXES)
    reads = ", ".join(f"`{v}`" for v in READ_VERBS) + ", " + ", ".join(f"`{p}*`" for p in READ_VERB_PREFIXES)
    local = ", ".join(f"`{g}`" for g in LOCAL_GROUPS)
    return (f"Deployment steps are the gcloud commands whose verb is {verbs}, or starts with {prefixes}, "
            f"in any command group (`gcloud secrets add-iam-policy-binding`, `gcloud storage buckets "
            f"add-iam-policy-binding`, `gcloud iam service-accounts create`, `gcloud services enable`...). "
            f"Read-only verbs ({reads}) are never steps, and neither is any command of the groups that "
            f"only change the local gcloud set-up ({local}).")


def recreated(run: CommandRun, steps: list[CommandRun]) -> bool:
    """Whether ``run`` deletes a resource that a later step creates again under the same name
    (`gcloud run jobs delete "$JOB" --quiet` before `gcloud run jobs create "$JOB" ...`, the
    redeploy idiom): when the delete fails because there is nothing to delete, that is the point;
    when it fails otherwise, the resource is still there and the create fails on it ("already
    exists"), where its own status is checked or reported. A create whose failure is thrown away
    (`|| true`) answers nothing."""
    cmd = run.gcloud
    if cmd is None or "delete" not in cmd.path or not cmd.positionals:
        return False
    group = cmd.path[:cmd.path.index("delete")]
    name = cmd.positionals[0].text
    later = False
    for other in steps:
        if other is run:
            later = True
            continue
        again = other.gcloud
        if not later or again is None or "create" not in again.path or not again.positionals:
            continue
        if again.path[:again.path.index("create")] == group and compare(again.positionals[0].text, name) is Tri.YES \
                and other.status != "discarded":
            return True
    return False
