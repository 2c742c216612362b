"""Throughput, start-up and memory of shlint-iam, against ShellCheck on the same files.

    python benchmarks/run.py [--cap 800] [--runs 10]

The file set: the shell scripts this machine ships (found by shlint-iam's own discovery over
/usr and /etc, as tests/test_corpus.py does) plus examples/. Prints the numbers that
benchmarks/RESULTS.md records. A benchmark, not a test: nothing here fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_corpus import system_scripts  # noqa: E402

from shlint_iam.config import Config  # noqa: E402
from shlint_iam.lint import Linter  # noqa: E402

DEPLOY_SCRIPT = ROOT / "examples" / "seed" / "deploy_all_orchestrators.sh"


def file_set(cap: int) -> list[str]:
    return system_scripts(cap) + sorted(str(p) for p in (ROOT / "examples").rglob("*.sh"))


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc={os.cpu_count()} cpu={model!r} python={platform.python_version()} ({sys.executable})"


_PROBE = (
    "import os, resource, subprocess, sys, time; s = time.perf_counter(); "
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
    "print(time.perf_counter() - s, rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def child_run(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (KiB) of one child process. Measured by a small
    intermediate Python: a child forked straight from this (large) process would report this
    process's RSS as its own peak."""
    out = subprocess.run([sys.executable, "-S", "-c", _PROBE, *argv], capture_output=True, text=True,
                         cwd=ROOT).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def shellcheck_seconds(files: list[str], batch: int = 100) -> float | None:
    exe = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not os.path.exists(exe):
        return None
    start = time.perf_counter()
    for i in range(0, len(files), batch):
        subprocess.run([exe, "-f", "json1", "-S", "style", *files[i : i + batch]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_wall(argv: list[str], runs: int) -> float:
    return statistics.median(child_run(argv)[0] for _ in range(runs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cap", type=int, default=800)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    files = file_set(args.cap)
    size = sum(os.path.getsize(f) for f in files)
    cli = [sys.executable, "-m", "shlint_iam", "check", "--exit-zero", "-f", "concise", "--no-cache"]
    print(machine())
    print(f"files: {len(files)} ({size / 1e6:.1f} MB)")

    linter = Linter(Config(root=Path("/")))
    start = time.perf_counter()
    linter.lint_paths(files, jobs=1)
    in_process = time.perf_counter() - start
    print(f"shlint-iam in-process, serial: {in_process:.2f} s ({len(files) / in_process:.0f} files/s)")

    cli_serial, _, _ = child_run(cli + ["-j", "1", *files])
    cli_auto, _, _ = child_run(cli + [*files])
    print(f"shlint-iam CLI -j 1: {cli_serial:.2f} s; CLI default (-j auto, {os.cpu_count()} CPUs): {cli_auto:.2f} s")

    sc = shellcheck_seconds(files)
    if sc is None:
        print("shellcheck: not found")
    else:
        print(f"shellcheck -f json1 -S style (batches of 100): {sc:.2f} s")
        print(f"throughput ratio shlint-iam/shellcheck: in-process {sc / in_process:.1f}x, "
              f"CLI -j 1 {sc / cli_serial:.1f}x, CLI default {sc / cli_auto:.1f}x")

    bare = median_wall([sys.executable, "-c", "pass"], args.runs)
    one = median_wall(cli + [str(DEPLOY_SCRIPT)], args.runs)
    print(f"single deploy script ({DEPLOY_SCRIPT.name}): {one * 1000:.0f} ms median of {args.runs}; "
          f"bare `python -c pass`: {bare * 1000:.0f} ms; ratio {one / bare:.1f}x")

    _, _, rss10 = child_run(cli + ["-j", "1", *files[:10]])
    _, _, rss_all = child_run(cli + ["-j", "1", *files])
    _, _, rss_ignore = child_run(cli + ["-j", "1", "--ignore", "COV001", *files])
    print(f"peak RSS (-j 1): 10 files {rss10 / 1024:.0f} MiB; all {len(files)} files {rss_all / 1024:.0f} MiB; "
          f"all files without the cross-file rule (--ignore COV001) {rss_ignore / 1024:.0f} MiB")
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
