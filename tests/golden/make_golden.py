"""Regenerate tests/golden/*.json: the `-f json` report of every example, of generated deploy
projects (benchmarks/deploy_gen.py) and of generated dataflow scripts (dataflow_mix.py).

    python tests/golden/make_golden.py          # rewrite the golden files from this checkout

tests/test_dataflow_identical.py compares a fresh run with the files byte for byte: performance
work must not change a finding, a message, a fix or the order of the report. Regenerate only
when a change of behaviour is intended (and say so in the commit).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dataflow_mix  # noqa: E402
import deploy_gen  # noqa: E402

CHECK = ["check", "-f", "json", "--exit-zero", "--select", "ALL", "--include-suppressed", "-j", "1",
         "--no-respect-gitignore"]
PROJECT_SIZES = [(60, 1), (150, 2), (400, 3), (900, 4), (1500, 5)]
MIX = [(seed, 12 + (seed * 7) % 60) for seed in range(60)] + [(1000, 300)]


def write_inputs(folder: Path) -> None:
    for lines, seed in PROJECT_SIZES:
        deploy_gen.write_project(folder / f"project{lines}", lines, seed)
    mix = folder / "mix"
    mix.mkdir()
    for seed, statements in MIX:
        (mix / f"mix{seed:04d}.sh").write_text(dataflow_mix.script(seed, statements))


def run(args: list[str], cwd: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "shlint_iam", *CHECK, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def outputs() -> dict[str, str]:
    """{group: the JSON report} for the examples and for the generated scripts."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_inputs(folder)
        return {"examples": run(["examples"], ROOT), "generated": run(["."], folder)}


def golden_file(group: str) -> Path:
    return HERE / f"{group}.json"


def main() -> None:
    for group, report in outputs().items():
        golden_file(group).write_text(report)
        print(f"wrote {golden_file(group)}")


if __name__ == "__main__":
    main()
