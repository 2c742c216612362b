from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import FileContext, Finding, Rule, Severity


class SyntaxError_(Rule):
    """## What it does
    Reports a part of the script that bash's grammar (tree-sitter-bash) cannot parse.

    ## Why it matters
    A script that does not parse may not run at all, or may run differently from what it looks
    like. shlint-iam still analyses the rest of the script, but what it finds around the error
    is less certain.

    ## Example
    ```bash
    if [ -n "$REGION" ]; then
      gcloud functions deploy orchestrator --region="$REGION"
    # the `fi` is missing
    ```

    A statement left open is reported where it opens, as ShellCheck does: here "this `if` is
    never closed: add `fi`", at the `if` (likewise `done` for `for`/`while`/`until`, `esac` for
    `case`, `}` for a function body), never at a line past the end of the file.

    A parameter expansion bash cannot expand, `${$SERVICE}` or `${$1}` (a typo for `${SERVICE}`,
    ShellCheck's SC2298), is reported too, at the expansion: `bash -n` accepts it, but when bash
    reaches it the command does not run ("bad substitution", status 1), bash drops the rest of
    the top-level statement it is in (a whole `if`, the whole line of a function call) and,
    under `set -e`, exits the script, even in a condition or left of `|| true`. The analysis
    runs the script that way. Not in single quotes, comments or a quoted here-document, where
    bash expands nothing; `${$}` (the shell's PID) is valid.

    ## Fix
    Correct the syntax (here: close the `if` with `fi`). `bash -n script.sh` confirms it.
    """

    code = "SH000"
    name = "syntax-error"
    summary = "the script does not parse"
    severity = Severity.ERROR
    tags = ("syntax",)
    precision = "very-high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for span, description in ctx.analysis.syntax_errors:
            yield ctx.report(self, span, f"syntax error: {description}")
