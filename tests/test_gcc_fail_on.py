"""`-f gcc` (ShellCheck's form, read by vim/Emacs/VS Code with its severity) and `--fail-on`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import shlint

# Line 3 has a tab and multi-byte characters before the deploy: character column 16, byte column 19.
UNBOUND = (
    "#!/bin/bash\n"
    "set -euo pipefail\n"
    'echo "café →";\tgcloud functions deploy orch --gen2 --region=us-west2 --trigger-topic=t'
    " --trigger-service-account=sa@p.iam.gserviceaccount.com\n"
)
MIXED = """\
#!/bin/bash
set -euo pipefail
REGION=us-west2
gcloud functions deploy orch --gen2 --region="$REGION" --trigger-topic=t
if [[ "${GRANT:-}" == yes ]]; then
  gcloud functions add-invoker-policy-binding orch --region="$REGION" \\
    --member="serviceAccount:123-compute@developer.gserviceaccount.com"
fi
gcloud run services add-iam-policy-binding "$SVC" --region="$REGION" --member="serviceAccount:x@p.iam.gserviceaccount.com" --role=roles/run.invoker
"""
IAM001_MESSAGE = (
    "gen2 function orch (Pub/Sub topic t) is invoked as serviceAccount:sa@p.iam.gserviceaccount.com "
    "(--trigger-service-account), which gets no roles/run.invoker on service orch after this deploy"
)


def test_gcc_format_bytes_and_byte_column(tmp_path: Path) -> None:
    (tmp_path / "d.sh").write_text(UNBOUND, encoding="utf-8")
    proc = shlint("check", "-f", "gcc", "d.sh", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == f"d.sh:3:19: error: {IAM001_MESSAGE} [IAM001]\n"
    concise = shlint("check", "-f", "concise", "d.sh", cwd=tmp_path)
    assert concise.stdout == f"d.sh:3:16: IAM001 {IAM001_MESSAGE}\n"  # characters, unchanged


def test_gcc_format_severity_words(tmp_path: Path) -> None:
    (tmp_path / "w.sh").write_text(MIXED, encoding="utf-8")
    proc = shlint("check", "-f", "gcc", "--extend-select", "IAM009", "--ignore", "IAM005", "w.sh", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "w.sh:6:3: warning: the invoker binding for orch runs only on some paths after the deploy at line 4; "
        "on the others it stays unbound [IAM008]",
        "w.sh:6:3: note: cannot verify this binding: region or project not known statically [IAM009]",
        "w.sh:9:1: note: cannot verify this binding: target, region or project not known statically [IAM009]",
    ]


@pytest.mark.skipif(shutil.which("vim") is None, reason="needs vim")
def test_vim_errorformat_from_the_docs_lands_on_the_finding(tmp_path: Path) -> None:
    """The errorformat documented in docs/editors.md, in a real vim: `:cfirst` puts the cursor on
    `gcloud` on a line with a tab and multi-byte characters, and the quickfix type is the severity."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "editors.md").read_text(encoding="utf-8")
    efm_line = next(line for line in docs.splitlines() if line.startswith("setlocal errorformat="))
    (tmp_path / "d.sh").write_text(UNBOUND, encoding="utf-8")
    (tmp_path / "w.sh").write_text(MIXED, encoding="utf-8")
    out = shlint("check", "-f", "gcc", "--extend-select", "IAM009", "--ignore", "IAM005", "d.sh", "w.sh", cwd=tmp_path).stdout
    (tmp_path / "out.txt").write_text(out, encoding="utf-8")
    script = (
        'call writefile([line(".") . ":" . col(".") . ":" . strpart(getline("."), col(".") - 1, 6)]'
        ' + map(getqflist(), {_, e -> e.lnum . ":" . e.col . ":" . e.type . ":" . (e.vcol ? "v" : "b")}), "vim.txt")'
    )
    subprocess.run(
        ["vim", "-N", "-u", "NONE", "-i", "NONE", "-es", "-c", efm_line.replace("setlocal", "set", 1),
         "-c", "cgetfile out.txt", "-c", "cfirst", "-c", script, "-c", "qa!"],
        cwd=tmp_path, capture_output=True, timeout=60, check=False,
    )
    assert (tmp_path / "vim.txt").read_text().splitlines() == [
        "3:19:gcloud", "3:19:e:b", "6:3:w:b", "6:3:n:b", "9:1:n:b",
    ]


@pytest.mark.parametrize(
    ("fail_on", "exit_code"), [("info", 1), ("warning", 1), ("error", 0)]
)
def test_fail_on_is_the_lowest_severity_that_fails(tmp_path: Path, fail_on: str, exit_code: int) -> None:
    (tmp_path / "w.sh").write_text(MIXED, encoding="utf-8")
    proc = shlint("check", "-f", "concise", "--extend-select", "IAM009", "--ignore", "IAM005", "--fail-on", fail_on, "w.sh", cwd=tmp_path)
    assert proc.returncode == exit_code
    assert len(proc.stdout.splitlines()) == 3  # reported all the same


def test_fail_on_warning_passes_info_only(tmp_path: Path) -> None:
    (tmp_path / "w.sh").write_text(MIXED, encoding="utf-8")
    proc = shlint("check", "-f", "concise", "--select", "IAM009", "--fail-on", "warning", "w.sh", cwd=tmp_path)
    assert (proc.returncode, len(proc.stdout.splitlines())) == (0, 2)
    proc = shlint("check", "-f", "concise", "--select", "IAM009", "w.sh", cwd=tmp_path)
    assert proc.returncode == 1  # default: every finding fails


def test_exit_zero_still_wins_and_unreadable_is_still_2(tmp_path: Path) -> None:
    (tmp_path / "d.sh").write_text(UNBOUND, encoding="utf-8")
    assert shlint("check", "--exit-zero", "--fail-on", "info", "d.sh", cwd=tmp_path).returncode == 0
    assert shlint("check", "--fail-on", "error", "d.sh", "missing.sh", cwd=tmp_path).returncode == 2


def test_fail_on_rejects_other_words(tmp_path: Path) -> None:
    proc = shlint("check", "--fail-on", "style", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "--fail-on" in proc.stderr


def test_vscode_problem_matcher_from_the_docs_reads_gcc_lines(tmp_path: Path) -> None:
    import json
    import re

    docs = (Path(__file__).resolve().parents[1] / "docs" / "editors.md").read_text(encoding="utf-8")
    block = docs.split('"version": "2.0.0"', 1)[1].split("```", 1)[0]
    tasks = json.loads('{"version": "2.0.0"' + block)
    task = tasks["tasks"][0]
    assert task["args"][:3] == ["check", "-f", "gcc"]
    pattern = task["problemMatcher"]["pattern"]
    (tmp_path / "w.sh").write_text(MIXED, encoding="utf-8")
    out = shlint("check", "-f", "gcc", "--extend-select", "IAM009", "--ignore", "IAM005", "w.sh", cwd=tmp_path).stdout
    parsed = []
    for line in out.splitlines():
        m = re.match(pattern["regexp"], line)
        assert m, line
        parsed.append((m[pattern["file"]], m[pattern["line"]], m[pattern["severity"]], m[pattern["code"]]))
    assert parsed == [("w.sh", "6", "warning", "IAM008"), ("w.sh", "6", "note", "IAM009"), ("w.sh", "9", "note", "IAM009")]
