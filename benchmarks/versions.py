"""Two installed versions of shlint-iam on the deploy-script set, interleaved (A/B), for slowdown checks.

    python benchmarks/versions.py --a /venvs/old/bin/python --b /venvs/new/bin/python [--runs 9]

Each interpreter must have its own shlint-iam installed (a worktree of the old commit with its
own venv). The set is deploy_scripts.deploy_set (examples/, tests/data fixtures, 20 generated
projects) of *this* checkout, so both versions read the same files. Each repetition runs A and
B back to back, in alternating order, so the load of a shared machine falls on both alike:

- in process: ``Linter(Config(root=...)).lint_paths(files, jobs=1)`` in a fresh interpreter,
  timed around the call only (no start-up), time limit off;
- command line: ``python -m shlint_iam check --exit-zero -f concise -j 1 FILES`` wall time.

Prints the median of each and the median of the per-repetition B/A ratios (the paired ratio is
what the 20% budget of issue 13 is judged on). Nothing here fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from deploy_scripts import deploy_set  # noqa: E402

IN_PROCESS = """
import json, sys, time
from pathlib import Path
from shlint_iam.config import Config
from shlint_iam.lint import Linter
files = json.loads(Path(sys.argv[1]).read_text())
linter = Linter(Config(root=Path(sys.argv[2])))
linter.time_limit = None
start = time.perf_counter()
result = linter.lint_paths(files, jobs=1)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "findings": len(result.reported)}))
"""


def in_process(python: str, listing: Path, root: Path) -> tuple[float, int]:
    proc = subprocess.run([python, "-c", IN_PROCESS, str(listing), str(root)], capture_output=True, text=True,
                          check=True)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(data["seconds"]), int(data["findings"])


def command_line(python: str, files: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-m", "shlint_iam", "check", "--exit-zero", "-f", "concise", "-j", "1", *files],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, help="python of the baseline (e.g. 0.1.0)")
    ap.add_argument("--b", required=True, help="python of the version measured")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    for python in (args.a, args.b):  # byte code first: no run pays for compiling the package
        subprocess.run([python, "-c", "import compileall, shlint_iam, os; "
                        "compileall.compile_dir(os.path.dirname(shlint_iam.__file__), quiet=1)"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = deploy_set(work)
        listing = work / "files.json"
        listing.write_text(json.dumps(files))
        lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
        print(f"nproc={os.cpu_count()} set: {len(files)} files, {lines} lines; {args.runs} interleaved runs")
        times: dict[str, dict[str, list[float]]] = {"a": {"in": [], "cli": []}, "b": {"in": [], "cli": []}}
        findings: dict[str, int] = {}
        for rep in range(args.runs):
            order = ("a", "b") if rep % 2 == 0 else ("b", "a")
            for which in order:
                python = args.a if which == "a" else args.b
                seconds, count = in_process(python, listing, work)
                times[which]["in"].append(seconds)
                findings[which] = count
                times[which]["cli"].append(command_line(python, files, work))
            print(f"  run {rep + 1}: in process A {times['a']['in'][-1]:.3f} s B {times['b']['in'][-1]:.3f} s; "
                  f"CLI A {times['a']['cli'][-1]:.3f} s B {times['b']['cli'][-1]:.3f} s", flush=True)
        for kind, label in (("in", "in process (lint_paths, -j 1)"), ("cli", "command line -j 1")):
            a, b = times["a"][kind], times["b"][kind]
            ratios = [y / x for x, y in zip(a, b, strict=True)]
            print(f"{label}: A median {statistics.median(a):.3f} s, B median {statistics.median(b):.3f} s; "
                  f"B/A median of paired ratios {statistics.median(ratios):.2f} "
                  f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
        print(f"findings reported: A {findings['a']}, B {findings['b']}")


if __name__ == "__main__":
    main()
