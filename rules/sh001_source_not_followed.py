from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import NOT_FOLLOWED, FileContext, Finding, Note, Rule, Severity


class SourceNotFollowed(Rule):
    """## What it does
    Reports a `source` (or `.`) whose file shlint-iam did not follow, at the `source` line: the
    message names the path it looked for, why it stopped (not found, cannot be read, not a
    regular file, the path is not known statically) and, for a relative path that was not
    found, the directories it looked in. It is ShellCheck's SC1091 for deploy scripts.

    ## Why it matters
    What a sourced file sets (project, region, service names, service accounts) and the
    commands it runs are part of the deployment. A file shlint-iam cannot read is a gap it
    would otherwise fill with unknown values, silently: bindings in it are not seen, names set
    in it are not compared. This notice says where the analysis stopped. A Python virtual
    environment's missing `bin/activate` (`python3 -m venv .venv && source .venv/bin/activate`)
    is not reported: the job makes it before sourcing it, and it only sets `PATH`. Nor is a file
    the script itself writes before sourcing it (`cat > env.sh <<EOF`, `echo "export X=1" > env.sh`,
    `printf ... >> env.sh`) with a text known statically: that text is followed, as bash expanded
    it when it wrote the file, and what it runs is reported at the `source` command.

    ## Example
    ```bash
    source ./config/env.sh          # config/env.sh is not in the repository
    . "$CONFIG_DIR/settings.sh"     # $CONFIG_DIR is set by the CI runner
    ```

    ## Fix
    Commit the file, or source it with a path shlint-iam can resolve relative to the script
    (`source "$(dirname "$0")/config/env.sh"`). When the file is generated at run time,
    suppress the notice on that line: `# shlint-iam: disable=SH001`.
    """

    code = "SH001"
    name = "source-not-followed"
    summary = "a sourced file was not followed"
    severity = Severity.INFO
    tags = ("coverage",)
    precision = "very-high"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        notes: list[Note] = ctx.analysis.notes
        for note in notes:
            if note.kind == NOT_FOLLOWED and note.span.path == ctx.path:
                yield ctx.report(self, note.span, note.message)
