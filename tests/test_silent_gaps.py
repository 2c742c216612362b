"""Silent gaps the user is told about (issue 11 §3): a statement left open is reported where it
opens, never past the end of the file; an empty run says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shlint_iam.config import Config
from shlint_iam.lint import Linter

HEADER = "#!/usr/bin/env bash\nset -euo pipefail\n"


def sh000(text: str) -> list[tuple[int, int, int, int, str]]:
    result = Linter(Config(select=["SH000"])).lint_text(text, "deploy.sh")
    return [(f.span.start_line, f.span.start_col, f.span.end_line, f.span.end_col, f.message)
            for f in result.reported]


UNCLOSED = [
    ("if", HEADER + 'if [ -n "${REGION:-}" ]; then\n  gcloud functions deploy orch --region="$REGION"\n',
     (3, 1, 3, 3, "syntax error: this `if` is never closed: add `fi`")),
    ("for", HEADER + "for region in us-west1 us-east1; do\n  gcloud run deploy api --region=\"$region\"\n",
     (3, 1, 3, 4, "syntax error: this `for` is never closed: add `done`")),
    ("c-style-for", HEADER + "for ((i = 0; i < 3; i++)); do\n  echo \"$i\"\n",
     (3, 1, 3, 4, "syntax error: this `for` is never closed: add `done`")),
    ("while", HEADER + "while read -r svc; do\n  gcloud run deploy \"$svc\" --region=us-west1\n",
     (3, 1, 3, 6, "syntax error: this `while` is never closed: add `done`")),
    ("until", HEADER + "until gcloud run services describe api --region=us-west1; do\n  sleep 5\n",
     (3, 1, 3, 6, "syntax error: this `until` is never closed: add `done`")),
    ("case", HEADER + 'case "$1" in\n  prod) REGION=us-west1 ;;\n  *) REGION=us-east1 ;;\n',
     (3, 1, 3, 5, "syntax error: this `case` is never closed: add `esac`")),
    ("function-brace", HEADER + "deploy() {\n  gcloud run deploy api --region=us-west1\n\ndeploy\n",
     (3, 10, 3, 11, "syntax error: this `{` is never closed: add `}`")),
    ("function-keyword", HEADER + "function deploy {\n  gcloud run deploy api --region=us-west1\n",
     (3, 17, 3, 18, "syntax error: this `{` is never closed: add `}`")),
    ("if-inside-function", HEADER + "deploy() {\n  if true; then\n    echo deploying\n}\ndeploy\n",
     (4, 3, 4, 5, "syntax error: this `if` is never closed: add `fi`")),
    ("no-final-newline", HEADER + "if true; then\n  echo a",
     (3, 1, 3, 3, "syntax error: this `if` is never closed: add `fi`")),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in UNCLOSED], ids=[c[0] for c in UNCLOSED])
def test_a_statement_left_open_is_reported_at_its_opening_keyword(text: str, expected: tuple[object, ...]) -> None:
    found = sh000(text)
    assert found[0] == expected, found
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    assert all(line <= lines for line, *_ in found), found  # never past the end of the file


def test_an_inner_statement_left_open_is_the_one_reported() -> None:
    text = HEADER + "if true; then\n  for r in a b; do\n    echo \"$r\"\n  fi\n"
    assert sh000(text) == [
        (4, 3, 4, 6, "syntax error: this `for` is never closed: add `done`"),
        (6, 3, 6, 5, "syntax error: unexpected `fi`"),
    ]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shlint_iam", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_a_directory_without_shell_scripts_says_so_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('not a shell script')\n")
    (tmp_path / "README.md").write_text("# nothing to lint\n")
    proc = run("src", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "shlint-iam: warning: no shell scripts found in src\n")
    proc = run(cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "shlint-iam: warning: no shell scripts found in .\n")
    proc = run("-f", "json", "src", ".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "[]\n", "shlint-iam: warning: no shell scripts found in src, .\n"
    )


def test_a_directory_with_a_script_says_nothing_more(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text(HEADER + "echo ok\n")
    proc = run(".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "All checks passed (1 file).\n", "")
