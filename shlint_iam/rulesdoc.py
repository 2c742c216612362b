"""Generate ``docs/rules.md`` from the rules' own documentation (``python -m shlint_iam.rulesdoc``)."""

from __future__ import annotations

import re
import sys

from .core import Rule
from .registry import builtin_rules


def anchor(rule: type[Rule]) -> str:
    """GitHub's anchor for the rule's heading ``## CODE name``."""
    return f"{rule.code.lower()}-{rule.name}"


def render(rules: list[type[Rule]]) -> str:
    out = [
        "# Rules",
        "",
        "Generated from each rule's documentation by `python -m shlint_iam.rulesdoc > docs/rules.md`;",
        "`shlint-iam rule CODE` prints the same page.",
        "",
        "| code | name | default | summary |",
        "| --- | --- | --- | --- |",
    ]
    for rule in rules:
        state = "on" if rule.default_enabled else "off"
        summary = rule.summary.replace("|", "\\|")
        out.append(f"| [{rule.code}](#{anchor(rule)}) | {rule.name} | {rule.severity.value}, {state} | {summary} |")
    from .fixes import FIX_DOCS

    for rule in rules:
        state = "on" if rule.default_enabled else "off"
        body = re.sub(r"(?m)^(#+) ", r"#\1 ", rule.docs())
        out += ["", f"## {rule.code} {rule.name}", "", f"*{rule.severity.value}, {state} by default.* "
                f"{rule.summary[:1].upper()}{rule.summary[1:]}.", ""]
        automatic = FIX_DOCS.get(rule.code)
        if automatic:
            out += [f"**Automatic fix** ({automatic[0]}): {automatic[1]}", ""]
        out.append(body)
    return "\n".join(out) + "\n"


def main() -> None:
    sys.stdout.write(render(builtin_rules()))


if __name__ == "__main__":
    main()
