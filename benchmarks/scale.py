"""Re-runs, memory and worker count (issue 15 goals 4 and 5, and the automatic ``-j``).

    python benchmarks/scale.py [--part cache|memory|workers|all] [--runs 3]

- ``cache``: a repository of 500 generated scripts (250 projects of deploy_gen.py, each a
  ``deploy.sh`` of 50 to 300 lines sourcing its ``config.sh``): a cold run (no cache), a warm run
  where nothing changed, one where one ``deploy.sh`` changed, and one where one ``config.sh``
  changed (its ``deploy.sh`` is linted again too), with ``-j 1`` and the default ``-j``; and the
  ratio cold / warm.
- ``memory``: peak RSS (the largest of the command's processes, from ``getrusage``) of
  ``check -j 1`` over 1, 100 and 10,000 small generated scripts, once with no finding (the memory
  the linter itself needs) and once with one finding a file (the report holds every finding),
  without the cache and with a warm one.
- ``workers``: wall time of ``check --no-cache`` with ``-j 1`` and with the default ``-j`` on 1,
  5, 20 and 100 generated deploy scripts (200 lines each, about 8 KB), and the workers the default
  chose (``lint.worker_count``).

Every time is the median of ``--runs`` runs of the real command line, output to /dev/null.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deploy_gen  # noqa: E402

CLI = [sys.executable, "-m", "shlint_iam", "check", "-f", "concise"]

CLEAN = """#!/usr/bin/env bash
# Deploys service {i}.
set -euo pipefail
REGION=us-east1
gcloud run deploy svc{i} --region="$REGION" --image=gcr.io/p/svc{i} --no-allow-unauthenticated
gcloud run services add-iam-policy-binding svc{i} --region="$REGION" \\
  --member=serviceAccount:caller{i}@p.iam.gserviceaccount.com --role=roles/run.invoker
