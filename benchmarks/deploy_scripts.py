"""shlint-iam on deploy scripts: against ShellCheck, against the parse floor, by size, on save.

    python benchmarks/deploy_scripts.py [--runs 5] [--quick]

Prints, for issue 15 (numbers that benchmarks/RESULTS.md records; nothing here fails):

1. The deploy-script set: the shipped examples/, the whole-script fixtures under tests/data, and
   generated projects (benchmarks/deploy_gen.py, 50 to 2,000 lines, sourced config). Wall time of
   ``shlint-iam check -j 1`` and of the default ``-j``, against ``shellcheck -f gcc`` on the same
   files in one invocation; the ratio; and shlint-iam's time as a multiple of tree-sitter's parse of
   the same bytes (the floor).
2. Where the time goes, in process: start-up (imports), discovery and reading, parse, interpret
   (without the gcloud model), gcloud model, invoker dataflow, rules, output.
3. Linearity: one generated script from 100 to 50,000 lines; seconds per 1,000 lines and the
   exponent of a least-squares fit of log(time) on log(lines) (1.0 is linear); the step budget is
   raised so that every size is analysed to the end.
4. On save: one 100-line deploy script from the command line against the start-up floor, a process
   that only imports click and tree-sitter and loads the bash grammar.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import deploy_gen  # noqa: E402

FLOOR = (
    "import click, tree_sitter, tree_sitter_bash; "
    "tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))"
)


def shellcheck() -> str | None:
    exe = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    return exe if os.path.exists(exe) else None


def wall(argv: list[str], runs: int, cwd: Path = ROOT) -> float:
    """Median wall seconds of ``argv`` over ``runs`` runs."""
    return interleaved({"": argv}, runs, cwd)[""][0]


def interleaved(commands: dict[str, list[str]], runs: int, cwd: Path = ROOT) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds (user + sys of the process and its children) of each command,
    run in turn ``runs`` times (A, B, C, A, B, C, ...), so that a change in the machine's load
    touches every command alike. On a shared machine the CPU times are the steadier figure."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
            walls[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands}


def deploy_set(workdir: Path) -> list[str]:
    """Every deploy script of the set (the files a user would name; sourced config is followed)."""
    files = sorted(str(p) for p in (ROOT / "examples").rglob("*.sh"))
    data = ROOT / "tests" / "data"
    if data.is_dir():
        files += sorted(str(p) for p in data.rglob("*.sh"))
    files += [str(p) for p in deploy_gen.write_set(workdir / "generated", projects=20)]
    return files


def parse_floor(files: list[str], runs: int) -> float:
    import tree_sitter
    import tree_sitter_bash

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    blobs = [Path(f).read_bytes() for f in files]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for blob in blobs:
            parser.parse(blob)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Stopwatch:
    """Wraps functions by dotted name and adds up the seconds spent in them (outermost call only)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._undo: list[Callable[[], None]] = []
        self._depth: dict[str, int] = {}

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        original = getattr(owner, attr, None)
        if original is None:
            return
        totals, depth = self.totals, self._depth
        totals.setdefault(label, 0.0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth.get(label):
                return original(*args, **kwargs)
            depth[label] = 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - start
                depth[label] = 0

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


def breakdown(files: list[str]) -> dict[str, float]:
    """Seconds per stage for linting ``files`` serially in this process."""
    start = time.perf_counter()
    import shlint_iam.analysis as analysis
    import shlint_iam.gcloud.model as gmodel
    import shlint_iam.invokers as invokers
    import shlint_iam.lint as lint
    import shlint_iam.report as report
    from shlint_iam.config import Config

    imports = time.perf_counter() - start
    watch = Stopwatch()
    watch.wrap(analysis, "parse", "parse")
    watch.wrap(gmodel.GcloudModel, "__call__", "gcloud model")
    watch.wrap(invokers, "analyse_invokers", "invoker dataflow")
    watch.wrap(analysis, "analyse", "analyse (parse+interpret+model)")
    watch.wrap(lint.Linter, "file_findings", "rules (incl. dataflow)")
    watch.wrap(lint.Linter, "read", "reading")
    try:
        linter = lint.Linter(Config(root=ROOT))
        start = time.perf_counter()
        result = linter.lint_paths(files, jobs=1)
        total = time.perf_counter() - start
        start = time.perf_counter()
        for name in ("concise", "sarif"):
            report.renderer(name)(result, linter.registry, report.ReportOptions())
        output = time.perf_counter() - start
    finally:
        watch.restore()
    t = watch.totals
    parse = t.get("parse", 0.0)
    model = t.get("gcloud model", 0.0)
    interpret = t.get("analyse (parse+interpret+model)", 0.0) - parse - model
    dataflow = t.get("invoker dataflow", 0.0)
    rules = t.get("rules (incl. dataflow)", 0.0) - dataflow
    reading = t.get("reading", 0.0)
    rest = total - (parse + model + interpret + dataflow + rules + reading)
    return {
        "start-up (imports)": imports,
        "discovery, suppressions, merge": rest,
        "reading": reading,
        "parse (tree-sitter)": parse,
        "interpret": interpret,
        "gcloud model": model,
        "invoker dataflow": dataflow,
        "rules": rules,
        "output (concise + sarif)": output,
    }


def linearity(workdir: Path, sizes: list[int]) -> list[tuple[int, float]]:
    """Seconds per size, with the interpreter's step budget raised so that every size is analysed
    to the end (past about 15,000 lines the product's budget stops early: see linearity.py)."""
    import linearity as linear_bench

    from shlint_iam.config import Config
    from shlint_iam.lint import Linter

    linear_bench.set_budget(10_000_000)

    points = []
    for lines in sizes:
        folder = workdir / f"linear{lines}"
        deploy = deploy_gen.write_project(folder, lines, seed=11)
        real = sum(1 for _ in deploy.open())
        linter = Linter(Config(root=folder))
        linter.time_limit = None
        start = time.perf_counter()
        linter.lint_paths([str(deploy)], jobs=1)
        points.append((real, time.perf_counter() - start))
    return points


def exponent(points: list[tuple[int, float]]) -> float:
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="smaller linearity range (to 10,000 lines)")
    args = ap.parse_args()
    # --no-cache: the result cache would answer every run after the first (goal 4 measures it, in
    # benchmarks/scale.py); on save, the file has just changed, so its entry never matches either.
    cli = [sys.executable, "-m", "shlint_iam", "check", "--exit-zero", "-f", "concise", "--no-cache"]
    print(f"nproc={os.cpu_count()} python={sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = deploy_set(work)
        size = sum(os.path.getsize(f) for f in files)
        lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
        print(f"\n1. deploy-script set: {len(files)} files, {lines} lines, {size / 1e3:.0f} KB")
        runs = interleaved({"serial": cli + ["-j", "1", *files], "auto": cli + files}, args.runs)
        (serial, serial_cpu), (auto, auto_cpu) = runs["serial"], runs["auto"]
        floor = parse_floor(files, args.runs)
        print(f"   shlint-iam -j 1: {serial * 1000:.0f} ms ({serial_cpu * 1000:.0f} ms CPU); "
              f"default -j: {auto * 1000:.0f} ms ({auto_cpu * 1000:.0f} ms CPU)")
        print(f"   tree-sitter parse of the same bytes (floor, in process): {floor * 1000:.1f} ms; "
              f"shlint-iam -j 1 is {serial / floor:.0f}x the floor")
        sc = shellcheck()
        if sc:
            sc_time = wall([sc, "-f", "gcc", *files], max(1, args.runs // 2))
            print(f"   shellcheck -f gcc: {sc_time * 1000:.0f} ms; ratio ShellCheck/shlint-iam: "
                  f"{sc_time / serial:.1f}x (-j 1), {sc_time / auto:.1f}x (default) [goal 20x]")
        else:
            print("   shellcheck: not found (pip install '.[bench]')")

        print("\n2. where the time goes (in process, -j 1, seconds):")
        for stage, seconds in breakdown(files).items():
            print(f"   {stage:34s} {seconds:7.3f}")

        sizes = [100, 1000, 5000] + ([10000] if args.quick else [20000, 50000])
        points = linearity(work, sizes)
        print("\n3. linearity (one generated script, in process):")
        for n, t in points:
            print(f"   {n:6d} lines: {t:7.3f} s ({t / n * 1000 * 1000:.2f} ms per 1,000 lines)")
        print(f"   fitted exponent: {exponent(points):.2f} [goal <= 1.1]")

        one = deploy_gen.write_project(work / "onsave", 100, seed=3)
        save = interleaved({"bare": [sys.executable, "-c", "pass"], "floor": [sys.executable, "-c", FLOOR],
                            "lint": cli + [str(one)]}, args.runs * 4)
        bare = save["bare"][0]
        (start_floor, floor_cpu), (on_save, save_cpu) = save["floor"], save["lint"]
        print(f"\n4. on save (100-line script, {args.runs * 4} interleaved runs): {on_save * 1000:.0f} ms wall, "
              f"{save_cpu * 1000:.0f} ms CPU; start-up floor {start_floor * 1000:.0f} ms wall, "
              f"{floor_cpu * 1000:.0f} ms CPU (bare python {bare * 1000:.0f} ms): "
              f"{on_save / start_floor:.2f}x the floor (wall), {save_cpu / floor_cpu:.2f}x (CPU) [goal <= 1.3x]")


if __name__ == "__main__":
    main()
