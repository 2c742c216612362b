"""Every input gets an answer: exit 0/1, or 2 for a path that could not be read; never a
traceback, a RecursionError or a hang (issue 7). See docs/robustness.md."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import Linter, lint_text

DEPLOY = "gcloud functions deploy f --gen2 --region=us-central1 --trigger-topic=t\n"


def run_cli(*args: str, cwd: Path, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shlint_iam", "check", "-f", "concise", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw,
    )


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "RecursionError" not in proc.stderr + proc.stdout


def internal_errors(result: object) -> list[str]:
    return [p.message for p in result.problems if "internal error" in p.message]  # type: ignore[attr-defined]


# -- odd bytes --------------------------------------------------------------------------------


def test_binary_file_named_explicitly_is_not_linted(tmp_path: Path) -> None:
    # tree-sitter's time on binary input is unbounded (issue 12): a NUL byte means "not text".
    (tmp_path / "blob").write_bytes(b"\x7fELF\x00\x00\x01" + bytes(range(256)) * 8 + b"\n" + DEPLOY.encode())
    (tmp_path / "ok.sh").write_text("set -e\necho ok\n")
    proc = run_cli("blob", "ok.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.stderr == ("shlint-iam: blob: not a text file (a NUL byte on line 1); not linted\n"
                           "shlint-iam: 1 file could not be analysed completely: blob (exit 2).\n")
    assert (proc.returncode, proc.stdout) == (2, "")


def test_nul_bytes_anywhere_make_the_text_not_linted() -> None:
    result = lint_text(b"echo a\x00b\n\x00\n" + DEPLOY.encode(), "nul.sh")
    assert [(p.path, p.message, p.fatal) for p in result.problems] == [
        ("nul.sh", "not a text file (a NUL byte on line 1); not linted", True)
    ]
    assert result.findings == [] and result.exit_code() == 2


def test_invalid_utf8_is_replaced_and_columns_count_characters() -> None:
    # Each invalid byte becomes one U+FFFD; `gcloud` starts at character 12 of line 1.
    text = b'echo "\xff" ; ' + DEPLOY.encode()
    result = lint_text(text, "bad.sh")
    assert not internal_errors(result)
    iam = [f for f in result.reported if f.code == "IAM001"]
    assert [(f.span.start_line, f.span.start_col) for f in iam] == [(1, 12)]
    # A valid multi-byte character counts once too (two characters here: column 13).
    result = lint_text('echo "é€" ; '.encode() + DEPLOY.encode(), "utf8.sh")
    assert [(f.span.start_line, f.span.start_col) for f in result.reported if f.code == "IAM001"] == [(1, 13)]


def test_empty_and_blank_files(tmp_path: Path) -> None:
    for data in (b"", b"\n", b"\r\n", b"   ", b"#!/bin/bash\n"):
        assert lint_text(data, "e.sh").findings == []
    (tmp_path / "empty.sh").write_bytes(b"")
    proc = run_cli("empty.sh", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_crlf_line_endings_give_the_same_findings_as_lf() -> None:
    lf = "#!/bin/bash\nset -e\n" + DEPLOY
    crlf = lf.replace("\n", "\r\n")
    a = [(f.code, f.span.start_line, f.span.start_col) for f in lint_text(lf, "x.sh").reported]
    b = [(f.code, f.span.start_line, f.span.start_col) for f in lint_text(crlf, "x.sh").reported]
    assert ("IAM001", 3, 1) in a
    assert ("IAM001", 3, 1) in b
    assert not internal_errors(lint_text(crlf, "x.sh"))


def test_ten_megabyte_script_gets_an_answer(tmp_path: Path) -> None:
    # One command every twenty lines: below the interpreter's command budget (20,000), which
    # otherwise stops the analysis before the deploy at the end.
    block = "true\n" + "# padding padding padding padding padding padding padding padding\n" * 19
    body = block * (10 * 1024 * 1024 // len(block)) + DEPLOY
    (tmp_path / "big.sh").write_text(body)
    start = time.monotonic()
    proc = run_cli("big.sh", cwd=tmp_path, timeout=300)
    assert_no_traceback(proc)
    assert proc.returncode == 1 and "IAM001" in proc.stdout
    assert time.monotonic() - start < 240


# -- deep nesting ----------------------------------------------------------------------------


DEEP = {
    "substitutions": "echo " + "$(" * 3000 + "x" + ")" * 3000 + "\n",
    "quoted-substitutions": "echo " + '"$(echo ' * 3000 + "x" + ')"' * 3000 + "\n",
    "ifs": "if true; then\n" * 2000 + DEPLOY + "fi\n" * 2000,
    "subshells": "(" * 2000 + DEPLOY.strip() + ")" * 2000 + "\n",
    "braces": "{ " * 2000 + DEPLOY.strip() + "; " + "} " * 2000 + "\n",
    "and-chain": " && ".join(["true"] * 3000) + "\n",
    "or-chain": " || ".join([DEPLOY.strip()] * 1000) + "\n",
    "parameter-defaults": "echo ${a:-" * 2000 + "x" + "}" * 2000 + "\n",
    "while-loops": "while true; do\n" * 1000 + DEPLOY + "done\n" * 1000,
    "case": "case x in x)\n" * 1000 + DEPLOY + ";; esac\n" * 1000,
    "functions": "f() { " * 1000 + DEPLOY.strip() + "; " + "}; " * 1000 + "\nf\n",
    "test-parens": "[[ " + "( " * 2000 + "a" + " )" * 2000 + " ]]\n",
    "arithmetic": "echo $((" + "(" * 2000 + "1" + ")" * 2000 + "))\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_gets_an_answer_quickly(name: str) -> None:
    start = time.monotonic()
    result = lint_text(DEEP[name], f"{name}.sh")
    assert time.monotonic() - start < 20
    assert not internal_errors(result), result.problems


def test_deep_nesting_through_the_cli(tmp_path: Path) -> None:
    for name in ("substitutions", "ifs"):
        (tmp_path / f"{name}.sh").write_text(DEEP[name])
    proc = run_cli("substitutions.sh", "ifs.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert "internal error" not in proc.stderr
    # The deploy inside 2,000 nested `if`s is past the nesting bound: not analysed, so the file
    # is not passing (exit 2) and says why; the other file is still linted.
    assert proc.returncode == 2
    assert proc.stderr == (
        "shlint-iam: ifs.sh: analysis incomplete: nesting deeper than 300 levels at line 302 of ifs.sh: "
        "not analysed\n"
        "shlint-iam: 1 file could not be analysed completely: ifs.sh (exit 2).\n"
    )


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_nested_for_loops_are_bounded_by_the_interpreter() -> None:
    text = "for i in a b; do\n" * 400 + DEPLOY + "done\n" * 400
    linter = Linter(Config())
    linter.time_limit = 5
    result = linter.lint_text(text, "for.sh")
    assert [(p.path, p.kind, p.message) for p in result.problems] == [
        ("for.sh", "incomplete", "analysis incomplete: stopped at its work bound (very long or deeply nested "
         "script); what follows was not analysed; nesting deeper than 300 levels at line 151 of for.sh: not "
         "analysed")
    ]
    assert result.exit_code() == 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_runaway_analysis_is_stopped_and_named() -> None:
    # Whatever the interpreter does with it, the linter answers within its time limit.
    text = "for i in a b; do\n" * 400 + DEPLOY + "done\n" * 400
    linter = Linter(Config())
    linter.time_limit = 2
    start = time.monotonic()
    result = linter.lint_text(text, "for.sh")
    assert time.monotonic() - start < 15
    # Stopped by the work bound or by the time limit: either way incomplete, never a pass.
    assert result.problems and all(p.kind == "incomplete" and p.path == "for.sh" for p in result.problems)
    assert result.exit_code() == 2


# -- paths -----------------------------------------------------------------------------------


def test_missing_path_is_exit_2_and_the_rest_is_still_linted(tmp_path: Path) -> None:
    (tmp_path / "bad.sh").write_text(DEPLOY)
    proc = run_cli("nothere.sh", "bad.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 2
    assert "shlint-iam: nothere.sh: no such file or directory" in proc.stderr
    assert "bad.sh:1:1: IAM001" in proc.stdout


def test_symlink_loop_named_explicitly_could_not_be_read(tmp_path: Path) -> None:
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    (tmp_path / "ok.sh").write_text("echo ok\n")
    proc = run_cli("a", "ok.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 2
    assert "shlint-iam: a: could not read: symbolic link loop" in proc.stderr


def test_broken_symlink_named_explicitly(tmp_path: Path) -> None:
    os.symlink("gone.sh", tmp_path / "link.sh")
    proc = run_cli("link.sh", cwd=tmp_path)
    assert proc.returncode == 2
    assert "link.sh: could not read: broken symbolic link" in proc.stderr


def test_directory_walk_does_not_follow_symlinks_or_loop(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "deploy.sh").write_text(DEPLOY)
    os.symlink("..", tree / "sub" / "up")  # a directory loop
    os.symlink(str(tree), tree / "sub" / "again")
    os.symlink("x", tree / "loop1.sh")
    os.symlink("loop1.sh", tree / "x")  # a file loop in the walk: skipped silently
    os.symlink("missing.sh", tree / "dangling.sh")
    start = time.monotonic()
    proc = run_cli("tree", cwd=tmp_path, timeout=60)
    assert time.monotonic() - start < 30
    assert_no_traceback(proc)
    assert proc.returncode == 1
    assert proc.stdout.count("IAM001") == 1
    assert proc.stderr == ""


def test_directory_where_a_file_is_expected(tmp_path: Path) -> None:
    (tmp_path / "script.sh").write_text(DEPLOY)
    (tmp_path / "other.sh").write_text(DEPLOY)
    # `script.sh/` and `script.sh/x` name a directory that is a file: ENOTDIR.
    proc = run_cli("script.sh/", "script.sh/x", "other.sh", cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr.count("could not read: not a directory") == 2
    assert "other.sh:1:1: IAM001" in proc.stdout


def test_fifo_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.sh")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "dir" / "fifo.sh")  # found by a walk: never opened
    (tmp_path / "dir" / "real.sh").write_text(DEPLOY)
    proc = run_cli("pipe.sh", "dir", cwd=tmp_path, timeout=60)
    assert_no_traceback(proc)
    assert proc.returncode == 1
    assert "real.sh:1:1: IAM001" in proc.stdout and "fifo.sh" not in proc.stdout + proc.stderr


def test_process_substitution_is_read(tmp_path: Path) -> None:
    # What `shlint-iam check <(git show HEAD:deploy.sh)` hands over: a pipe with a writer.
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shlint_iam", "check", "-f", "concise", f"/dev/fd/{read_end}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, pass_fds=(read_end,),
    )
    os.close(read_end)
    os.write(write_end, DEPLOY.encode())
    os.close(write_end)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert proc.returncode == 1 and "IAM001" in out


_libc = None


def _drop_dac_capabilities() -> None:
    """In the child, before exec: remove CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2) from
    the capability bounding set (prctl PR_CAPBSET_DROP = 24), so that root's exec'd Python gets
    the ordinary permission checks of the kernel."""
    assert _libc is not None
    for cap in (1, 2):
        if _libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _unprivileged() -> dict[str, Any]:
    """subprocess arguments that make permissions count, or skip."""
    global _libc
    if os.geteuid() != 0:
        return {}
    try:
        _libc = ctypes.CDLL(None, use_errno=True)
        probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_drop_dac_capabilities,
                               capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE")
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE")
    return {"preexec_fn": _drop_dac_capabilities}


def test_unreadable_file_is_exit_2_and_the_rest_is_still_linted(tmp_path: Path) -> None:
    """chmod 000 for real. Root reads anything, so as root the CLI runs without the
    capabilities that bypass file permissions: the check is the kernel's, not a simulation."""
    (tmp_path / "secret.sh").write_text(DEPLOY)
    (tmp_path / "open.sh").write_text(DEPLOY)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner.sh").write_text(DEPLOY)
    os.chmod(tmp_path / "secret.sh", 0)
    os.chmod(locked, 0)
    try:
        extra = _unprivileged()
        proc = run_cli("secret.sh", "locked", "open.sh", cwd=tmp_path, **extra)
    finally:
        os.chmod(tmp_path / "secret.sh", 0o644)
        os.chmod(locked, 0o755)
    assert_no_traceback(proc)
    assert proc.returncode == 2
    assert "shlint-iam: secret.sh: could not read: permission denied" in proc.stderr
    assert "locked: permission denied" in proc.stderr.lower()
    assert "open.sh:1:1: IAM001" in proc.stdout
    assert "inner.sh" not in proc.stdout


def test_read_errors_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlint_iam.lint as lint_module

    (tmp_path / "a.sh").write_text(DEPLOY)
    (tmp_path / "b.sh").write_text(DEPLOY)
    real = lint_module.read_bytes

    def flaky(path: Path) -> bytes:
        if path.name == "a.sh":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(lint_module, "read_bytes", flaky)
    result = Linter(Config()).lint_paths([str(tmp_path / "a.sh"), str(tmp_path / "b.sh")], jobs=1)
    assert [p.message for p in result.problems] == ["could not read: permission denied"]
    assert result.exit_code() == 2
    assert {f.code for f in result.reported} >= {"IAM001"}


def test_explicit_directory_and_file_mix_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.sh").write_text(DEPLOY)
    proc = run_cli("d", "d/x.sh", "./d/x.sh", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.count("IAM001") == 1
