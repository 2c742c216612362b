"""Two installed versions of shlint-iam on the deploy-script set, interleaved (A/B), for slowdown checks.

    python benchmarks/versions.py --a /venvs/old/bin/python --b /venvs/new/bin/python [--runs 9]

Each interpreter must have its own shlint-iam installed (a worktree of the old commit with its
own venv). The set is deploy_scripts.deploy_set (examples/, tests/data fixtures, 20 generated
projects) of *this* checkout, so both versions read the same files. Each repetition runs A and
B back to back, in alternating order, so the load of a shared machine falls on both alike:

- in process: ``Linter(Config(root=...)).lint_paths(files, jobs=1)`` in a fresh interpreter,
  timed around the call only (no start-up), time limit off;
- command line: ``python -m shlint_iam check --exit-zero -f concise -j 1 FILES`` wall time.

Each is also timed in CPU seconds (``time.process_time`` in process, the child's user + system
time for the command line), which the load of other processes disturbs much less than wall time.

Prints the median of each and the median of the per-repetition B/A ratios (the paired ratio is
what the 20% budget of issue 13 is judged on). Nothing here fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
start, cpu = time.perf_counter(), time.process_time()
result = linter.lint_paths(files, jobs=1)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "findings": len(result.reported)}))
"""


def in_process(python: str, listing: Path, root: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, findings) of one in-process run."""
    proc = subprocess.run([python, "-c", IN_PROCESS, str(listing), str(root)], capture_output=True, text=True,
                          check=True)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(data["seconds"]), float(data["cpu"]), int(data["findings"])


def command_line(python: str, files: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process: user + system) of one command-line run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([python, "-m", "shlint_iam", "check", "--exit-zero", "-f", "concise", "-j", "1", *files],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd,
                   env={**os.environ, "SHLINT_IAM_NO_CACHE": "1"})  # 0.1.0 has no cache to turn off
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
        kinds = ("in", "in-cpu", "cli", "cli-cpu")
        times: dict[str, dict[str, list[float]]] = {w: {k: [] for k in kinds} for w in "ab"}
        findings: dict[str, int] = {}
        for rep in range(args.runs):
            order = ("a", "b") if rep % 2 == 0 else ("b", "a")
            for which in order:
                python = args.a if which == "a" else args.b
                seconds, cpu, count = in_process(python, listing, work)
                times[which]["in"].append(seconds)
                times[which]["in-cpu"].append(cpu)
                findings[which] = count
                seconds, cpu = command_line(python, files, work)
                times[which]["cli"].append(seconds)
                times[which]["cli-cpu"].append(cpu)
            print(f"  run {rep + 1}: in process A {times['a']['in'][-1]:.3f} s ({times['a']['in-cpu'][-1]:.3f} "
                  f"CPU) B {times['b']['in'][-1]:.3f} s ({times['b']['in-cpu'][-1]:.3f} CPU); CLI A "
                  f"{times['a']['cli'][-1]:.3f} s ({times['a']['cli-cpu'][-1]:.3f} CPU) B {times['b']['cli'][-1]:.3f} "
                  f"s ({times['b']['cli-cpu'][-1]:.3f} CPU)", flush=True)
        for kind, label in (("in", "in process (lint_paths, -j 1), wall"), ("in-cpu", "in process, CPU"),
                            ("cli", "command line -j 1, wall"), ("cli-cpu", "command line -j 1, CPU")):
            a, b = times["a"][kind], times["b"][kind]
            ratios = [y / x for x, y in zip(a, b, strict=True)]
            print(f"{label}: A median {statistics.median(a):.3f} s, B median {statistics.median(b):.3f} s; "
                  f"B/A median of paired ratios {statistics.median(ratios):.2f} "
                  f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
        print(f"findings reported: A {findings['a']}, B {findings['b']}")


if __name__ == "__main__":
    main()
