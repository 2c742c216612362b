"""ACME001: every deployment names its own runtime service account."""

from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import Deploy, FileContext, Finding, GcloudCommand, Rule, Severity, Span, is_default_compute, show


class DefaultComputeRuntimeAccount(Rule):
    """## What it does
    Reports a `gcloud functions deploy` or `gcloud run deploy` that runs the function or service
    as the Compute Engine default service account: without `--service-account`, or with
    `--service-account=PROJECT_NUMBER-compute@developer.gserviceaccount.com`.

    ## Why it matters
    The default compute account is shared by every workload in the project and, in many
    projects, still holds the Editor role. ACME policy is one dedicated, least-privilege
    account per function, named in the deploy script so that a fresh project gets the same
    identity.

    ## Example
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done
    ```

    ## Fix
    Create an account for the function, grant it what the function needs, and deploy with it:
    ```bash
    gcloud functions deploy orchestrator --gen2 --region=us-west2 --trigger-topic=done \\
      --service-account=orchestrator@my-project.iam.gserviceaccount.com
    ```
    """

    code = "ACME001"
    name = "default-compute-runtime-account"
    summary = "a function or service runs as the default compute service account"
    severity = Severity.WARNING
    tags = ("security", "iam")
    precision = "high"
    security_severity = "5.0"
    help_uri = "https://example.com/acme/shlint-rules/ACME001"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for deploy in ctx.facts(Deploy):
            cmd: GcloudCommand = deploy.run.gcloud
            what = "function" if deploy.kind == "function" else "Cloud Run service"
            flag = cmd.last("--service-account")
            if flag is None or not flag.value:
                yield ctx.report(
                    self,
                    deploy.span,
                    f"{what} {show(deploy.name)} runs as the default compute service account "
                    "(no --service-account)",
                    scope=deploy.lines,
                    fix="deploy with --service-account=NAME@PROJECT.iam.gserviceaccount.com, an account of its own",
                )
            elif is_default_compute(flag.value):
                span = flag.span if isinstance(flag.span, Span) else deploy.span
                yield ctx.report(
                    self,
                    span,
                    f"{what} {show(deploy.name)} runs as the default compute service account {show(flag.value)}",
                    scope=deploy.lines,
                    fix="use an account of its own instead of the default compute service account",
                )
