from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import Binding, FileContext, Finding, Rule, Severity, is_known, show

_VERIFY = {
    ("run", "services", "get-iam-policy"),
    ("functions", "get-iam-policy"),
    ("projects", "get-iam-policy"),
}


class MissingIamVerification(Rule):
    """## What it does
    Reports an invoker binding that no `get-iam-policy` check follows: nothing in the script
    reads the policy back to confirm the binding is there.

    ## Why it matters
    `--allow-unauthenticated` and policy bindings can fail with only a warning (for example when
    the deployer lacks `run.services.setIamPolicy`), and an organization policy can block a
    member. A verification step turns a silent misconfiguration into a failed deploy.

    ## Example
    ```bash
    gcloud run services add-iam-policy-binding orchestrator --region=us-west2 \\
      --member="serviceAccount:$SA" --role=roles/run.invoker
    ```

    ## Fix
    ```bash
    gcloud run services get-iam-policy orchestrator --region=us-west2 \\
      --format=json | grep -q "serviceAccount:$SA" || { echo "invoker missing" >&2; exit 1; }
    ```
    """

    code = "VAL001"
    name = "missing-iam-verification"
    summary = "no get-iam-policy check follows the binding"
    severity = Severity.INFO
    default_enabled = False
    tags = ("iam", "verification")
    precision = "medium"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        commands = ctx.analysis.commands
        position = {id(run): i for i, run in enumerate(commands)}
        for binding in ctx.facts(Binding):
            start = position.get(id(binding.run), -1)
            name = binding.target.name if binding.target is not None else binding.project
            verified = False
            for later in commands[start + 1 :]:
                cmd = later.gcloud
                if cmd is None or cmd.path not in _VERIFY:
                    continue
                target = cmd.positionals[0].text if cmd.positionals else ""
                if not (is_known(target) and is_known(name)) or target.lower() == name.lower() or \
                        target.rsplit("/", 1)[-1].lower() == name.lower():
                    verified = True
                    break
            if not verified:
                yield ctx.report(self, binding.span,
                                 f"nothing reads the IAM policy of {show(name)} back after this binding",
                                 scope=binding.lines,
                                 fix=f"verify with `gcloud run services get-iam-policy {show(name)} ...`")
