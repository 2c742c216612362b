"""Is shlint-iam linear in the size of a deploy script? (issue 15, goal 1)

    python benchmarks/linearity.py [--sizes 100,1000,5000,20000,50000] [--runs 1] [--budget N] [--phases]

Lints one generated deploy script (benchmarks/deploy_gen.py: functions, loops over arrays of
services, several invokers of one service, a retry wrapper, sourced config) per size, in
process, and prints the seconds, the milliseconds per 1,000 lines, and the exponent of a
least-squares fit of log(time) on log(lines) (1.0 is linear; the goal is <= 1.1).

The interpreter stops after a step budget (``MAX_STEPS``, 40,000 statements), which a script of
about 15,000 generated lines reaches: past it the rest of the script is not analysed, and timing
it would say nothing about scaling. So by default the budget is raised for the measurement
(``--budget 0`` keeps the product's), and each size says whether the analysis completed.
``--phases`` adds the time of each stage (parse, interpret, gcloud model, invoker dataflow,
rules) per size, to see which one grows faster than the script.

A benchmark, not a test: nothing here fails, and no test times anything.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deploy_gen  # noqa: E402
from deploy_scripts import Stopwatch, exponent  # noqa: E402

SIZES = [100, 1000, 5000, 20000, 50000]


def set_budget(steps: int) -> None:
    """Raise the interpreter's step budget (its modules import the constant by name)."""
    from shlint_iam.shell import commands, interpreter, state

    for module in (state, commands, interpreter):
        if hasattr(module, "MAX_STEPS"):
            module.MAX_STEPS = steps  # type: ignore[attr-defined]


def phase_watch() -> Stopwatch:
    import shlint_iam.analysis as analysis
    import shlint_iam.gcloud.model as gmodel
    import shlint_iam.invokers as invokers
    import shlint_iam.lint as lint

    watch = Stopwatch()
    watch.wrap(analysis, "parse", "parse")
    watch.wrap(gmodel.GcloudModel, "__call__", "gcloud model")
    watch.wrap(analysis, "analyse", "analyse")
    watch.wrap(invokers, "analyse_invokers", "dataflow")
    watch.wrap(lint.Linter, "file_findings", "rules+dataflow")
    return watch


def phases(totals: dict[str, float]) -> dict[str, float]:
    parse, model = totals.get("parse", 0.0), totals.get("gcloud model", 0.0)
    dataflow = totals.get("dataflow", 0.0)
    return {
        "parse": parse,
        "interpret": totals.get("analyse", 0.0) - parse - model,
        "gcloud model": model,
        "dataflow": dataflow,
        "rules": totals.get("rules+dataflow", 0.0) - dataflow,
    }


def measure(lines: int, workdir: Path, runs: int, watch_phases: bool) -> tuple[int, float, bool, dict[str, float]]:
    """(real lines, best seconds of ``runs``, whether the analysis completed, seconds per phase)."""
    from shlint_iam.config import Config
    from shlint_iam.lint import Linter

    folder = workdir / f"linear{lines}"
    deploy = deploy_gen.write_project(folder, lines, seed=11)
    real = deploy.read_bytes().count(b"\n")
    best, complete, split = float("inf"), True, {}
    for _ in range(runs):
        watch = phase_watch() if watch_phases else None
        linter = Linter(Config(root=folder))
        linter.time_limit = None
        start = time.perf_counter()
        result = linter.lint_paths([str(deploy)], jobs=1)
        seconds = time.perf_counter() - start
        if watch is not None:
            watch.restore()
        complete = not result.problems
        if seconds < best:
            best = seconds
            split = phases(watch.totals) if watch is not None else {}
    return real, best, complete, split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--runs", type=int, default=1, help="best of N runs per size")
    ap.add_argument("--budget", type=int, default=10_000_000, help="interpreter step budget (0: the product's)")
    ap.add_argument("--phases", action="store_true", help="time each stage too")
    args = ap.parse_args()
    if args.budget:
        set_budget(args.budget)
    sizes = [int(s) for s in args.sizes.split(",")]
    points = []
    with tempfile.TemporaryDirectory() as tmp:
        measure(100, Path(tmp), 1, False)  # warm up: lazy imports and first-use set-up are not per line
        for lines in sizes:
            real, seconds, complete, split = measure(lines, Path(tmp), args.runs, args.phases)
            points.append((real, seconds))
            note = "" if complete else "  (stopped at the step budget: not all analysed)"
            per = seconds / real * 1e6
            print(f"{real:6d} lines: {seconds:8.3f} s  {per:7.1f} ms per 1,000 lines{note}", flush=True)
            if split:
                print("               " + ", ".join(f"{k} {v:.3f}" for k, v in split.items()), flush=True)
    if len(points) > 1:
        print(f"fitted exponent (log-log least squares, {points[0][0]} to {points[-1][0]} lines): "
              f"{exponent(points):.2f} [goal <= 1.1]")


if __name__ == "__main__":
    main()
