from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity


class UnreachedDeploy(Rule):
    """## What it does
    Reports a function that holds gcloud deployment steps (deploys, IAM bindings, creates,
    deletes...) but that shlint-iam never saw run: no call it can follow reaches it. The
    finding is at the function's name and says how many steps it holds and which. A call
    that runs before the function is defined (`main "$@"` above `main() {`) reaches nothing:
    bash has no such command yet ("command not found"), and the finding says so.

    shlint-iam analyses a function's body where the script calls it, with the values of that
    call. A function that is defined but never called, or called only in a way the analysis
    cannot resolve (`$CMD`, `"${TASKS[$i]}"`, `eval "$x"` with unknown text), is not analysed at
    all, so the bindings it would add and the deploys it would run are missing from every
    other rule's view. A library file (one whose top level only defines functions and sets
    variables) is not reported: its functions are analysed where a script sources it and calls
    them.

    ## Why it matters
    A binding in a function nobody calls does not exist at deploy time (the incident behind
    shlint-iam was a missing invoker binding); a deploy in a function called through an
    unknown name is one the IAM rules never checked. Either way, passing the other rules
    says nothing about those commands.

    ## Example
    ```bash
    set_iam() {   # never called
      gcloud functions add-invoker-policy-binding "$1" --region="$REGION" \\
        --member="serviceAccount:$TRIGGER_SA"
    }
    deploy() {
      gcloud functions deploy "$1" --gen2 --region="$REGION" --trigger-topic="$2"
    }
    deploy orchestrator phase3-complete
    ```

    ## Fix
    Call the function where the script needs it (here `set_iam orchestrator` after the
    deploy), or call it by a name shlint-iam can resolve (`"$1"` over a known list of names is
    followed). Remove a function that is dead code. If it is run from outside the script on
    purpose, suppress the notice on its definition: `# shlint-iam: disable=SH002`.
    """

    code = "SH002"
    name = "unreached-deploy"
    summary = "a function holding deployment steps is never run by any call the analysis can follow"
    severity = Severity.INFO
    tags = ("coverage",)
    precision = "high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for item in getattr(ctx.analysis, "unreached", ()):
            if item.span.path != ctx.path:
                continue
            count = len(item.steps)
            listed = ", ".join(f"`{step}`" for step in dict.fromkeys(item.steps))
            early = getattr(item, "called_early", None)
            if early is not None:
                yield ctx.report(
                    self,
                    item.span,
                    f"function {item.function} is called on line {early.start_line}, before it is defined: bash "
                    f"finds no such command there (\"command not found\"), so its {count} deployment "
                    f"step{'s' if count != 1 else ''} ({listed}) never run{'s' if count == 1 else ''}",
                    fix="define the function above its first call (or call it at the end of the script)",
                    related=[(early, f"`{item.function}` runs here, before its definition")],
                )
                continue
            yield ctx.report(
                self,
                item.span,
                f"function {item.function} is never called by anything shlint-iam can follow: its {count} "
                f"deployment step{'s' if count != 1 else ''} ({listed}) {'were' if count != 1 else 'was'} "
                "not analysed",
            )
