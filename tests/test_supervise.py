"""The command line's supervisor (shlint_iam/supervise.py, issue 15 goal 3): ``shlint-iam check``
forks once before any import, the child lints serially in its own process (no fork per file),
and a native crash during the lint still fails only the file it happened on, because the
parent then runs the command again, isolating each file. Real processes and real segmentation
faults (``ctypes.string_at(0)`` in a plugin rule) throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_bounds import install_plugin

DEPLOY = "#!/bin/bash\nset -euo pipefail\ngcloud functions deploy {name} --gen2 --region=us-central1 --trigger-topic=t\n"

PLUGIN = textwrap.dedent('''
    import ctypes
    import os
    import time

    from shlint_iam.api import Rule, Severity


    class Native(Rule):
        """## What it does
        Dies with SIGSEGV on scripts that say boom; on scripts that say sleep, writes its pid
        to the file named by SLEEP_MARKER and sleeps (SLEEP_SECONDS, default 60).

        ## Why it matters
        A plugin with a bug in its native code.

        ## Example
        ```bash
        true
        ```

        ## Fix
        None.
        """

        code = "ACME903"
        name = "native-code"
        summary = "crashes on boom"
        severity = Severity.ERROR

        def check(self, ctx):
            if "boom" in ctx.source.text:
                ctypes.string_at(0)
            if "sleep" in ctx.source.text:
                with open(os.environ["SLEEP_MARKER"], "w") as marker:
                    marker.write(str(os.getpid()))
                time.sleep(float(os.environ.get("SLEEP_SECONDS", "60")))
            return iter(())
''')

NOT_ANALYSED = ("shlint-iam: boom.sh: not analysed: the linter crashed on this file (killed by signal SIGSEGV); "
                "please report it at https://github.com/shlint-iam/shlint-iam/issues with this file\n")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    install_plugin(tmp_path / "site", "acme-native", "acme_native", PLUGIN)
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / ".shlint-iam.toml").write_text('plugins = ["acme-native"]\nextend-select = ["ACME903"]\n')
    for name in ("a", "boom", "c"):
        (folder / f"{name}.sh").write_text(DEPLOY.format(name=name) + ("echo boom\n" if name == "boom" else ""))
    return folder


def environment(project: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SHLINT"))}
    env.update(PYTHONPATH=str(project.parent / "site"), NO_COLOR="1", **extra)
    return env


def check(project: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", "check", *args], cwd=project, capture_output=True,
                          text=True, env=environment(project), input=stdin, timeout=300)


def start_slow_lint(project: Path, tmp_path: Path, seconds: str = "60", **popen: object) -> tuple[subprocess.Popen[str], int]:
    """``check`` on a script the plugin sleeps on; returns once the lint is under way, with the
    pid of the process that lints (the plugin writes it)."""
    (project / "slow.sh").write_text(DEPLOY.format(name="s") + "echo sleep\n")
    marker = tmp_path / "pid"
    proc: subprocess.Popen[str] = subprocess.Popen(
        [sys.executable, "-m", "shlint_iam", "check", "--no-cache", "-f", "concise", "slow.sh"], cwd=project,
        env=environment(project, SLEEP_MARKER=str(marker), SLEEP_SECONDS=seconds), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, **popen)
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc, int(marker.read_text())


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_crash_during_the_lint_fails_only_its_file_and_the_report_is_printed_once(project: Path, jobs: str) -> None:
    result = check(project, "-f", "concise", "-j", jobs, "a.sh", "boom.sh", "c.sh")
    assert result.returncode == 2
    assert [line.split(" ")[:2] for line in result.stdout.splitlines()] == [["a.sh:3:1:", "IAM001"],
                                                                            ["c.sh:3:1:", "IAM001"]]
    assert result.stderr == NOT_ANALYSED + "shlint-iam: 1 file could not be analysed completely: boom.sh (exit 2).\n"
    assert "Fatal Python error" not in result.stderr


def test_a_crash_on_standard_input_is_linted_again_from_what_was_read(project: Path) -> None:
    result = check(project, "-f", "concise", "--stdin-filename", "boom.sh", "-", stdin=DEPLOY.format(name="x") + "boom\n")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == NOT_ANALYSED + "shlint-iam: 1 file could not be analysed completely: boom.sh (exit 2).\n"


def test_without_a_crash_the_output_is_the_isolated_runs(project: Path, tmp_path: Path) -> None:
    args = ("-f", "json", "--no-cache", "a.sh", "c.sh")
    supervised = check(project, *args)
    isolated = subprocess.run(
        [sys.executable, "-c", "import sys; from shlint_iam.cli import main; main()", "check", *args],
        cwd=project, capture_output=True, text=True, env=environment(project), timeout=300)
    assert (supervised.returncode, supervised.stdout, supervised.stderr) == (
        isolated.returncode, isolated.stdout, isolated.stderr)
    assert supervised.returncode == 1 and '"IAM001"' in supervised.stdout


def test_the_lint_runs_in_the_supervised_process_without_a_fork_per_file(project: Path) -> None:
    # isolate.py (the per-file fork) is not even imported: the supervisor stands in for it.
    probe = ("import sys, atexit, os\n"
             "from shlint_iam import entry, supervise\n"
             "sys.argv = ['shlint-iam', 'check', '--no-cache', 'a.sh', 'c.sh']\n"
             "import shlint_iam.check_command as cli\n"
             "real = cli._write_report\n"
             "def report(text, out):\n"
             "    print('isolate imported:', 'shlint_iam.isolate' in sys.modules, file=sys.stderr)\n"
             "    real(text, out)\n"
             "cli._write_report = report\n"
             "entry.main()\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True,
                            env=environment(project), timeout=300)
    assert result.returncode == 1
    assert "isolate imported: False" in result.stderr


def test_fix_runs_are_not_supervised_and_still_isolate(project: Path) -> None:
    result = check(project, "--fix", "-f", "concise", "a.sh", "boom.sh")
    assert result.returncode == 2
    assert NOT_ANALYSED in result.stderr


def test_sigterm_to_the_command_ends_both_processes(project: Path, tmp_path: Path) -> None:
    proc, child = start_slow_lint(project, tmp_path)
    try:
        assert child != proc.pid  # the lint runs in the supervised child
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == -signal.SIGTERM
        with pytest.raises(ProcessLookupError):  # reaped by the supervisor before it ended
            os.kill(child, 0)
    finally:
        proc.kill()
        proc.communicate()


def test_ctrl_c_is_answered_once_by_the_child(project: Path, tmp_path: Path) -> None:
    proc, _ = start_slow_lint(project, tmp_path, start_new_session=True)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert (out, err) == ("", "\nshlint-iam: interrupted\n")  # click ends the `^C` line first
    finally:
        proc.kill()
        proc.communicate()


def test_an_ignored_sigint_stays_ignored(project: Path, tmp_path: Path) -> None:
    # A background job of a non-interactive shell starts with SIGINT ignored: so are both processes.
    proc, _ = start_slow_lint(project, tmp_path, seconds="2",
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, err) == (1, "")
        assert out.startswith("slow.sh:3:1: IAM001 ")
    finally:
        proc.kill()
        proc.communicate()


PROTOCOL = r"""
import os, signal, sys
from shlint_iam import supervise
supervise.start()
if supervise._write_fd is None:  # the parent, told to run the command itself
    print("run again with", supervise.replayed_input())
    sys.exit(0)
