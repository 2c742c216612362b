"""Every shell script this machine ships under /usr lints without an internal error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.files import Candidate, discover
from shlint_iam.lint import Linter

ROOTS = ["/usr/share", "/usr/lib", "/usr/bin", "/usr/sbin", "/usr/libexec", "/usr/local", "/etc"]
CAP = 800


def system_scripts(cap: int = CAP) -> list[str]:
    """Shell scripts found by shlint-iam's own discovery, up to ``cap``, in a stable order."""
    found: list[str] = []
    roots = [r for r in ROOTS if os.path.isdir(r)]
    for item in discover(roots, exclude=["site-packages", "dist-packages", "node_modules"], root=Path("/")):
        if isinstance(item, Candidate):
            found.append(str(item.path))
            if len(found) >= cap:
                break
    return found


def test_system_shell_scripts_lint_without_internal_errors() -> None:
    scripts = system_scripts()
    if len(scripts) < 10:
        pytest.skip(f"only {len(scripts)} shell scripts on this machine")
    linter = Linter(Config(root=Path("/")))
    result = linter.lint_paths(scripts)
    bad = [f"{p.path}: {p.message}" for p in result.problems if "internal error" in p.message]
    assert not bad, "\n".join(bad[:20])
    unreadable = [p for p in result.problems if p.fatal]
    assert len(unreadable) <= len(scripts) // 20, unreadable[:10]
    assert len(result.files) >= len(scripts) - len(unreadable)
