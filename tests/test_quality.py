"""The code stays typed and clean: ruff and mypy over the package, as part of the test run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_ruff_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "shlint_iam", "rules", "tests"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "shlint_iam", "rules"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_rule_has_user_documentation() -> None:
    from shlint_iam.registry import builtin_rules

    for rule in builtin_rules():
        docs = rule.docs()
        for heading in ("## What it does", "## Why it matters", "## Example", "## Fix"):
            assert heading in docs, f"{rule.code} lacks {heading}"
        assert rule.name and rule.summary and rule.code
