"""Documentation stays true: docs/rules.md is generated from the rules, and every rule's
documented example produces that rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruletest import lint_snippet

from shlint_iam.registry import builtin_rules
from shlint_iam.rulesdoc import anchor, render

ROOT = Path(__file__).resolve().parent.parent
RULES = builtin_rules()


def test_rules_md_is_generated_from_the_rules() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == render(RULES), \
        "regenerate with: python -m shlint_iam.rulesdoc > docs/rules.md"


def test_help_uri_points_at_the_rules_section() -> None:
    for rule in RULES:
        assert rule.help_uri is not None and rule.help_uri.endswith("#" + anchor(rule))


def _example(rule_docs: str) -> str | None:
    section = rule_docs.split("## Example", 1)[-1].split("\n## ", 1)[0]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    return match.group(1) if match else None


@pytest.mark.parametrize("rule", [r for r in RULES if _example(r.docs())], ids=lambda r: r.code)
def test_documented_example_produces_the_rule(rule: type) -> None:
    script = _example(rule.docs())
    assert script is not None
    result = lint_snippet(script, select=[rule.code])
    assert any(f.code == rule.code for f in result.findings), (rule.code, script)
