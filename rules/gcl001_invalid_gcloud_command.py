from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    FileContext,
    Finding,
    Rejected,
    Rule,
    Severity,
    command_problems,
    may_hide_flags,
    table_markdown,
)


class InvalidGcloudCommand(Rule):
    """## What it does
    Reports a gcloud command that gcloud itself rejects before doing anything: a positional
    argument that is missing or in the wrong place, a required flag that is missing, a flag
    the command does not have, a value given to a boolean flag (`--allow-unauthenticated=true`), or a
    flag that takes a value but gets none (`--region $REGION --project p` with `$REGION` empty: bash
    drops the empty word and gcloud says "argument --region: expected one argument"), or a Cloud Run
    service name gcloud refuses (`gcloud run deploy my_func`: lowercase letters, digits and dashes only).

    ## Why it matters
    `gcloud scheduler jobs create BlogScheduler http ...` (the job type must come first),
    `gcloud iam service-accounts add-iam-policy-binding --member=... --role=...` (no account),
    or `gcloud run services update orch --allow-unauthenticated` (only `run deploy` has that
    flag) all fail with a usage error. So does a deploy with a comment after a line's backslash
    (`--entry-point main \\  # the handler`): the backslash escapes the space after it, gcloud gets
    an extra `' '` argument, and the flags on the next lines run as a command of their own.
    Without `set -e` the script carries on as if the step had worked: the scheduler job, the
    binding or the public access simply does not exist.

    Only the commands in the table below are checked; any other gcloud command is never
    reported. A Cloud Run deploy, update, delete or binding command, or a `run jobs create`, `deploy`,
    `update`, `execute` or `delete` (on the managed platform), and
    a functions deploy or binding with an explicit `--gen2`, that gets no region from `--region`,
    `CLOUDSDK_RUN_REGION` / `CLOUDSDK_FUNCTIONS_REGION`, `gcloud config set` in the script or the
    `default-region` setting (nor, for `gcloud run services replace FILE`, from the manifest's
    `cloud.googleapis.com/location` label) is reported too: gcloud has no default region for it and fails
    non-interactively ("You must specify a region"). If your CI sets the region outside the script,
    say so with `default-region`.

    A command with `--flags-file` is not checked (the file may supply anything), nor
    is a command whose arguments include an expansion that may split into several words
    (`$ARGS` unquoted, `"$@"`). Global flags (`--project`, `--quiet`, `--format`...) are
    accepted anywhere. `beta` commands are checked like GA ones except for flags that are not
    in a complete list; `alpha` commands only for positionals and required flags.

    ## Example
    ```bash
    gcloud run services update public-site --region=us-west2 --allow-unauthenticated
    ```

    ## Fix
    Write the command as its reference page shows it; here, for a site meant to be public:
    ```bash
    gcloud run services add-iam-policy-binding public-site --region=us-west2 \\
      --member=allUsers --role=roles/run.invoker
    ```

    ## Commands it knows
    """

    code = "GCL001"
    name = "invalid-gcloud-command"
    summary = "gcloud rejects this command: a positional or required flag is missing, or a flag does not exist"
    severity = Severity.ERROR
    tags = ("gcloud", "correctness")
    precision = "high"

    @classmethod
    def docs(cls) -> str:
        return super().docs() + "\n" + table_markdown()

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        seen: set[tuple[object, str]] = set()
        for run in ctx.analysis.commands:
            if run.gcloud is None:
                continue
            for problem in command_problems(run):
                key = (problem.span, problem.message)
                if key in seen:
                    continue
                seen.add(key)
                yield ctx.report(self, problem.span, problem.message, fix=problem.fix, scope=run.scope)
        for fact in ctx.facts(Rejected):
            key = (fact.span, fact.reason)
            if key not in seen and not may_hide_flags(fact.run):
                seen.add(key)
                command = fact.run.gcloud.command if fact.run.gcloud is not None else fact.run.name
                yield ctx.report(self, fact.span, f"`gcloud {command}` has {fact.reason}", fix=fact.fix or None,
                                 scope=fact.lines)
