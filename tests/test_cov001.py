"""COV001 across a repository: every required orchestrator must be deployed and bound by some
linted script; the finding points at the entry in the configuration file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SA = "serviceAccount:756957797294-compute@developer.gserviceaccount.com"

PYPROJECT = """\
[project]
name = "pipeline"

[tool.shlint-iam]
required-resources = [
    "phase3-to-phase4-orchestrator",
    "phase4-to-phase5-orchestrator",
    "phase5-to-phase6-orchestrator",
]
"""


def deploy_and_bind(name: str, bind: bool = True) -> str:
    text = f"""\
        #!/bin/bash
        set -euo pipefail
        gcloud functions deploy {name} --gen2 --region=us-west2 --trigger-topic={name}-in
        """
    if bind:
        text += f'gcloud functions add-invoker-policy-binding {name} --region=us-west2 --member="{SA}"\n'
    return textwrap.dedent(text)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", "check", "-f", "concise", *args],
                          cwd=cwd, capture_output=True, text=True)


def test_two_of_three_orchestrators(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "phase3.sh").write_text(deploy_and_bind("phase3-to-phase4-orchestrator"))
    (deploy / "phase4.sh").write_text(deploy_and_bind("phase4-to-phase5-orchestrator"))
    proc = run(tmp_path, "deploy")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ("pyproject.toml:8:5: COV001 required resource phase5-to-phase6-orchestrator "
                           "is not deployed by any linted script\n")


def test_deployed_but_unbound_is_reported_with_the_deploy(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "a.sh").write_text(deploy_and_bind("phase3-to-phase4-orchestrator")
                                   + deploy_and_bind("phase4-to-phase5-orchestrator").split("\n", 2)[2])
    (tmp_path / "b.sh").write_text(deploy_and_bind("phase5-to-phase6-orchestrator", bind=False))
    proc = run(tmp_path, ".")
    lines = proc.stdout.splitlines()
    assert "b.sh:3:1: IAM001" in "\n".join(lines)
    assert ("pyproject.toml:8:5: COV001 required resource phase5-to-phase6-orchestrator is deployed "
            "(b.sh:3) but does not get its invoker binding on every path") in lines


def test_all_three_covered_is_clean(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    script = "".join(deploy_and_bind(n).split("\n", 2)[2] for n in (
        "phase3-to-phase4-orchestrator", "phase4-to-phase5-orchestrator", "phase5-to-phase6-orchestrator"))
    (tmp_path / "all.sh").write_text("#!/bin/bash\nset -euo pipefail\n" + script)
    proc = run(tmp_path, "all.sh")
    assert (proc.returncode, proc.stdout) == (0, "")


def test_cov001_can_be_suppressed_in_the_config_file(tmp_path: Path) -> None:
    text = PYPROJECT.replace('    "phase5-to-phase6-orchestrator",',
                             '    "phase5-to-phase6-orchestrator",  # shlint-iam disable=COV001 -- deployed by hand')
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "all.sh").write_text(deploy_and_bind("phase3-to-phase4-orchestrator")
                                     + deploy_and_bind("phase4-to-phase5-orchestrator").split("\n", 2)[2])
    proc = run(tmp_path, "all.sh")
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout
