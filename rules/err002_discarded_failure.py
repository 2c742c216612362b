from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    VIA_OR,
    CommandRun,
    FileContext,
    Finding,
    Rule,
    Severity,
    Word,
    deployment_steps,
    describe_step,
    is_known,
    recreated,
    show,
)


class DiscardedFailure(Rule):
    """## What it does
    Reports a deployment step whose failure is thrown away: `|| true`, `|| :`, `|| echo ...`
    without an `exit`, `|| exit 0` and `|| return 0` (the failure reads as success),
    `local x=$(gcloud ...)` (also `export`, `declare`, `readonly`), a
    `$(gcloud ...)` inside another command's arguments, `set +e` before the step, or a
    background job (`deploy "$fn" &`) whose status no `wait PID` collects: `set -e` stops
    only the job, and a bare `wait` returns 0 whatever the jobs did.

    ## Why it matters
    The script says, in code, "ignore this failure". For the invoker binding that is exactly the
    silent failure the linter exists to prevent: the deploy goes green and the function cannot be
    invoked. `local x=$(cmd)` is subtler: `local` succeeds, so `set -e` never sees `cmd` fail.

    ## Example
    ```bash
    set -e
    gcloud run services add-iam-policy-binding orchestrator --region=us-west2 \\
      --member="serviceAccount:$SA" --role=roles/run.invoker || true
    ```

    ## Fix
    Let the failure stop the script (drop `|| true`), or handle it: `|| { echo "..." >&2; exit 1; }`.
    Split `local x; x=$(gcloud ...)` so that `set -e` sees the status. For background jobs,
    keep their PIDs and wait for each: `deploy "$fn" & pids+=($!)`, then
    `for pid in "${pids[@]}"; do wait "$pid"; done` (under `set -e` a failed job stops the
    script there). A `wait` with an argument after the job in the same file, or in any
    function, counts as collecting it.

    `gcloud ... create NAME ... || true` is often written so that a second run of the script does
    not stop at "already exists"; but it also hides every other failure (a permission, a quota,
    a wrong push endpoint), and then the script goes on without the subscription, trigger or
    service account. For a `create` step the suggested fix creates it only when it is missing:
    `gcloud pubsub subscriptions describe NAME >/dev/null 2>&1 || gcloud pubsub subscriptions create NAME ...`
    (give `describe` the flags that locate it: `--project`, `--region` or `--location`, a parent
    such as `--instance`), so that a real failure still stops the script.

    A fallback that is itself a deployment step (`gcloud scheduler jobs create http J ... ||
    gcloud scheduler jobs update http J ...`, create-or-update) does not throw the failure away:
    the change is tried again, and that step's own status is what the script goes on with.

    A delete whose failure is thrown away before a create of the same name (`gcloud scheduler jobs
    delete J --quiet 2>/dev/null || true`, then `gcloud scheduler jobs create http J ...`, the
    re-create idiom) is not reported either: "not found" is what the fallback is for, and any other
    failure leaves J in place, so the create that follows fails on it ("already exists") where its
    own status is checked or reported.

    A step whose captured output is tested by a condition that gates an `exit`, `return` or
    retry is not reported: `out=$(gcloud run deploy ... 2>&1 || true)` followed by
    `if ! grep -q "Service URL" <<<"$out"; then exit 1; fi` stops on failure. A test that
    gates nothing (`echo "$out" | grep -q URL; echo done`) does not count.
    """

    code = "ERR002"
    name = "discarded-failure"
    summary = "a deployment step's failure is thrown away"
    severity = Severity.ERROR
    tags = ("error-handling", "reliability")
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        steps = list(deployment_steps(ctx))
        by_line: dict[tuple[str, int], list[CommandRun]] = {}
        for step in steps:
            by_line.setdefault((step.span.path, step.span.start_line), []).append(step)
        for run in steps:
            if run.output_test:
                continue  # the captured output is tested before an exit: the failure is seen there
            if run.status == "discarded" and _falls_back_to_a_step(run, by_line):
                continue  # `create ... || update ...`: the change is tried again, its failure is seen there
            if run.status == "discarded" and recreated(run, steps):
                continue  # `delete J ... || true` then `create J`: a failed delete makes the create fail
            if run.status == "discarded":
                yield ctx.report(self, run.span, f"{describe_step(run)} fails silently: {run.status_reason}",
                                 scope=run.scope, fix=_fallback_fix(run))
            elif run.status == "propagates" and run.errexit == "disabled" and not run.err_trap:
                yield ctx.report(self, run.span,
                                 f"{describe_step(run)} runs after `set +e` and nothing checks its exit status",
                                 scope=run.scope, fix="keep `set -e` on, or add `|| exit 1`")


def _falls_back_to_a_step(run: CommandRun, by_line: dict[tuple[str, int], list[CommandRun]]) -> bool:
    """Whether the `||` fallback that takes ``run``'s failure is itself a deployment step
    (`gcloud scheduler jobs create http J ... || gcloud scheduler jobs update http J ...`): the
    failure is not thrown away but answered by another attempt, whose own status is checked
    (or reported) where it stands."""
    fallback = run.status_span
    if run.status_via != VIA_OR or fallback is None:
        return False
    start, end = (fallback.start_line, fallback.start_col), (fallback.end_line, fallback.end_col)
    return any(other is not run and start <= (other.span.start_line, other.span.start_col)
               and (other.span.end_line, other.span.end_col) <= end
               for line in range(fallback.start_line, fallback.end_line + 1)
               for other in by_line.get((fallback.path, line), ()))


def _fallback_fix(run: CommandRun) -> str:
    """How to stop throwing the failure away. A `create` behind `|| true` is usually there for a
    second run ("already exists"): create it only when `describe` does not find it."""
    cmd = run.gcloud
    plain = "remove the fallback or end it with `exit 1`"
    if cmd is None or run.status_via != VIA_OR or "create" not in cmd.path:
        return plain
    group = cmd.path[:cmd.path.index("create")]
    if not group or group[-1] == "keys":  # a new key each time: nothing to describe by name
        return plain
    track = f"{cmd.track} " if cmd.track else ""
    name = _as_written(run, cmd.positionals[0]) if cmd.positionals else "NAME"
    described = name
    if group == ("iam", "service-accounts") and "@" not in name:
        project = cmd.value("--project")
        shown_project = show(project) if project is not None and is_known(project) else "PROJECT_ID"
        described = f"{name}@{shown_project}.iam.gserviceaccount.com"
    prefix = f"gcloud {track}{' '.join(group)}"
    return (f"to create it only when it is missing: `{prefix} describe {described} >/dev/null 2>&1 || "
            f"gcloud {track}{' '.join(cmd.path)} {name} ...` "
            "(with the flags that locate it, such as --project and --location)")


def _as_written(run: CommandRun, word: Word) -> str:
    """A word as the script writes it (`"$JOB"`, to paste into the script), else its value."""
    span = word.span
    if span.path == run.source.path and span.start_line == span.end_line:
        text = run.source.line_text(span.start_line)[span.start_col - 1:span.end_col - 1]
        if text:
            return text
    return show(word.text)