"""
# One finding a file: a gen2 function behind a topic with no invoker binding (IAM001).
FINDING = """#!/usr/bin/env bash
# Deploys function {i}.
set -euo pipefail
gcloud functions deploy fn{i} --gen2 --region=us-east1 --trigger-topic=topic{i}
"""


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median(argv: list[str], cwd: Path, runs: int, before: object = None) -> float:
    times = []
    for _ in range(runs):
        if callable(before):
            before()
        times.append(run(argv, cwd))
    return statistics.median(times)


# -- cache ---------------------------------------------------------------------------------------


def cache_repo(out: Path, projects: int = 250, seed: int = 11) -> list[Path]:
    import random

    rng = random.Random(seed)
    deploys = []
    for k in range(projects):
        lines = int(50 * (300 / 50) ** (k / max(1, projects - 1)))
        deploys.append(deploy_gen.write_project(out / f"project{k:03d}", lines, rng.randrange(1_000_000)))
    return deploys


def bench_cache(work: Path, runs: int) -> dict[str, object]:
    repo = work / "repo"
    deploys = cache_repo(repo)
    (repo / ".git").mkdir()
    files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*.sh"))
    cache = repo / ".shlint-iam-cache"
    results: dict[str, object] = {"files": len(files), "bytes": sum((repo / f).stat().st_size for f in files)}

    def wipe() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    counter = itertools.count()  # every edit is new content
    one = deploys[len(deploys) // 2]
    config = one.parent.parent / f"project{len(deploys) // 3:03d}" / "config.sh"
    for label, jobs in (("-j 1", ["-j", "1"]), ("default", [])):
        argv = CLI + jobs + ["."]
        uncached = median(CLI + jobs + ["--no-cache", "."], repo, max(1, runs - 1))
        cold = median(argv, repo, max(1, runs - 1), before=wipe)
        run(argv, repo)  # warm it
        warm = median(argv, repo, runs)
        original = one.read_text()

        def touch_deploy(path: Path = one, text: str = original) -> None:
            path.write_text(text + f"# edit {next(counter)}\n")

        changed = median(argv, repo, runs, before=touch_deploy)
        one.write_text(original)
        sourced = config.read_text()

        def touch_config(path: Path = config, text: str = sourced) -> None:
            path.write_text(text + f"# edit {next(counter)}\n")

        changed_config = median(argv, repo, runs, before=touch_config)
        config.write_text(sourced)
        results[label] = {
            "no cache": uncached, "cold": cold, "warm, nothing changed": warm,
            "warm, one deploy.sh changed": changed, "warm, one sourced config.sh changed": changed_config,
            "cold / warm one changed": cold / changed,
        }
    return results


# -- memory --------------------------------------------------------------------------------------

PEAK = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_rss_mib(argv: list[str], cwd: Path) -> float:
    """The largest resident set of ``argv``'s processes (the CLI and its forked children), MiB."""
    out = subprocess.run([sys.executable, "-c", PEAK, *argv], cwd=cwd, capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def bench_memory(work: Path, counts: list[int]) -> dict[str, dict[int, float]]:
    results: dict[str, dict[int, float]] = {}
    for kind, template in (("no finding", CLEAN), ("one finding a file", FINDING)):
        results[kind] = {}
        for count in counts:
            folder = work / f"mem-{kind[:2]}-{count}"
            folder.mkdir()
            for i in range(count):
                sub = folder / f"d{i // 500:03d}"
                sub.mkdir(exist_ok=True)
                (sub / f"s{i}.sh").write_text(template.format(i=i))
            results[kind][count] = peak_rss_mib(CLI + ["-j", "1", "--no-cache", "."], folder)
            if kind != "no finding":
                run(CLI + ["-j", "1", "."], folder)  # fill the cache
                results.setdefault(f"{kind}, warm cache", {})[count] = peak_rss_mib(CLI + ["-j", "1", "."], folder)
            shutil.rmtree(folder)
    return results


# -- workers -------------------------------------------------------------------------------------


def bench_workers(work: Path, counts: list[int], runs: int) -> dict[int, dict[str, object]]:
    from shlint_iam.lint import worker_count

    results: dict[int, dict[str, object]] = {}
    for count in counts:
        folder = work / f"workers-{count}"
        folder.mkdir()
        (folder / ".git").mkdir()
        for i in range(count):
            (folder / f"deploy{i}.sh").write_text(deploy_gen.script(200, seed=i, app=f"app{i}"))
        size = sum(p.stat().st_size for p in folder.glob("*.sh"))
        serial = median(CLI + ["--no-cache", "-j", "1", "."], folder, runs)
        default = median(CLI + ["--no-cache", "."], folder, runs)
        results[count] = {
            "bytes": size, "-j 1": serial, "default": default, "default / -j 1": default / serial,
            "workers chosen": worker_count(None, count, size),
        }
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["cache", "memory", "workers", "all"], default="all")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory-counts", default="1,100,10000")
    ap.add_argument("--worker-counts", default="1,5,20,100")
    args = ap.parse_args()
    os.environ.pop("SHLINT_IAM_CACHE_DIR", None)
    # As installed: with byte code (a shell with PYTHONDONTWRITEBYTECODE=1 compiles at every start).
    import shlint_iam

    package = Path(shlint_iam.__file__).resolve().parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package), str(package.parent / "rules")], check=True)
    report: dict[str, object] = {"nproc": os.cpu_count(), "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="shlint-scale-") as tmp:
        work = Path(tmp)
        if args.part in ("cache", "all"):
            report["cache"] = bench_cache(work, args.runs)
        if args.part in ("memory", "all"):
            report["memory (peak RSS, MiB)"] = bench_memory(work, [int(c) for c in args.memory_counts.split(",")])
        if args.part in ("workers", "all"):
            report["workers (s)"] = bench_workers(work, [int(c) for c in args.worker_counts.split(",")], args.runs)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
