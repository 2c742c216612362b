"""The shipped examples say what they show: each script in examples/mistakes/ names its rule in
its header comment and produces exactly that rule (or those rules); the clean scripts and the seed's fixed
script produce nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import Linter

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MISTAKES = sorted((EXAMPLES / "mistakes").glob("*.sh"))
CLEAN = sorted((EXAMPLES / "clean").glob("*.sh")) + [EXAMPLES / "seed" / "deploy_phase3_to_phase4.sh"]


def codes(path: Path) -> list[str]:
    result = Linter(Config()).lint_paths([str(path)])
    assert not result.problems
    return sorted({f.code for f in result.reported})


@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.name)
def test_mistake_example_produces_its_rule(path: Path) -> None:
    header = path.read_text().splitlines()[1]
    expected = re.match(r"# ([A-Z]+[0-9]{3}(?:, [A-Z]+[0-9]{3})*):", header)
    assert expected, f"{path.name}: the second line must name the rule(s), e.g. '# IAM001: ...'"
    assert codes(path) == sorted(expected.group(1).split(", "))


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.name)
def test_clean_example_is_clean(path: Path) -> None:
    assert codes(path) == []


def test_seed_scripts() -> None:
    assert codes(EXAMPLES / "seed" / "deploy_phase3_to_phase4_session205.sh") == ["IAM001"]
    assert codes(EXAMPLES / "seed" / "deploy_all_orchestrators.sh") == ["IAM001"]
