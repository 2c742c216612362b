"""Deployment steps: the executed commands that change the deployment (ERR001-ERR003 apply to them)."""

from __future__ import annotations

from collections.abc import Iterator

from .core import FileContext
from .gcloud.model import is_mutating
from .shell.trace import CommandRun


def deployment_steps(ctx: FileContext) -> Iterator[CommandRun]:
    """Deploys, deletes, IAM policy changes, trigger/subscription/scheduler creation, in run order."""
    for run in ctx.analysis.commands:
        if run.gcloud is not None and is_mutating(run.gcloud):
            yield run


def describe_step(run: CommandRun) -> str:
    cmd = run.gcloud
    track = f"{cmd.track} " if cmd is not None and cmd.track else ""
    return f"`gcloud {track}{cmd.command}`" if cmd is not None else f"`{run.name}`"
