"""``shlint-iam check - --stdin-filename PATH``: what editors use to lint an unsaved buffer.

Run as a real subprocess (bytes on stdin, the working directory chosen per test), since the
reported path, the config lookup and ``source`` all depend on PATH and the working directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEPLOY = "gcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t"
BINDING = (
    "gcloud functions add-invoker-policy-binding orch --region=us-west2 "
    '--member="serviceAccount:123-compute@developer.gserviceaccount.com"'
)
BROKEN = f"#!/bin/bash\nset -euo pipefail\n{DEPLOY}\n"


def check(cwd: Path, data: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shlint_iam", "check", "-f", "concise", *args],
        input=data.decode("latin-1"),  # text mode would re-encode; pass the bytes through latin-1
        cwd=cwd,
        capture_output=True,
        encoding="latin-1",
        timeout=120,
    )


def lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line]


def test_reports_stdin_under_the_given_path(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    proc = check(tmp_path, BROKEN.encode(), "-", "--stdin-filename", "scripts/deploy.sh")
    assert proc.returncode == 1, proc.stderr
    (line,) = lines(proc)
    assert line.startswith("scripts/deploy.sh:3:1: IAM001 "), line
    # The file need not exist: the buffer is what is linted.
    assert not (tmp_path / "scripts" / "deploy.sh").exists()


def test_absolute_stdin_filename_below_the_working_directory_is_shown_relative(tmp_path: Path) -> None:
    target = tmp_path / "deploy.sh"
    proc = check(tmp_path, BROKEN.encode(), "-", "--stdin-filename", str(target))
    (line,) = lines(proc)
    assert line.startswith("deploy.sh:3:1: IAM001 "), line


def test_clean_stdin_exits_zero(tmp_path: Path) -> None:
    proc = check(tmp_path, (BROKEN + BINDING + "\n").encode(), "-", "--stdin-filename", "deploy.sh")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_invalid_utf8_is_decoded_with_replacement(tmp_path: Path) -> None:
    data = b'#!/bin/bash\nset -euo pipefail\necho "\xff\xfe caf\xc3"\n' + DEPLOY.encode() + b"\n"
    proc = check(tmp_path, data, "-", "--stdin-filename", "deploy.sh")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = lines(proc)
    assert line.startswith("deploy.sh:4:1: IAM001 "), line


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    data = f"#!/bin/bash\nset -euo pipefail\n: é😀; {DEPLOY}\n".encode()
    proc = check(tmp_path, data, "-", "--stdin-filename", "deploy.sh")
    (line,) = lines(proc)
    assert line.startswith("deploy.sh:3:7: IAM001 "), line


def test_config_is_found_from_the_stdin_filename_directory(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".shlint-iam.toml").write_text('ignore = ["IAM001"]\n', encoding="utf-8")
    # From the working directory (no config there) the finding is reported...
    proc = check(tmp_path, BROKEN.encode(), "-", "--stdin-filename", "deploy.sh")
    assert proc.returncode == 1 and "IAM001" in proc.stdout
    # ...as PATH in sub/ it is not, even though the working directory is tmp_path.
    proc = check(tmp_path, BROKEN.encode(), "-", "--stdin-filename", "sub/deploy.sh")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # And from elsewhere, with an absolute PATH, the same config applies.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = check(elsewhere, BROKEN.encode(), "-", "--stdin-filename", str(sub / "deploy.sh"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pyproject_table_is_found_from_the_stdin_filename_directory(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "deploy").mkdir(parents=True)
    (tmp_path / "pkg" / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.shlint-iam]\nignore = ["IAM"]\n', encoding="utf-8"
    )
    proc = check(tmp_path, BROKEN.encode(), "-", "--stdin-filename", "pkg/deploy/deploy.sh")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_config_error_near_the_stdin_filename_exits_2(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".shlint-iam.toml").write_text("no-such-key = 1\n", encoding="utf-8")
    proc = check(tmp_path, BROKEN.encode(), "-", "--stdin-filename", "sub/deploy.sh")
    assert proc.returncode == 2
    assert "no-such-key" in proc.stderr and "Traceback" not in proc.stderr


def test_relative_source_is_resolved_from_the_stdin_filename(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (project / "lib" / "bind.sh").write_text(f"bind_it() {{\n  {BINDING}\n}}\n", encoding="utf-8")
    script = BROKEN + 'source "$(dirname "$0")/lib/bind.sh"\nbind_it\n'
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Linted as project/main.sh (relative, or absolute from another directory): the binding in
    # lib/bind.sh is found, so no IAM001.
    proc = check(tmp_path, script.encode(), "-", "--stdin-filename", "project/main.sh")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = check(elsewhere, script.encode(), "-", "--stdin-filename", str(project / "main.sh"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Linted as a file in a directory without lib/: the source is not found, IAM001 is reported.
    proc = check(tmp_path, script.encode(), "-", "--stdin-filename", "elsewhere/main.sh")
    assert proc.returncode == 1 and "elsewhere/main.sh:3:1: IAM001" in proc.stdout, proc.stdout
