from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    VIA_EXIT_STATUS,
    CommandRun,
    FileContext,
    Finding,
    Rule,
    Severity,
    Span,
    deployment_steps,
    describe_step,
    display_path,
    recreated,
    steps_markdown,
)


class UncheckedDeployStep(Rule):
    """## What it does
    Reports a deployment step (a deploy, delete, IAM policy change, or the creation of a
    trigger, subscription or scheduler job) that runs with `errexit` off while nothing checks
    its exit status.

    A script that never turns `errexit` on and checks none of its steps gets one finding, at its
    first step, that counts the unchecked steps and lists them as related locations: one line
    (`set -euo pipefail`) fixes them all. A step where bash would ignore that line (see below) is
    not one of them: it gets its own finding, which says so. A script that checks some steps and
    not others gets one finding per unchecked step.

    ## Why it matters
    Without `set -e` a failed `gcloud ... add-iam-policy-binding` prints an error that scrolls
    by, the script carries on and exits 0, and CI reports a green deploy of a function nobody
    can invoke.

    A step is checked when it is a `while`/`until` condition (in a function, a loop that may
    `return 1` when it gives up, the retry helper `until "$@"; do ... return 1; ... done`, hands
    the step's failure to the call, as `|| return 1` does), an `if` condition whose failure
    branch does more than print (`else exit 1`; a missing `else`, or one that only echoes, heeds
    nothing, as `gcloud ... && echo ok` does not), is followed by `|| exit 1`, or its `$?` is
    tested by the next command. Under `set -e` a fallback that ends failing also stops
    the script (`|| { echo "failed" >&2; false; }`, `|| (echo ...; exit 1)`). In a function,
    `|| return 1` (also `|| return`, `|| return $?`, or `return $?` after the step) hands the
    failure to the call, which is judged as the function's last command is: checked by
    `if fn`, `fn || exit 1` or `set -e`, unnoticed when the call is unchecked without `set -e`
    (and `|| return 0` throws it away: ERR002). A step left of `&& return 0`
    (or `&& exit 0`) is checked when its failure path runs straight into a failing exit:
    `gcloud ... && return 0; echo "failed" >&2; exit 1` (or `die "failed"`, a function that
    exits non-zero); when the failure path carries on, it is not. A `trap '...' ERR` also
    counts (inside functions, subshells and `$(...)` only with `set -E`), and so does a test of
    the step's captured output that gates an `exit`, `return` or retry
    (`out=$(gcloud ... 2>&1); if ! grep -q "Service URL" <<<"$out"; then exit 1; fi`).
    The last command a script runs is checked by the script's exit status (whoever runs the
    script, CI or a caller under `set -e`, sees its failure): a one-command `deploy.sh`, or the
    last step of a `main "$@"` (also left of `&&` in a last line `gcloud ... && echo done`, and
    the last command of each branch of a last `if`/`case`, and any part of a last pipeline under
    `set -o pipefail`: `gcloud ... | tee deploy.log`), is not reported, unless anything but
    comments follows its statement (`echo done`, an assignment, `exit 0`). A child script run
    there (`./ensure_trigger.sh`, also left of `&&`) passes its own exit status on: the same end
    of the child is checked too.

    A delete followed by a create of the same resource under the same name (`gcloud run jobs
    delete "$JOB" --quiet`, then `gcloud run jobs create "$JOB" ...`) is not reported: the delete
    may fail on purpose (nothing to delete), and when it fails otherwise the create fails on the
    resource still there, where its own status is checked (or reported).

    `set -e` does not help where bash ignores it: left of `&&` (`gcloud ... && echo done`),
    in every command but the last of an `if`/`while` condition, under `!`, in every command
    of a function called in one of those places (`if deploy_all; then`, `deploy || warn`),
    and inside `$(...)` (unless `shopt -s inherit_errexit`). A step there is reported too.

    ## Example
    ```bash
    #!/bin/bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    gcloud functions add-invoker-policy-binding orchestrator --region=us-west2 --member="$MEMBER"
    ```

    ## Fix
    Start the script with `set -euo pipefail` (the line after the shebang), or check the step:
    `gcloud ... || { echo "binding failed" >&2; exit 1; }`.

    ## Which commands are deployment steps
    """

    code = "ERR001"
    name = "unchecked-deploy-step"
    summary = "a deployment step runs with errexit off and nothing checks its status"
    severity = Severity.ERROR
    tags = ("error-handling", "reliability")
    precision = "high"

    @classmethod
    def docs(cls) -> str:
        return super().docs() + "\n" + steps_markdown()

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        steps = list(deployment_steps(ctx))
        unchecked: dict[object, CommandRun] = {}
        for run in steps:
            if run.status == "propagates" and not run.err_trap and run.errexit in ("off", "ignored") \
                    and not run.output_test:
                unchecked.setdefault(run.span, run)
        for span, run in list(unchecked.items()):
            if recreated(run, steps):
                del unchecked[span]  # `... delete J` then `... create J`: the create sees a failed delete
        if not unchecked:
            return
        runs = list(unchecked.values())
        # The script's last command is checked by its exit status alone: the script still checks nothing.
        last = [r for r in steps if r.status_via == VIA_EXIT_STATUS]
        nothing_checked = all(r.errexit == "off" and not r.err_trap and not r.output_test
                              and (r.status != "checked" or r.status_via == VIA_EXIT_STATUS) for r in steps)
        if nothing_checked:
            # `set -euo pipefail` fixes every step but those where bash ignores errexit (an `if`
            # condition, left of `&&`, a function called there): the summary covers the others,
            # each of those is told what helps there.
            covered = [r for r in runs if not r.errexit_reason]
            if len(covered) > 1:
                yield self._whole_script(ctx, covered, last)
                runs = [r for r in runs if r.errexit_reason]
        for run in runs:
            if run.errexit == "off" and run.errexit_reason:
                # `set -e` would not help: bash ignores it where this step runs (`if (gcloud ...; x)`).
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs without `set -e`, which bash ignores there anyway "
                                 f"({run.errexit_reason}), and nothing checks its exit status; a failure here goes "
                                 "unnoticed", scope=run.scope,
                                 fix="check it: `|| exit 1` (or `|| return 1` in a function)")
            elif run.errexit == "off":
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs without `set -e` and nothing checks its exit status; "
                                 "a failure here goes unnoticed", scope=run.scope,
                                 fix="add `set -euo pipefail` at the top, or `|| exit 1` after the command")
            else:
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs where bash ignores `set -e` ({run.errexit_reason}) "
                                 "and nothing checks its exit status; a failure here goes unnoticed",
                                 scope=run.scope, fix="check it: `|| exit 1` (or `|| return 1` in a function)")

    def _whole_script(self, ctx: FileContext, runs: list[CommandRun], last: list[CommandRun]) -> Finding:
        # Reported in the script itself (its fix goes there): at its first unchecked step, or, when
        # that one is in a sourced file, at the script's statement that runs it (`create_topic "$T"`).
        first = runs[0]
        at = first.span if first.span.path == ctx.path else \
            Span(ctx.path, first.scope[0], 1, first.scope[0], len(ctx.source.line_text(first.scope[0])) + 1)
        lines = [str(r.span.start_line) if r.span.path == ctx.path
                 else f"{display_path(r.span.path)}:{r.span.start_line}" for r in runs]
        shown = ", ".join(lines) if len(lines) <= 8 else ", ".join(lines[:6]) + f", ... {lines[-1]}"
        after = "on the line after the shebang" if ctx.source.text.startswith("#!") else "as the first line"
        return ctx.report(
            self, at,
            f"none of the script's {len(runs)} deployment steps (lines {shown}) runs with `set -e` or has its "
            "exit status checked; a failure in any of them goes unnoticed "
            + self._exit_status(ctx, last),
            scope=first.scope, fix=f"add `set -euo pipefail` {after}",
            related=[(r.span, f"{describe_step(r)} runs unchecked") for r in runs[1:]])

    @staticmethod
    def _exit_status(ctx: FileContext, last: list[CommandRun]) -> str:
        """What the script's exit status says: its last step's (on each path, when its last
        statement is an `if` or `case` with a step at the end of more than one branch)."""
        lines = sorted({r.span.start_line for r in last if r.span.path == ctx.path})
        if not lines:
            return "and the script still exits 0"
        if len(lines) == 1:
            return f"(the script's exit status is its last step's, line {lines[0]})"
        return f"(the script's exit status is the last step's on its path, lines {', '.join(map(str, lines))})"

