from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    Binding,
    FileContext,
    Finding,
    Rule,
    Severity,
    Tri,
    compare,
    is_known,
    location_flags,
    shell_word,
    show_name,
)

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

    A `get-iam-policy` whose target the analysis cannot know counts as the verification when it
    may name the bound resource (it is not surely another one).
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
                short = target.rsplit("/", 1)[-1] if is_known(target) else target
                if compare(target.lower(), name.lower()) is not Tri.NO or \
                        compare(short.lower(), name.lower()) is not Tri.NO:
                    verified = True
                    break
            if not verified:
                yield ctx.report(self, binding.span,
                                 f"nothing reads the IAM policy of {show_name(name)} back after this binding",
                                 scope=binding.lines, fix=_verify_command(binding))


def _verify_command(binding: Binding) -> str:
    """The `get-iam-policy` command that reads the bound resource's policy back."""
    if binding.scope == "project" or binding.target is None:
        return f"gcloud projects get-iam-policy {shell_word(binding.project)} --format=json"
    region, project = location_flags(binding.target)
    if binding.scope == "function":
        name = binding.function_name if binding.function_name is not None else binding.target.name
        return f"gcloud functions get-iam-policy {shell_word(name)}{region}{project} --format=json"
    return f"gcloud run services get-iam-policy {shell_word(binding.target.name)}{region}{project} --format=json"
