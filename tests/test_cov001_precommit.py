"""COV001 under pre-commit: pre-commit passes only the staged files, yet coverage of the
required resources is judged on the whole project (its scripts, respecting `exclude`); findings
are reported only for the staged files, plus COV001 at the config entry. Real `git commit`s run
the hook of .pre-commit-hooks.yaml (as a local hook on this interpreter, so no package index)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # pre-commit's own dependency

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

DEPLOY = """\
#!/bin/bash
set -euo pipefail
gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t \\
  --trigger-service-account=sa@p.iam.gserviceaccount.com
gcloud functions add-invoker-policy-binding orch --region=us-west2 \\
  --member="serviceAccount:sa@p.iam.gserviceaccount.com"
"""
UNBOUND = "\n".join(DEPLOY.split("\n")[:4]) + "\n"
HELPER = "#!/bin/bash\nset -euo pipefail\necho building\n"
LEGACY = "#!/bin/bash\ngcloud functions deploy old --gen2 --region=us-west2 --trigger-http\n"  # ERR001
PYPROJECT = """\
[project]
name = "deploys"

[tool.shlint-iam]
exclude = ["vendor/"]
required-resources = [
    "orch",
]
"""


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_COLOR="never", NO_COLOR="1", PRE_COMMIT_HOME=str(cwd.parent / "home"))
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check, env=env,
                          timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    pytest.importorskip("pre_commit")
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.name", "shlint-iam tests")
    git(root, "config", "user.email", "tests@example.invalid")
    git(root, "config", "commit.gpgsign", "false")
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["entry"] == "shlint-iam check"
    local = dict(hook, language="system", entry=f"{sys.executable} -m shlint_iam check")
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "home"))
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, check=True, capture_output=True,
                   env=env)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "deploy.sh").write_text(DEPLOY, encoding="utf-8")
    (root / "legacy.sh").write_text(LEGACY, encoding="utf-8")
    (root / "vendor").mkdir()
    (root / "vendor" / "orch.sh").write_text(DEPLOY, encoding="utf-8")  # excluded: never covers
    git(root, "add", ".")
    git(root, "commit", "-q", "--no-verify", "-m", "start")
    return root


def test_commit_that_does_not_touch_the_deploy_scripts_passes(project: Path) -> None:
    (project / "build.sh").write_text(HELPER, encoding="utf-8")
    git(project, "add", "build.sh")
    commit = git(project, "commit", "-m", "add a helper", check=False)
    output = commit.stdout + commit.stderr
    assert commit.returncode == 0, output
    assert "Passed" in output and "COV001" not in output
    assert "ERR001" not in output  # legacy.sh was not staged: its findings are not reported


def test_commit_that_drops_the_binding_fails_at_the_script_and_the_config(project: Path) -> None:
    (project / "deploy.sh").write_text(UNBOUND, encoding="utf-8")
    (project / "build.sh").write_text(HELPER, encoding="utf-8")
    git(project, "add", "deploy.sh", "build.sh")
    commit = git(project, "commit", "-m", "drop the binding", check=False)
    output = commit.stdout + commit.stderr
    assert commit.returncode == 1, output
    assert "Failed" in output
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-f", "concise", "deploy.sh", "build.sh"],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert [line.split(" ")[:2] for line in proc.stdout.splitlines()] == [
        ["deploy.sh:3:1:", "IAM001"],
        ["pyproject.toml:7:5:", "COV001"],
    ]
    assert "pyproject.toml:7:5: COV001 required resource orch is deployed (deploy.sh:3) but does not get its " \
           "invoker binding on every path" in proc.stdout
    assert "deploy.sh" in output and "COV001" in output and "legacy.sh" not in output


def test_the_whole_project_still_counts_when_linting_a_directory(project: Path) -> None:
    (project / "deploy.sh").unlink()
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-f", "concise", "legacy.sh"],
                          cwd=project, capture_output=True, text=True, timeout=120)
    # vendor/orch.sh is excluded, so nothing in the project deploys orch.
    assert proc.stdout.splitlines()[-1] == "pyproject.toml:7:5: COV001 required resource orch is not deployed by " \
                                          "any linted script"
