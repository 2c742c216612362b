"""`-j N`: a process pool gives exactly the serial result (issue 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import PARALLEL_MIN_FILES, Linter, worker_count

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _tree(tmp_path: Path) -> Path:
    """The examples, several times over, plus a sourced library with its own findings and
    suppressions, an unreadable path and a file that suppresses something."""
    tree = tmp_path / "tree"
    for n in range(3):
        for script in sorted(EXAMPLES.rglob("*.sh")):
            dest = tree / f"copy{n}" / script.relative_to(EXAMPLES)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(script.read_bytes())
    lib = tree / "lib"
    lib.mkdir()
    (lib / "deploy_lib.sh").write_text(
        "deploy() {\n  gcloud functions deploy \"$1\" --gen2 --region=us-central1 --trigger-topic=t\n}\n"
        "# shlint-iam: disable=ERR001\n"
    )
    (tree / "uses_lib.sh").write_text('source "$(dirname "$0")/lib/deploy_lib.sh"\ndeploy orchestrator\n')
    return tree


def _key(result: object) -> tuple[object, ...]:
    r = result  # LintResult
    return (
        [(f.code, f.span, f.message, f.suppressed, f.severity, f.fix, f.notes) for f in r.findings],  # type: ignore[attr-defined]
        sorted((p.path, p.message, p.fatal) for p in r.problems),  # type: ignore[attr-defined]
        r.files,  # type: ignore[attr-defined]
        r.snippets,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("jobs", [2, 0])
def test_pool_result_equals_serial_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = Config(root=tmp_path)
    serial = Linter(config).lint_paths(["tree", "missing.sh"], jobs=1)
    parallel = Linter(config).lint_paths(["tree", "missing.sh"], jobs=jobs)
    assert len(serial.files) >= PARALLEL_MIN_FILES
    assert serial.findings, "the examples have findings"
    assert _key(parallel) == _key(serial)
    assert parallel.exit_code() == serial.exit_code() == 2


def test_pool_result_equals_serial_with_cross_file_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = Config(root=tmp_path, required_resources=["orchestrator", "never-deployed"])
    serial = Linter(config).lint_paths(["tree"], jobs=1)
    parallel = Linter(config).lint_paths(["tree"], jobs=2)
    assert any(f.code == "COV001" for f in serial.findings)
    assert _key(parallel) == _key(serial)


def test_worker_count() -> None:
    assert worker_count(1, 100) == 1
    assert worker_count(None, 1) == 1
    assert worker_count(None, PARALLEL_MIN_FILES - 1) == 1
    assert worker_count(3, 2) == 2
    assert worker_count(4, 100) == 4
    assert worker_count(0, 100) >= 1


def test_cli_jobs_output_is_identical(tmp_path: Path) -> None:
    _tree(tmp_path)
    outs = []
    for jobs in ("1", "2", "0"):
        proc = subprocess.run(
            [sys.executable, "-m", "shlint_iam", "check", "-f", "json", "-j", jobs, "tree"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        outs.append((proc.stdout, proc.stderr))
    assert outs[0] == outs[1] == outs[2]