said = sys.argv[1]
if "S" in said:
    assert supervise.declare()
if "I" in said:
    supervise.keep_input(b"read once")
if "D" in said:
    supervise.lint_done()
if sys.argv[2] == "crash":
    os.kill(os.getpid(), signal.SIGSEGV)
sys.exit(int(sys.argv[2]))
"""


@pytest.mark.parametrize(("said", "ends", "returncode", "stdout", "stderr"), [
    ("S", "3", 3, "", ""),  # the child's exit status is the command's
    ("SID", "crash", 2, "",
     "shlint-iam: error: the linter crashed while writing its report (killed by signal SIGSEGV); please report it at "
     "https://github.com/shlint-iam/shlint-iam/issues\n"),
    ("", "crash", 2, "",
     "shlint-iam: error: the linter crashed while running (killed by signal SIGSEGV); please report it at "
     "https://github.com/shlint-iam/shlint-iam/issues\n"),
    ("S", "crash", 0, "run again with None\n", ""),
    ("SI", "crash", 0, "run again with b'read once'\n", ""),
])
def test_what_the_supervisor_does_with_what_the_child_said(
    said: str, ends: str, returncode: int, stdout: str, stderr: str
) -> None:
    result = subprocess.run([sys.executable, "-c", PROTOCOL, said, ends], capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"})
    assert (result.returncode, result.stdout, result.stderr) == (returncode, stdout, stderr)
