"""The pre-commit hook, run by the real pre-commit: ``pre-commit try-repo <this repo> shlint-iam``.

try-repo clones this repository at HEAD (plus the uncommitted changes of *tracked* files; untracked
files, such as a new hook file that was never added, are left out) and pip-installs it into a fresh
environment, so this test needs the package index and takes a minute or so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 900

BAD = """\
#!/bin/bash
set -euo pipefail
gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t
"""
GOOD = BAD + (
    "gcloud functions add-invoker-policy-binding orch --region=us-west2 "
    '--member="serviceAccount:123-compute@developer.gserviceaccount.com"\n'
)


def _tracked(path: str) -> bool:
    proc = subprocess.run(
        ["git", "ls-files", "--error-unmatch", path], cwd=REPO, capture_output=True, text=True
    )
    return proc.returncode == 0


pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
    pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs this project's git checkout"),
]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def try_repo(project: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "shlint-iam", "--files", *files],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    pytest.importorskip("pre_commit")
    if not _tracked(".pre-commit-hooks.yaml"):
        pytest.skip("try-repo only sees committed (tracked) files: commit .pre-commit-hooks.yaml first")
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.name", "shlint-iam tests")
    git(root, "config", "user.email", "tests@example.invalid")
    git(root, "config", "commit.gpgsign", "false")
    return root


def test_hook_fails_on_a_missing_binding_and_passes_with_it(project: Path, tmp_path: Path) -> None:
    (project / "bad.sh").write_text(BAD, encoding="utf-8")
    (project / "good.sh").write_text(GOOD, encoding="utf-8")
    git(project, "add", "bad.sh", "good.sh")

    failed = try_repo(project, tmp_path / "home", "bad.sh")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "IAM001" in output, output
    assert "bad.sh" in output
    assert "Failed" in output

    passed = try_repo(project, tmp_path / "home", "good.sh")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output and "IAM001" not in output


def test_hook_manifest_is_valid() -> None:
    pytest.importorskip("pre_commit")
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "shlint-iam"
    assert hook["entry"] == "shlint-iam check"
    assert hook["language"] == "python"
    assert hook["types"] == ["shell"] and hook["exclude_types"] == ["zsh"]
    assert hook["require_serial"] is True
    assert hook["minimum_pre_commit_version"] == "2.9.2"
